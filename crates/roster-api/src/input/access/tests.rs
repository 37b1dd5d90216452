//! Each single fault of an access body, in the words it has always had.

use serde_json::{Value, json};

use roster_domain::access::{
    AssignmentRequest, GrantRequest, Provider, Role, SessionRequest, SignInRequest,
};
use roster_domain::ids::Ulid;
use roster_domain::{ProviderId, RoleId, Timestamp, ValidationError};
use roster_service::ServiceError;

use super::{
    CreateGrant, CreateProvider, CreateRole, CreateRoleAssignment, CreateSession, CreateSignIn,
};
use crate::input::{RequestBody, typed};
use crate::problem::ApiError;

fn now() -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000).unwrap()
}

/// What a client hears about `body`, `(param, detail)`, once the edge
/// and then the domain's `rule` have read it; `None` when it is taken.
fn heard<T: RequestBody + Into<F>, F, R>(
    body: Value,
    rule: impl FnOnce(F) -> Result<R, ValidationError>,
) -> Heard {
    let error = match typed::<T>(body) {
        Ok(b) => ApiError::from(ServiceError::from(rule(b.into()).err()?)),
        Err(e) => e,
    };
    let problem = error.problem();
    Some((problem.param.unwrap_or_default(), problem.detail))
}

/// `(param, detail)` of a refusal; `None` when the body is taken.
type Heard = Option<(String, String)>;

fn said(param: &str, words: &str) -> Heard {
    Some((param.to_owned(), format!("{param} {words}")))
}

fn role(body: Value) -> Heard {
    heard::<CreateRole, _, _>(body, |f| Role::create(RoleId::from_ulid(Ulid(1)), now(), f))
}

fn provider(body: Value) -> Heard {
    let id = ProviderId::from_ulid(Ulid(1));
    heard::<CreateProvider, _, _>(body, |f| Provider::create(id, now(), f))
}

fn assignment(body: Value) -> Heard {
    heard::<CreateRoleAssignment, _, _>(body, AssignmentRequest::new)
}

fn session(body: Value) -> Heard {
    heard::<CreateSession, _, _>(body, |f| SessionRequest::new(f, now()))
}

fn grant(body: Value) -> Heard {
    heard::<CreateGrant, _, _>(body, |f| GrantRequest::new(f, now()))
}

fn sign_in(body: Value) -> Heard {
    heard::<CreateSignIn, _, _>(body, |f| SignInRequest::new(f, now()))
}

/// A body with one fault hears of it in the words the service's JSON
/// reading always used.
#[test]
fn a_single_fault_is_told_in_the_words_it_always_was() {
    let role_id = "role_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let by = |scope: Value| json!({"role_identifier": "admin", "scope": scope});
    let granted = |scopes: Value| json!({"client_id": "c", "resource": "r", "scopes": scopes});
    let cases: Vec<(Heard, Heard)> = vec![
        (role(json!([1])), said("body", "must be a JSON object")),
        (role(json!({"colour": 1})), said("colour", "is not a known field")),
        (role(json!({})), said("identifier", "is required")),
        (role(json!({"identifier": null})), said("identifier", "cannot be null")),
        (role(json!({"identifier": 5})), said("identifier", "must be a string")),
        (role(json!({"identifier": " "})), said("identifier", "must not be empty")),
        (
            role(json!({"identifier": "a", "description": 5})),
            said("description", "must be a string or null"),
        ),
        (role(json!({"identifier": "a", "description": null})), None),
        (provider(json!({"identifier": "okta"})), said("issuer", "is required")),
        (
            provider(json!({"identifier": "o", "issuer": "i", "user_identifier_claim": ""})),
            said("user_identifier_claim", "must not be empty"),
        ),
        (assignment(json!({})), said("role_id", "role_id or role_identifier is required")),
        (
            assignment(json!({"role_id": role_id, "role_identifier": "admin"})),
            said("role_id", "give role_id or role_identifier, not both"),
        ),
        (assignment(json!({"role_id": "admin"})), said("role_id", "is not a role id")),
        (assignment(by(json!(5))), said("scope", "must be an object or null")),
        (assignment(by(json!([]))), said("scope", "must be an object or null")),
        (assignment(by(json!({}))), said("scope.type", "must be a string")),
        (assignment(by(json!({"type": "zone"}))), said("scope.id", "must be a string")),
        (assignment(by(json!({"type": null, "id": "x"}))), said("scope.type", "must be a string")),
        (
            assignment(by(json!({"type": "zone", "id": "x", "colour": 1}))),
            said("scope.colour", "is not a known field"),
        ),
        (assignment(by(json!({"type": "zone", "id": " "}))), said("scope.id", "must not be empty")),
        (assignment(by(json!(null))), None),
        (session(json!({"provider_id": "okta"})), said("provider_id", "is not a provider id")),
        (session(json!({"provider_id": 5})), said("provider_id", "must be a string or null")),
        (session(json!({"provider_id": null, "expires_at": null})), None),
        (session(json!({"expires_at": 5})), said("expires_at", "must be an RFC 3339 date-time")),
        (
            session(json!({"expires_at": "yesterday"})),
            said("expires_at", "must be an RFC 3339 date-time"),
        ),
        (
            session(json!({"expires_at": "2001-01-01T00:00:00Z"})),
            said("expires_at", "must be in the future"),
        ),
        (grant(json!({"resource": "r", "scopes": ["a"]})), said("client_id", "is required")),
        (grant(json!({"client_id": "c", "resource": "r"})), said("scopes", "is required")),
        (grant(granted(json!(null))), said("scopes", "is required")),
        (grant(granted(json!([]))), said("scopes", "must hold at least one scope")),
        (grant(granted(json!(vec!["a"; 101]))), said("scopes", "at most 100 scopes")),
        (grant(granted(json!(vec!["a"; 100]))), None),
        (grant(granted(json!("read"))), said("scopes", "must be an array of strings")),
        (grant(granted(json!({}))), said("scopes", "must be an array of strings")),
        (grant(granted(json!(["read", 5]))), said("scopes[1]", "must be a string")),
        (grant(granted(json!(["read", null]))), said("scopes[1]", "must be a string")),
        (grant(granted(json!([""]))), said("scopes[0]", "must not be empty")),
        (sign_in(json!({"claims": {}})), said("subject", "is required")),
        (sign_in(json!({"subject": "s", "claims": 5})), said("claims", "must be an object")),
        (sign_in(json!({"subject": "s", "claims": null})), None),
        (sign_in(json!("s")), said("body", "must be a JSON object")),
    ];
    for (i, (got, want)) in cases.into_iter().enumerate() {
        assert_eq!(got, want, "case {i}");
    }
}
