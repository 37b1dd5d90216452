//! Bodies of roles, role assignments, sessions, grants, providers and
//! sign-ins.
//!
//! What needs more than one field or the clock (one of `role_id` and
//! `role_identifier`, required fields, how many scopes, an expiry in the
//! future) is the domain's: these bodies hold each field to its own rule.

use serde::Deserialize;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::access::{
    AssignmentFields, ForeignIdent, GrantFields, GrantRequest, GrantScope, Issuer, ProviderFields,
    ProviderIdentifier, RoleDescription, RoleFields, RoleIdentifier, RoleName, ScopeFields,
    SessionFields, ShortIdent, SignInFields,
};
use roster_domain::{RoleId, Timestamp};

use super::RequestBody;
use super::field::{
    Field, List, Nested, NestedObject, NullIsWrongType, NullUnsaid, Nullable, Object,
    SessionProvider, schema,
};

const NOT_AN_OBJECT: (Option<&str>, &str) = (Some("body"), "body must be a JSON object");

macro_rules! request_body {
    ($name:ident [$($field:expr),*]) => {
        impl RequestBody for $name {
            const FIELDS: &'static [&'static str] = &[$($field),*];
            const NOT_AN_OBJECT: (Option<&'static str>, &'static str) = NOT_AN_OBJECT;
        }
    };
}

/// A create body and its merge patch: the same fields into the same
/// domain `…Fields`, documented apart (what a create requires and
/// defaults).
macro_rules! create_and_update {
    (
        $(#[$create_meta:meta])* $create:ident,
        $(#[$update_meta:meta])* $update:ident,
        into $fields:ident {
            $($field:ident: $ty:ty = [$($create_schema:tt)*] [$($update_schema:tt)*]),* $(,)?
        }
    ) => {
        create_and_update!(@one $(#[$create_meta])* $create into $fields {
            $($field: $ty = [$($create_schema)*]),*
        });
        create_and_update!(@one $(#[$update_meta])* $update into $fields {
            $($field: $ty = [$($update_schema)*]),*
        });
    };
    (@one $(#[$meta:meta])* $name:ident into $fields:ident {
        $($field:ident: $ty:ty = [$($schema:tt)*]),*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                #[serde(default)]
                #[schema($($schema)*)]
                pub $field: $ty,
            )*
        }

        request_body!($name [$(stringify!($field)),*]);

        impl From<$name> for $fields {
            fn from(b: $name) -> Self {
                $fields { $($field: b.$field.into_option()),* }
            }
        }
    };
}

create_and_update! {
    /// Body of `POST …/roles`.
    CreateRole,
    /// Body of `PATCH …/roles/{role}`.
    UpdateRole,
    into RoleFields {
        identifier: Field<RoleIdentifier> =
            [schema_with = docs::role_identifier, required = true]
            [schema_with = schema::<Field<RoleIdentifier>>],
        name: Field<RoleName> =
            [schema_with = docs::role_name]
            [schema_with = schema::<Field<RoleName>>],
        description: Nullable<RoleDescription> =
            [schema_with = schema::<Nullable<RoleDescription>>]
            [schema_with = schema::<Nullable<RoleDescription>>],
    }
}

create_and_update! {
    /// Body of `POST …/providers`.
    CreateProvider,
    /// Body of `PATCH …/providers/{idp}`.
    UpdateProvider,
    into ProviderFields {
        identifier: Field<ProviderIdentifier> =
            [schema_with = docs::provider_identifier, required = true]
            [schema_with = schema::<Field<ProviderIdentifier>>],
        issuer: Field<Issuer> =
            [schema_with = docs::issuer, required = true]
            [schema_with = schema::<Field<Issuer>>],
        user_identifier_claim: Nullable<ShortIdent> =
            [schema_with = docs::user_identifier_claim]
            [schema_with = schema::<Nullable<ShortIdent>>],
    }
}

/// Body of `POST …/role-assignments`: the role by `role_id` or by
/// `role_identifier` (exactly one), optionally scoped.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleAssignment {
    #[serde(default)]
    pub role_id: Field<RoleId>,
    #[serde(default)]
    pub role_identifier: Field<RoleIdentifier>,
    #[serde(default)]
    pub scope: Nested<AssignmentScope>,
}

