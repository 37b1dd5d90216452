//! Path and query text the domain reads: ids, timestamps, zone, role,
//! scope and sort names, list filters and search terms, merge patches.

use proptest::prelude::*;
use serde_json::Value;

use roster_domain::access::RoleRef;
use roster_domain::ids::Ulid;
use roster_domain::query::{json_equal, search_rank};
use roster_domain::tenancy::check_zone_identifier;
use roster_domain::text::fold;
use roster_domain::user::merge_patch;
use roster_domain::{
    ApiKeyId, AttributeFilter, GrantId, OrgId, ProviderId, Rank, RoleAssignmentId, RoleId, Scope,
    SessionId, SortField, Timestamp, User, UserFilter, UserId, UserQuery, ZoneId, ZoneRef,
};

use crate::generate::{hostile_string, json_value, run};

/// The text form of every kind of id, parsed by every kind: only its own
/// kind accepts it.
fn parse_all(s: &str) -> [Option<String>; 9] {
    [
        UserId::parse(s).map(|i| i.to_string()),
        ZoneId::parse(s).map(|i| i.to_string()),
        OrgId::parse(s).map(|i| i.to_string()),
        ApiKeyId::parse(s).map(|i| i.to_string()),
        RoleId::parse(s).map(|i| i.to_string()),
        RoleAssignmentId::parse(s).map(|i| i.to_string()),
        SessionId::parse(s).map(|i| i.to_string()),
        GrantId::parse(s).map(|i| i.to_string()),
        ProviderId::parse(s).map(|i| i.to_string()),
    ]
}

const PREFIXES: [&str; 9] =
    ["user_", "zone_", "org_", "key_", "role_", "ra_", "sess_", "grant_", "idp_"];

#[test]
fn prefixed_ids_parse_only_their_own_kind_and_round_trip() {
    let text = prop_oneof![
        hostile_string(),
        (prop::sample::select(PREFIXES.to_vec()), "[0-9A-Za-z]{24,28}")
            .prop_map(|(p, u)| format!("{p}{u}")),
    ];
    let strategy = (text, any::<u128>(), 0usize..9, any::<bool>());
    run(
        "prefixed_ids_parse_only_their_own_kind_and_round_trip",
        strategy,
        |(s, n, kind, lower)| {
            for (i, parsed) in parse_all(&s).iter().enumerate() {
                if let Some(printed) = parsed {
                    // Accepted: it carries this kind's prefix and prints back to
                    // the same id, whatever the case of its ULID part.
                    prop_assert!(s.starts_with(PREFIXES[i]));
                    prop_assert_eq!(printed.to_ascii_lowercase(), s.to_ascii_lowercase());
                }
            }
            let ulid = Ulid(n).to_string();
            let ulid = if lower { ulid.to_ascii_lowercase() } else { ulid };
            let made = format!("{}{ulid}", PREFIXES[kind]);
            let parsed = parse_all(&made);
            for (i, p) in parsed.iter().enumerate() {
                // `user_` ids also start like no other prefix, so exactly the
                // own kind parses.
                prop_assert_eq!(p.is_some(), i == kind, "{} parsed as {}", made, PREFIXES[i]);
            }
            Ok(())
        },
    );
}

#[test]
fn timestamps_parse_or_refuse_and_round_trip_through_text() {
    let micros = -62_135_596_800_000_000i64..=253_402_300_799_999_999i64;
    run(
        "timestamps_parse_or_refuse_and_round_trip_through_text",
        (hostile_string(), micros),
        |(s, m)| {
            if let Some(t) = Timestamp::parse_rfc3339(&s) {
                // Anything accepted prints, and reads back as itself.
                prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
            }
            let t = Timestamp::from_micros(m).unwrap();
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
            let _ = t.plus_seconds(i64::MAX);
            let _ = t.plus_seconds(i64::MIN);
            Ok(())
        },
    );
}

#[test]
fn zone_role_scope_and_sort_references_never_panic() {
    run("zone_role_scope_and_sort_references_never_panic", hostile_string(), |s| {
        match ZoneRef::parse(&s) {
            ZoneRef::Id(id) => {
                prop_assert_eq!(id.to_string().to_ascii_lowercase(), s.to_ascii_lowercase())
            }
            ZoneRef::Identifier(i) => prop_assert_eq!(i, fold(&s)),
        }
        if check_zone_identifier("identifier", &s).is_ok() {
            // A slug is never taken for an id.
            prop_assert_eq!(ZoneRef::parse(&s), ZoneRef::Identifier(s.clone()));
        }
        match RoleRef::parse(&s) {
            RoleRef::Id(_) => prop_assert!(s.starts_with("role_")),
            RoleRef::Identifier(i) => prop_assert_eq!(i, s.clone()),
        }
        if let Some(scope) = Scope::parse(&s) {
            prop_assert_eq!(scope.as_str(), s.as_str());
        }
        if let Some(field) = SortField::parse(&s) {
            prop_assert_eq!(field.as_str(), s.as_str());
        }
        Ok(())
    });
}

fn user_with(email: String, name: String, identifier: String, attrs: Value) -> User {
    let mut u = User::blank(
        UserId::from_ulid(Ulid(1)),
        OrgId::from_ulid(Ulid(2)),
        ZoneId::from_ulid(Ulid(3)),
        Timestamp::from_micros(0).unwrap(),
        "key".into(),
    );
    u.email = email;
    u.name = name;
    u.identifier = identifier;
    if let Value::Object(map) = attrs {
        u.attributes = roster_domain::Attributes::from_map(&map);
    }
    u
}

#[test]
fn filters_search_and_fingerprints_never_panic() {
    let strategy = (
        (hostile_string(), hostile_string(), hostile_string()),
        json_value(),
        prop::collection::vec((hostile_string(), json_value()), 0..4),
        prop::collection::vec(hostile_string(), 0..3),
    );
    run(
        "filters_search_and_fingerprints_never_panic",
        strategy,
        |((e, n, i), attrs, filters, terms)| {
            let user = user_with(e.clone(), n, i, attrs);
            let filter = UserFilter {
                email: Some(fold(&e)),
                attributes: filters
                    .into_iter()
                    .map(|(key, value)| AttributeFilter { key, value })
                    .collect(),
                ..UserFilter::default()
            };
            let _ = filter.matches(&user);
            // A user is found by its whole email, as an exact match.
            prop_assert_eq!(search_rank(&user, &fold(&e)), Some(Rank::Exact));
            for t in &terms {
                let _ = search_rank(&user, &fold(t));
            }
            for (k, v) in &user.attributes.to_map() {
                prop_assert!(json_equal(v, v), "{k}");
            }
            let q = UserQuery {
                filter,
                search: terms,
                sort: Default::default(),
                ranked: false,
                window: roster_domain::Window::After { position: None, limit: 1 },
            };
            prop_assert_eq!(q.fingerprint(), q.clone().fingerprint());
            Ok(())
        },
    );
}

#[test]
fn merge_patch_is_idempotent() {
    run("merge_patch_is_idempotent", (json_value(), json_value()), |(target, patch)| {
        let mut once = target.clone();
        merge_patch(&mut once, &patch);
        let mut twice = once.clone();
        merge_patch(&mut twice, &patch);
        prop_assert_eq!(once, twice);
        Ok(())
    });
}
