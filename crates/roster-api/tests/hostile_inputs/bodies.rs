//! User bodies through the typed edge: whatever JSON object arrives, it
//! becomes a user that obeys the rules, or a 400 problem whose `param`
//! names a field the client sent (or the one it forgot).

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value};

use roster_api::input::typed;
use roster_api::input::users::{CreateUser, UpdateUser};
use roster_domain::ids::Ulid;
use roster_domain::text::{check_email, check_identifier};
use roster_domain::user::{READ_ONLY_FIELDS, WRITABLE_FIELDS};
use roster_domain::{OrgId, Timestamp, User, UserFields, UserId, ValidationError, ZoneId};

use crate::assert_problem;
use crate::generate::{body_object, run};

fn blank_user() -> User {
    User::blank(
        UserId::from_ulid(Ulid(1)),
        OrgId::from_ulid(Ulid(2)),
        ZoneId::from_ulid(Ulid(3)),
        Timestamp::from_micros(1_700_000_000_000_000).unwrap(),
        "key_test".into(),
    )
}

/// Every field a user body may mention, read-only ones included (they must
/// be refused by name).
fn user_fields() -> &'static [&'static str] {
    static FIELDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| WRITABLE_FIELDS.iter().chain(READ_ONLY_FIELDS).copied().collect())
}

/// `param` is a key of the body or one of `required`, and comes with words.
fn names_the_body(
    param: &str,
    detail: &str,
    body: &Map<String, Value>,
    required: &[&str],
) -> Result<(), TestCaseError> {
    prop_assert!(
        body.contains_key(param) || required.contains(&param),
        "error {param:?} ({detail}) names nothing of {body:?}"
    );
    prop_assert!(!detail.is_empty());
    Ok(())
}

/// The typed body, or the field its problem names.
fn parse<T: roster_api::input::RequestBody + Into<UserFields>>(
    body: &Map<String, Value>,
) -> Result<Result<UserFields, ValidationError>, TestCaseError> {
    match typed::<T>(Value::Object(body.clone())) {
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
        match parse::<CreateUser>(&b)?.and_then(|fields| User::create(blank_user(), fields)) {
            Ok((user, _)) => {
                prop_assert!(check_email("email", &user.email, 254).is_ok());
                prop_assert!(check_identifier("identifier", &user.identifier, 255).is_ok());
                prop_assert!(!user.name.contains('\0'));
            }
            Err(e) => names_the_body(&e.param, &e.detail, &b, &["email"])?,
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
        let fields = parse::<CreateUser>(&base)?.unwrap();
        let (mut user, _) = User::create(blank_user(), fields).unwrap();
        for patch in [&a, &b] {
            let before = user.clone();
            match parse::<UpdateUser>(patch)?.and_then(|fields| user.patch(fields)) {
                Ok(changes) => {
                    // What is reported as changed is among what was sent.
                    for f in &changes.fields {
                        prop_assert!(patch.contains_key(*f));
                    }
                    prop_assert!(check_email("email", &user.email, 254).is_ok());
                }
                Err(e) => {
                    names_the_body(&e.param, &e.detail, patch, &[])?;
                    // A refused patch may have touched the working copy;
                    // the service discards it, and so do we.
                    user = before;
                }
            }
        }
        Ok(())
    });
}
