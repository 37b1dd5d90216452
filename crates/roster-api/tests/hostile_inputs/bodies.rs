//! Bodies through the typed edge: whatever JSON arrives, it becomes a
//! value that obeys the domain's rules, or a 400 problem whose `param`
//! names a field the client sent (or a path inside one: `scope.id`,
//! `scopes[0]`), the one it forgot, or the body itself.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value};

use roster_api::input::access::{
    CreateGrant, CreateProvider, CreateRole, CreateRoleAssignment, CreateSession, CreateSignIn,
    UpdateProvider, UpdateRole,
};
use roster_api::input::users::{CreateUser, UpdateUser};
use roster_api::input::{RequestBody, typed};
use roster_domain::access::{
    AssignmentRequest, GrantRequest, Provider, Role, SessionRequest, SignInRequest,
};
use roster_domain::ids::Ulid;
use roster_domain::text::{check_email, check_identifier};
use roster_domain::user::{READ_ONLY_FIELDS, WRITABLE_FIELDS};
use roster_domain::{
    OrgId, ProviderId, RoleId, Timestamp, User, UserFields, UserId, ValidationError, ZoneId,
};

use crate::assert_problem;
use crate::generate::{body, body_object, run};

fn now() -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000).unwrap()
}

fn blank_user() -> User {
    User::blank(
        UserId::from_ulid(Ulid(1)),
        OrgId::from_ulid(Ulid(2)),
        ZoneId::from_ulid(Ulid(3)),
        now(),
        "key_test".into(),
    )
}

/// Every field a user body may mention, read-only ones included (they must
/// be refused by name).
fn user_fields() -> &'static [&'static str] {
    static FIELDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| WRITABLE_FIELDS.iter().chain(READ_ONLY_FIELDS).copied().collect())
}

/// The error names a key of the body or a path inside one (`scope.id`,
/// `scopes[0]`), one of `required`, or, for a body that is no object, the
/// body; and it comes with words.
fn names_the_body(
    e: &ValidationError,
    body: &Value,
    required: &[&str],
) -> Result<(), TestCaseError> {
    let param = e.param.as_str();
    let top = param.split(['.', '[']).next().unwrap_or(param);
    let named = match body {
        Value::Object(o) => o.contains_key(param) || o.contains_key(top),
        _ => param == "body",
    };
    prop_assert!(named || required.contains(&param), "error {e:?} names nothing of {body}");
    prop_assert!(!e.detail.is_empty());
    Ok(())
}

/// The typed body as the domain's fields, or the field its problem names.
fn parse<T: RequestBody + Into<F>, F>(
    body: &Value,
) -> Result<Result<F, ValidationError>, TestCaseError> {
    match typed::<T>(body.clone()) {
        Ok(b) => Ok(Ok(b.into())),
        Err(e) => {
            let problem = assert_problem(&e, &[400])?;
            let param = problem["param"].as_str().unwrap_or_default().to_owned();
            let detail = problem["detail"].as_str().unwrap_or_default().to_owned();
            Ok(Err(ValidationError { param, detail }))
        }
    }
}

#[test]
fn user_bodies_create_or_name_a_field_of_the_body() {
    run("user_bodies_create_or_name_a_field_of_the_body", body_object(user_fields()), |b| {
        let b = Value::Object(b);
        match parse::<CreateUser, UserFields>(&b)?.and_then(|f| User::create(blank_user(), f)) {
            Ok((user, _)) => {
                prop_assert!(check_email("email", &user.email, 254).is_ok());
                prop_assert!(check_identifier("identifier", &user.identifier, 255).is_ok());
                prop_assert!(!user.name.contains('\0'));
            }
            Err(e) => names_the_body(&e, &b, &["email"])?,
        }
        Ok(())
    });
}

