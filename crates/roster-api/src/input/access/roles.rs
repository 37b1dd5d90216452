//! Bodies of `…/roles` and `…/users/{id}/role-assignments`.

use serde::Deserialize;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::RoleId;
use roster_domain::access::{
    AssignmentFields, RoleDescription, RoleFields, RoleIdentifier, RoleName, ScopeFields,
    ShortIdent,
};
use roster_domain::user::ExternalId;

use crate::input::field::{
    Field, Nested, NestedObject, NullIsWrongType, Nullable, described, example, schema,
};

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
        external_id: Nullable<ExternalId> =
            [schema_with = schema::<Nullable<ExternalId>>]
            [schema_with = schema::<Nullable<ExternalId>>],
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

/// Descriptions and examples (`schema_with` drops doc comments).
mod docs {
    use super::*;

    pub fn role_identifier() -> RefOr<Schema> {
        example(described::<Field<RoleIdentifier>>("Opaque, unique in the zone."), "admin")
    }

    pub fn role_name() -> RefOr<Schema> {
        described::<Field<RoleName>>("Defaults to the identifier.")
    }

    pub fn scope_type() -> RefOr<Schema> {
        example(schema::<ScopeHalf>(), "zone")
    }
}
