//! Request bodies: whatever JSON arrives, each body parser either accepts
//! it (and what it accepted obeys the rules) or answers a `ValidationError`
//! naming a field the client sent, or the one it forgot. (User bodies are
//! typed at the edge; `roster-api`'s hostile inputs hold their properties.)

use proptest::prelude::*;
use serde_json::Value;

use roster_domain::access::{
    Provider, Role, parse_assignment, parse_grant, parse_session, parse_sign_in,
};
use roster_domain::ids::Ulid;
use roster_domain::text::check_identifier;
use roster_domain::{ProviderId, RoleId, Timestamp, ValidationError};

use crate::generate::{body, run};

fn now() -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000).unwrap()
}

/// The error names a top-level key of the body, a path inside one
/// (`scope.id`, `scopes[0]`), the body itself, or one of `required`.
fn names_the_body(
    e: &ValidationError,
    body: &Value,
    required: &[&str],
) -> Result<(), TestCaseError> {
    let param = e.param.as_str();
    let top = param.split(['.', '[']).next().unwrap_or(param);
    let in_body = body.as_object().is_some_and(|o| o.contains_key(param) || o.contains_key(top));
    prop_assert!(
        in_body || param == "body" || required.contains(&param),
        "error {e:?} names nothing of {body}"
    );
    prop_assert!(!e.detail.is_empty());
    Ok(())
}

#[test]
fn role_and_provider_bodies_apply_or_name_their_field() {
    const ROLE: &[&str] = &["identifier", "name", "description"];
    const PROVIDER: &[&str] = &["identifier", "issuer", "user_identifier_claim"];
    let strategy = (body(ROLE), body(PROVIDER), any::<bool>());
    run("role_and_provider_bodies_apply_or_name_their_field", strategy, |(r, p, creating)| {
        let mut role = Role {
            id: RoleId::from_ulid(Ulid(1)),
            identifier: if creating { String::new() } else { "admin".into() },
            name: String::new(),
            description: None,
            created_at: now(),
            updated_at: now(),
        };
        match role.apply(&r, creating) {
            Ok(_) => prop_assert!(check_identifier("identifier", &role.identifier, 255).is_ok()),
            Err(e) => names_the_body(&e, &r, &["identifier"])?,
        }
        let mut provider = Provider {
            id: ProviderId::from_ulid(Ulid(1)),
            identifier: if creating { String::new() } else { "okta".into() },
            issuer: if creating { String::new() } else { "https://okta".into() },
            user_identifier_claim: None,
            created_at: now(),
            updated_at: now(),
        };
        match provider.apply(&p, creating) {
            Ok(_) => {
                prop_assert!(check_identifier("identifier", &provider.identifier, 255).is_ok());
                prop_assert!(check_identifier("issuer", &provider.issuer, 1024).is_ok());
            }
            Err(e) => names_the_body(&e, &p, &["identifier", "issuer"])?,
        }
        Ok(())
    });
}

#[test]
fn assignment_session_grant_and_sign_in_bodies_parse_or_name_their_field() {
    const ASSIGNMENT: &[&str] = &["role_id", "role_identifier", "scope"];
    const SESSION: &[&str] = &["provider_id", "expires_at"];
    const GRANT: &[&str] = &["client_id", "resource", "scopes", "expires_at"];
    const SIGN_IN: &[&str] = &["subject", "claims", "expires_at"];
    let strategy = (body(ASSIGNMENT), body(SESSION), body(GRANT), body(SIGN_IN));
    run(
        "assignment_session_grant_and_sign_in_bodies_parse_or_name_their_field",
        strategy,
        |(a, s, g, i)| {
            match parse_assignment(&a) {
                Ok(req) => {
                    if let Some(scope) = req.scope {
                        prop_assert!(check_identifier("t", &scope.kind, 255).is_ok());
                        prop_assert!(check_identifier("i", &scope.id, 255).is_ok());
                    }
                }
                Err(e) => names_the_body(&e, &a, &["role_id"])?,
            }
            match parse_session(&s, now()) {
                Ok(req) => prop_assert!(req.expires_at.is_none_or(|t| t > now())),
                Err(e) => names_the_body(&e, &s, &[])?,
            }
            match parse_grant(&g, now()) {
                Ok(req) => {
                    prop_assert!(!req.scopes.is_empty() && req.scopes.len() <= 100);
                    prop_assert!(req.expires_at.is_none_or(|t| t > now()));
                }
                Err(e) => names_the_body(&e, &g, &["client_id", "resource", "scopes"])?,
            }
            match parse_sign_in(&i, now()) {
                Ok(req) => prop_assert!(check_identifier("s", &req.subject, 1024).is_ok()),
                Err(e) => names_the_body(&e, &i, &["subject"])?,
            }
            Ok(())
        },
    );
}