#[test]
fn user_patches_apply_or_name_a_field_of_the_patch() {
    let strategy = (body_object(user_fields()), body_object(user_fields()));
    run("user_patches_apply_or_name_a_field_of_the_patch", strategy, |(a, b)| {
        let mut base = Map::new();
        base.insert("email".into(), Value::String("jane@example.com".into()));
        let fields = parse::<CreateUser, UserFields>(&Value::Object(base))?.unwrap();
        let (mut user, _) = User::create(blank_user(), fields).unwrap();
        for patch in [a, b] {
            let before = user.clone();
            let sent = Value::Object(patch.clone());
            match parse::<UpdateUser, UserFields>(&sent)?.and_then(|fields| user.patch(fields)) {
                Ok(changes) => {
                    // What is reported as changed is among what was sent.
                    for f in &changes.fields {
                        prop_assert!(patch.contains_key(*f));
                    }
                    prop_assert!(check_email("email", &user.email, 254).is_ok());
                }
                Err(e) => {
                    names_the_body(&e, &sent, &[])?;
                    // A refused patch may have touched the working copy;
                    // the service discards it, and so do we.
                    user = before;
                }
            }
        }
        Ok(())
    });
}

#[test]
fn role_and_provider_bodies_apply_or_name_their_field() {
    const ROLE: &[&str] = &["identifier", "name", "description"];
    const PROVIDER: &[&str] = &["identifier", "issuer", "user_identifier_claim"];
    let strategy = (body(ROLE), body(PROVIDER), any::<bool>());
    run("role_and_provider_bodies_apply_or_name_their_field", strategy, |(r, p, creating)| {
        let role = if creating {
            let id = RoleId::from_ulid(Ulid(1));
            parse::<CreateRole, _>(&r)?.and_then(|f| Role::create(id, now(), f))
        } else {
            parse::<UpdateRole, _>(&r)?.map(|f| {
                let mut role = Role::create(RoleId::from_ulid(Ulid(1)), now(), admin()).unwrap();
                role.patch(f);
                role
            })
        };
        match role {
            Ok(role) => prop_assert!(check_identifier("identifier", &role.identifier, 255).is_ok()),
            Err(e) => names_the_body(&e, &r, &["identifier"])?,
        }
        let id = ProviderId::from_ulid(Ulid(1));
        let provider = if creating {
            parse::<CreateProvider, _>(&p)?.and_then(|f| Provider::create(id, now(), f))
        } else {
            parse::<UpdateProvider, _>(&p)?.map(|f| {
                let mut provider = Provider::create(id, now(), okta()).unwrap();
                provider.patch(f);
                provider
            })
        };
        match provider {
            Ok(provider) => {
                prop_assert!(check_identifier("identifier", &provider.identifier, 255).is_ok());
                prop_assert!(check_identifier("issuer", &provider.issuer, 1024).is_ok());
            }
            Err(e) => names_the_body(&e, &p, &["identifier", "issuer"])?,
        }
        Ok(())
    });
}

fn admin() -> roster_domain::access::RoleFields {
    let fields = serde_json::json!({"identifier": "admin"});
    typed::<CreateRole>(fields).unwrap().into()
}

fn okta() -> roster_domain::access::ProviderFields {
    let fields = serde_json::json!({"identifier": "okta", "issuer": "https://okta"});
    typed::<CreateProvider>(fields).unwrap().into()
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
            match parse::<CreateRoleAssignment, _>(&a)?.and_then(AssignmentRequest::new) {
                Ok(req) => {
                    if let Some(scope) = req.scope {
                        prop_assert!(check_identifier("t", &scope.kind, 255).is_ok());
                        prop_assert!(check_identifier("i", &scope.id, 255).is_ok());
                    }
                }
                Err(e) => names_the_body(&e, &a, &["role_id"])?,
            }
            match parse::<CreateSession, _>(&s)?.and_then(|f| SessionRequest::new(f, now())) {
                Ok(req) => prop_assert!(req.expires_at.is_none_or(|t| t > now())),
                Err(e) => names_the_body(&e, &s, &[])?,
            }
            match parse::<CreateGrant, _>(&g)?.and_then(|f| GrantRequest::new(f, now())) {
                Ok(req) => {
                    prop_assert!(!req.scopes.is_empty() && req.scopes.len() <= 100);
                    prop_assert!(req.expires_at.is_none_or(|t| t > now()));
                }
                Err(e) => names_the_body(&e, &g, &["client_id", "resource", "scopes"])?,
            }
            match parse::<CreateSignIn, _>(&i)?.and_then(|f| SignInRequest::new(f, now())) {
                Ok(req) => prop_assert!(check_identifier("s", &req.subject, 1024).is_ok()),
                Err(e) => names_the_body(&e, &i, &["subject"])?,
            }
            Ok(())
        },
    );
}
