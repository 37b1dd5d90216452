//! The filter conditions both backends write alike: one column compared
//! with one value, which the backend binds in its own dialect. The others
//! (id and enum lists, roles, attributes, search) differ by backend.

use roster_domain::UserFilter;

use super::Param;

/// A column and its comparison (`lower(u.email) =`), and the value it is
/// compared with.
pub type Condition = (&'static str, Param);

/// Email and identifier, compared folded (the filter holds them folded),
/// and the external id, compared exactly.
pub fn lookups(f: &UserFilter) -> Vec<Condition> {
    let text = |lhs, v: &Option<String>| v.as_ref().map(|v| (lhs, Param::Text(v.clone())));
    [
        text("lower(u.email) =", &f.email),
        text("lower(u.identifier) =", &f.identifier),
        text("u.external_id =", &f.external_id),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Who created and last changed the user, and when: the actors compared
/// exactly, the times as half-open ranges.
pub fn provenance(f: &UserFilter) -> Vec<Condition> {
    let actors = [("u.created_by =", &f.created_by), ("u.updated_by =", &f.updated_by)];
    let times = [
        ("u.created_at >=", f.created_from),
        ("u.created_at <", f.created_to),
        ("u.updated_at >=", f.updated_from),
        ("u.updated_at <", f.updated_to),
    ];
    let actors = actors.into_iter().filter_map(|(lhs, v)| Some((lhs, Param::Text(v.clone()?))));
    let times = times.into_iter().filter_map(|(lhs, t)| Some((lhs, Param::Time(t?))));
    actors.chain(times).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::Timestamp;

    #[test]
    fn conditions_come_in_the_order_both_backends_bind_them() {
        let at = |s| Timestamp::from_micros(s).unwrap_or_else(|| panic!("{s}"));
        let f = UserFilter {
            email: Some("a@b.c".into()),
            identifier: Some("ann".into()),
            updated_by: Some("key_b".into()),
            created_to: Some(at(2)),
            updated_from: Some(at(3)),
            ..UserFilter::default()
        };
        let lhs = |c: Vec<Condition>| c.into_iter().map(|(l, _)| l).collect::<Vec<_>>();
        assert_eq!(lhs(lookups(&f)), ["lower(u.email) =", "lower(u.identifier) ="]);
        assert_eq!(
            provenance(&f),
            [
                ("u.updated_by =", Param::Text("key_b".into())),
                ("u.created_at <", Param::Time(at(2))),
                ("u.updated_at >=", Param::Time(at(3))),
            ]
        );
        assert!(lookups(&UserFilter::default()).is_empty());
    }
}
