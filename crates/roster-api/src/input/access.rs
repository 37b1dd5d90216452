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
        $(#[$create_meta])*
        #[derive(Debug, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $create {
            $(
                #[serde(default)]
                #[schema($($create_schema)*)]
                pub $field: $ty,
            )*
        }

        $(#[$update_meta])*
        #[derive(Debug, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $update {
            $(
                #[serde(default)]
                #[schema($($update_schema)*)]
                pub $field: $ty,
            )*
        }

        request_body!($create [$(stringify!($field)),*]);
        request_body!($update [$(stringify!($field)),*]);

        impl From<$create> for $fields {
            fn from(b: $create) -> Self {
                $fields { $($field: b.$field.into_option()),* }
            }
        }

        impl From<$update> for $fields {
            fn from(b: $update) -> Self {
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