request_body!(CreateRoleAssignment["role_id", "role_identifier", "scope"]);

/// Null is refused as the wrong type: a scope's halves have always said
/// `must be a string`, null or missing alike.
type ScopeHalf = Field<NullIsWrongType<ShortIdent>>;

// What an assignment is limited to. Its schema keeps the name the
// document has always given it; no doc comment, which would add a
// description to it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AssignmentScopeDoc)]
pub struct AssignmentScope {
    #[serde(rename = "type", default)]
    #[schema(schema_with = docs::scope_type, required = true)]
    pub kind: ScopeHalf,
    #[serde(default)]
    #[schema(schema_with = schema::<ScopeHalf>, required = true)]
    pub id: ScopeHalf,
}

impl NestedObject for AssignmentScope {
    const FIELDS: &'static [&'static str] = &["type", "id"];
}

impl From<CreateRoleAssignment> for AssignmentFields {
    fn from(b: CreateRoleAssignment) -> Self {
        let half = |h: ScopeHalf| h.into_option().map(|v| v.0);
        AssignmentFields {
            role_id: b.role_id.into_option(),
            role_identifier: b.role_identifier.into_option(),
            scope: b
                .scope
                .into_option()
                .map(|s| ScopeFields { kind: half(s.kind), id: half(s.id) }),
        }
    }
}

// The exclusive choice of `role_id` and `role_identifier` is a `oneOf` of
// two objects, which a derive cannot state: each is built from the body's
// own field schemas, so the two cannot drift apart.
impl PartialSchema for CreateRoleAssignment {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Ref::from_schema_name(ASSIGN_BY_ID))
            .item(Ref::from_schema_name(ASSIGN_BY_IDENTIFIER))
            .description(Some(
                "Body of `POST …/role-assignments`: the role by `role_id` or by\n\
                 `role_identifier` (exactly one), optionally scoped.",
            ))
            .into()
    }
}

impl ToSchema for CreateRoleAssignment {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        let by = |field: &str, role: RefOr<Schema>| -> RefOr<Schema> {
            ObjectBuilder::new()
                .property(field, role)
                .required(field)
                .property("scope", Nested::<AssignmentScope>::schema())
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                .into()
        };
        schemas.push((ASSIGN_BY_ID.into(), by("role_id", schema::<Field<RoleId>>())));
        let by_identifier = by("role_identifier", schema::<Field<RoleIdentifier>>());
        schemas.push((ASSIGN_BY_IDENTIFIER.into(), by_identifier));
        <Nested<AssignmentScope> as ToSchema>::schemas(schemas);
    }
}

const ASSIGN_BY_ID: &str = "AssignRoleById";
const ASSIGN_BY_IDENTIFIER: &str = "AssignRoleByIdentifier";

/// An expiry: null is none, and a wrong type is told `must be an RFC 3339
/// date-time`, as it always was.
type Expiry = Nullable<NullUnsaid<Timestamp>>;

fn expiry(at: Expiry) -> Option<Timestamp> {
    at.into_option().flatten().map(|t| t.0)
}

/// Body of `POST …/sessions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    #[serde(default)]
    #[schema(schema_with = schema::<Nullable<SessionProvider>>)]
    pub provider_id: Nullable<SessionProvider>,
    #[serde(default)]
    #[schema(schema_with = docs::expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateSession["provider_id", "expires_at"]);

