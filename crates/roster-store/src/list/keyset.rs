//! The keyset part of a user-list statement, the same on every backend:
//! the expressions a sort compares by, the values a position holds for
//! them, the conditions that start (or stop) a page at a position, and the
//! `ORDER BY`.
//!
//! Binding is the backend's: it turns each `Param` into a parameter of
//! its own dialect (`?N` or `$N`, its own types) and hands the placeholders
//! in, so the statement text is decided here once for both.

use roster_domain::{Direction, Position, SortField, SortValue, UserQuery};

use super::Param;

/// An expression a statement orders by, with its direction.
pub type Key = (String, Direction);

/// The SQL expressions, in order, that a sort field compares by. Both
/// backends compare these columns as bytes (SQLite's default collation,
/// PostgreSQL's `COLLATE "C"`) and `lower()` folds ASCII only: the domain's
/// order, folded first and raw to break ties.
pub fn sort_exprs(field: SortField) -> &'static [&'static str] {
    match field {
        SortField::CreatedAt => &["u.created_at"],
        SortField::UpdatedAt => &["u.updated_at"],
        SortField::Email => &["lower(u.email)", "u.email"],
        SortField::Name => &["lower(u.name)", "u.name"],
        SortField::Identifier => &["lower(u.identifier)", "u.identifier"],
        SortField::FirstName => &["lower(u.first_name)", "u.first_name"],
        SortField::LastName => &["lower(u.last_name)", "u.last_name"],
        SortField::Status => &["u.status"],
        SortField::UserType => &["u.user_type"],
    }
}

/// The column holding a sort field's value as a cursor carries it.
pub fn raw_column(field: SortField) -> &'static str {
    match sort_exprs(field) {
        [only] => only,
        [_, raw, ..] => raw,
        [] => "u.id",
    }
}

/// The keys of the query's sort and then `u.id`, the tie-break (a search
/// rank, when a plan orders by it, goes in front).
pub fn sort_keys(query: &UserQuery) -> Vec<Key> {
    let mut keys = Vec::new();
    for key in &query.sort.keys {
        for expr in sort_exprs(key.field) {
            keys.push(((*expr).to_owned(), key.direction));
        }
    }
    keys.push(("u.id".to_owned(), query.sort.id_direction()));
    keys
}

/// Keys with their directions reversed when travelling backwards.
pub fn directed(keys: &[Key], flip: bool) -> Vec<Key> {
    keys.iter().map(|(e, d)| (e.clone(), if flip { d.flip() } else { *d })).collect()
}

/// The values of a position for each key of `sort_keys`, with its rank in
/// front when `with_rank` and the query is ranked.
pub fn position_values(query: &UserQuery, pos: &Position, with_rank: bool) -> Vec<Param> {
    let mut out = Vec::new();
    if with_rank && query.ranked {
        out.push(Param::Rank(pos.rank.map_or(0u8, |r| r as u8)));
    }
    for (key, value) in query.sort.keys.iter().zip(&pos.values) {
        match value {
            SortValue::Time(t) => out.push(Param::Time(*t)),
            SortValue::Text(s) if key.field.is_folded() => {
                out.push(Param::Text(s.to_ascii_lowercase()));
                out.push(Param::Text(s.clone()));
            }
            SortValue::Text(s) => out.push(Param::Text(s.clone())),
        }
    }
    out.push(Param::Id(pos.id));
    out
}

fn op(d: Direction) -> &'static str {
    if d == Direction::Asc { ">" } else { "<" }
}

/// The conditions that, joined by `AND`, hold for a row strictly after the
/// position bound as `params` (one per key) in the order `keys`.
pub fn after(keys: &[Key], params: &[String]) -> Vec<String> {
    let Some((first_expr, first_dir)) = keys.first() else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    // A plain range on the leading key lets the planner seek the index.
    if let Some(p) = params.first() {
        parts.push(format!("{first_expr} {}= {p}", op(*first_dir)));
    }
    if keys.iter().all(|(_, d)| d == first_dir) {
        let lhs: Vec<&str> = keys.iter().map(|(e, _)| e.as_str()).collect();
        parts.push(format!("({}) {} ({})", lhs.join(", "), op(*first_dir), params.join(", ")));
    } else {
        // Mixed directions have no row-value comparison: spell it out.
        let mut ors = Vec::new();
        for i in 0..keys.len().min(params.len()) {
            let mut ands: Vec<String> =
                (0..i).map(|j| format!("{} = {}", keys[j].0, params[j])).collect();
            ands.push(format!("{} {} {}", keys[i].0, op(keys[i].1), params[i]));
            ors.push(format!("({})", ands.join(" AND ")));
        }
        parts.push(format!("({})", ors.join(" OR ")));
    }
    parts
}

/// One condition: the row comes at or before the position bound as
/// `params`, where a walk step stops. `lead` is the position's leading
/// value bound once more, for a range on the leading key that ends the
/// planner's index range at the stop.
pub fn up_to(keys: &[Key], lead: Option<&str>, params: &[String]) -> String {
    let lead = match (keys.first(), lead) {
        (Some((expr, dir)), Some(p)) => {
            let back = if *dir == Direction::Asc { "<=" } else { ">=" };
            format!("{expr} {back} {p} AND ")
        }
        _ => String::new(),
    };
    format!("({lead}NOT ({}))", after(keys, params).join(" AND "))
}

/// ` ORDER BY` the keys, each reversed when `flip`.
pub fn order_by(keys: &[Key], flip: bool) -> String {
    let parts: Vec<String> = keys
        .iter()
        .map(|(e, d)| {
            let d = if flip { d.flip() } else { *d };
            format!("{e} {}", d.as_str().to_uppercase())
        })
        .collect();
    format!(" ORDER BY {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::{Rank, Sort, SortKey, UserId, Window};

    fn query(keys: &[(SortField, Direction)], ranked: bool) -> UserQuery {
        let keys = keys.iter().map(|&(field, direction)| SortKey { field, direction }).collect();
        UserQuery {
            sort: Sort { keys },
            ranked,
            search: if ranked { vec!["mar".into()] } else { Vec::new() },
            window: Window::After { position: None, limit: 10 },
            ..UserQuery::first_page(10)
        }
    }

    fn placeholders(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("?{i}")).collect()
    }

    #[test]
    fn one_direction_compares_a_row_value_after_a_range_on_the_leading_key() {
        let keys = sort_keys(&query(&[(SortField::Name, Direction::Asc)], false));
        assert_eq!(
            after(&keys, &placeholders(3)),
            ["lower(u.name) >= ?1", "(lower(u.name), u.name, u.id) > (?1, ?2, ?3)"]
        );
        assert_eq!(
            after(&directed(&keys, true), &placeholders(3)),
            ["lower(u.name) <= ?1", "(lower(u.name), u.name, u.id) < (?1, ?2, ?3)"]
        );
    }

    #[test]
    fn mixed_directions_spell_the_comparison_out() {
        let q = query(
            &[(SortField::Email, Direction::Desc), (SortField::CreatedAt, Direction::Asc)],
            false,
        );
        let params: Vec<String> = (1..=4).map(|i| format!("${i}")).collect();
        assert_eq!(
            after(&sort_keys(&q), &params),
            [
                "lower(u.email) <= $1",
                "((lower(u.email) < $1) OR (lower(u.email) = $1 AND u.email < $2) OR \
                 (lower(u.email) = $1 AND u.email = $2 AND u.created_at > $3) OR \
                 (lower(u.email) = $1 AND u.email = $2 AND u.created_at = $3 AND u.id > $4))"
            ]
        );
    }

    #[test]
    fn a_stop_bounds_the_leading_key_and_negates_after() {
        let keys = sort_keys(&query(&[(SortField::CreatedAt, Direction::Desc)], false));
        assert_eq!(
            up_to(&keys, Some("?1"), &["?2".to_owned(), "?3".to_owned()]),
            "(u.created_at >= ?1 AND NOT (u.created_at <= ?2 AND (u.created_at, u.id) < (?2, ?3)))"
        );
        assert_eq!(order_by(&keys, false), " ORDER BY u.created_at DESC, u.id DESC");
        assert_eq!(order_by(&keys, true), " ORDER BY u.created_at ASC, u.id ASC");
    }

    #[test]
    fn a_position_holds_a_value_per_key_folded_text_twice() {
        let q =
            query(&[(SortField::Name, Direction::Asc), (SortField::Status, Direction::Asc)], true);
        let id = UserId::from_bytes([7; 16]);
        let pos = Position {
            rank: Some(Rank::Prefix),
            values: vec![SortValue::Text("Mary".into()), SortValue::Text("active".into())],
            id,
        };
        let text = |s: &str| Param::Text(s.to_owned());
        assert_eq!(
            position_values(&q, &pos, true),
            [Param::Rank(1), text("mary"), text("Mary"), text("active"), Param::Id(id)]
        );
        assert_eq!(position_values(&q, &pos, false).len(), sort_keys(&q).len());
    }
}