impl From<CreateSession> for SessionFields {
    fn from(b: CreateSession) -> Self {
        SessionFields {
            provider_id: b.provider_id.into_option().flatten().map(|p| p.0),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Body of `POST …/grants`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    #[serde(default)]
    #[schema(schema_with = schema::<Field<ForeignIdent>>, required = true)]
    pub client_id: Field<ForeignIdent>,
    #[serde(default)]
    #[schema(schema_with = schema::<Field<ForeignIdent>>, required = true)]
    pub resource: Field<ForeignIdent>,
    // Null is as absent: both are told `scopes is required`.
    #[serde(default)]
    #[schema(schema_with = docs::scopes, required = true)]
    pub scopes: Option<List<GrantScope>>,
    #[serde(default)]
    #[schema(schema_with = docs::expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateGrant["client_id", "resource", "scopes", "expires_at"]);

impl From<CreateGrant> for GrantFields {
    fn from(b: CreateGrant) -> Self {
        GrantFields {
            client_id: b.client_id.into_option(),
            resource: b.resource.into_option(),
            scopes: b.scopes.map(|s| s.0),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Body of `POST …/providers/{idp}/sign-ins`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignIn {
    #[serde(default)]
    #[schema(schema_with = docs::subject, required = true)]
    pub subject: Field<ForeignIdent>,
    #[serde(default)]
    #[schema(schema_with = docs::claims)]
    pub claims: Nullable<Object>,
    #[serde(default)]
    #[schema(schema_with = docs::session_expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateSignIn["subject", "claims", "expires_at"]);

impl From<CreateSignIn> for SignInFields {
    fn from(b: CreateSignIn) -> Self {
        SignInFields {
            subject: b.subject.into_option(),
            claims: b.claims.into_option().flatten().map(|c| c.0).unwrap_or_default(),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Descriptions and examples (`schema_with` drops doc comments).
mod docs {
    use utoipa::openapi::{RefOr, Schema};

    use super::super::field::{Field, Nullable, Object, array, described, example, schema};
    use super::{
        Expiry, ForeignIdent, GrantRequest, GrantScope, Issuer, ProviderIdentifier, RoleIdentifier,
        RoleName, ScopeHalf, ShortIdent,
    };

    pub fn role_identifier() -> RefOr<Schema> {
        example(described::<Field<RoleIdentifier>>("Opaque, unique in the zone."), "admin")
    }

    pub fn role_name() -> RefOr<Schema> {
        described::<Field<RoleName>>("Defaults to the identifier.")
    }

    pub fn provider_identifier() -> RefOr<Schema> {
        example(schema::<Field<ProviderIdentifier>>(), "okta")
    }

    pub fn issuer() -> RefOr<Schema> {
        example(schema::<Field<Issuer>>(), "https://example.okta.com")
    }

    pub fn user_identifier_claim() -> RefOr<Schema> {
        described::<Nullable<ShortIdent>>("A claim whose value becomes a new user's `identifier`.")
    }

    pub fn scope_type() -> RefOr<Schema> {
        example(schema::<ScopeHalf>(), "zone")
    }

    pub fn scopes() -> RefOr<Schema> {
        let one = described::<Field<GrantScope>>("One scope of a grant.");
        array(one, 1, GrantRequest::MAX_SCOPES)
    }

    pub fn expires_at() -> RefOr<Schema> {
        described::<Expiry>("Must be in the future.")
    }

    pub fn session_expires_at() -> RefOr<Schema> {
        described::<Expiry>("When the recorded session expires; must be in the future.")
    }

    pub fn subject() -> RefOr<Schema> {
        described::<Field<ForeignIdent>>("The subject the provider vouches for.")
    }

    pub fn claims() -> RefOr<Schema> {
        described::<Nullable<Object>>(
            "Claims of the ID token: `email` (needed to create a user),\n\
             `email_verified`, `given_name`, `family_name`, `name`, and the\n\
             provider's `user_identifier_claim`.",
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use roster_domain::access::{AssignmentRequest, Provider, Role, SessionRequest, SignInRequest};
    use roster_domain::ids::Ulid;
    use roster_domain::{ProviderId, ValidationError};
    use roster_service::ServiceError;

    use super::*;
    use crate::input::typed;
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
            (
                assignment(by(json!({"type": null, "id": "x"}))),
                said("scope.type", "must be a string"),
            ),
            (
                assignment(by(json!({"type": "zone", "id": "x", "colour": 1}))),
                said("scope.colour", "is not a known field"),
            ),
            (
                assignment(by(json!({"type": "zone", "id": " "}))),
                said("scope.id", "must not be empty"),
            ),
            (assignment(by(json!(null))), None),
            (session(json!({"provider_id": "okta"})), said("provider_id", "is not a provider id")),
            (session(json!({"provider_id": 5})), said("provider_id", "must be a string or null")),
            (session(json!({"provider_id": null, "expires_at": null})), None),
            (
                session(json!({"expires_at": 5})),
                said("expires_at", "must be an RFC 3339 date-time"),
            ),
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
}
