//! Request bodies, for the OpenAPI document only: bodies are parsed by the
//! domain's field rules, and these types state those same rules so that a
//! client (or schemathesis) can tell a valid body from an invalid one
//! without asking the server. Each pattern and length below mirrors a check
//! in `roster-domain` (`text.rs`: identifiers and free text; `tenancy.rs`:
//! zone slugs); the conformance suite holds the two together.
//!
//! A field the server refuses `null` for is a plain type with
//! `required = false` (optional, never null); `Option` means "null allowed".

#![allow(dead_code)]

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

// The patterns: `check_identifier` (not blank, no control characters,
// Unicode `Cc`) and `check_text` (anything but NUL).

/// A permission an API key carries.
#[derive(Serialize, ToSchema)]
pub enum ScopeName {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "users:metadata")]
    UsersMetadata,
    #[serde(rename = "roles:read")]
    RolesRead,
    #[serde(rename = "roles:write")]
    RolesWrite,
    #[serde(rename = "zones:read")]
    ZonesRead,
    #[serde(rename = "zones:write")]
    ZonesWrite,
    #[serde(rename = "keys:write")]
    KeysWrite,
    #[serde(rename = "admin")]
    Admin,
}

/// Body of `POST /v1/api-keys`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    #[schema(
        example = "ci",
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    name: String,
    #[schema(example = json!(["users:read", "users:write"]), min_items = 1)]
    scopes: Vec<ScopeName>,
    /// Zone ids or identifiers; omitted or null for every zone.
    zones: Option<Vec<String>>,
    /// One of `zones`; defaults to the first of them, else `default`.
    #[schema(required = false)]
    default_zone: String,
}

/// Body of `POST …/roles`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    /// Opaque, unique in the zone.
    #[schema(
        example = "admin",
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    identifier: String,
    /// Defaults to the identifier.
    #[schema(required = false, pattern = r"^[^\u0000]*$", max_length = 255)]
    name: String,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 4096)]
    description: Option<String>,
}

/// Body of `PATCH …/roles/{role}`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    #[schema(
        required = false,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    identifier: String,
    #[schema(required = false, pattern = r"^[^\u0000]*$", max_length = 255)]
    name: String,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 4096)]
    description: Option<String>,
}

/// Body of `POST …/role-assignments`: the role by `role_id` or by
/// `role_identifier` (exactly one), optionally scoped.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum CreateRoleAssignment {
    ById(AssignRoleById),
    ByIdentifier(AssignRoleByIdentifier),
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRoleById {
    #[schema(pattern = "^role_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    role_id: String,
    scope: Option<AssignmentScopeDoc>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRoleByIdentifier {
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    role_identifier: String,
    scope: Option<AssignmentScopeDoc>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentScopeDoc {
    #[serde(rename = "type")]
    #[schema(
        example = "zone",
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    kind: String,
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    id: String,
}

/// Body of `POST …/sessions`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    #[schema(pattern = "^idp_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    provider_id: Option<String>,
    /// Must be in the future.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// Body of `POST …/grants`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 1024
    )]
    client_id: String,
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 1024
    )]
    resource: String,
    #[schema(inline, min_items = 1, max_items = 100)]
    scopes: Vec<GrantScope>,
    /// Must be in the future.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// One scope of a grant.
#[derive(Serialize, ToSchema)]
#[schema(
    pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
    max_length = 255
)]
pub struct GrantScope(String);

/// Body of `POST …/providers`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProvider {
    #[schema(
        example = "okta",
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    identifier: String,
    #[schema(
        example = "https://example.okta.com",
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 1024
    )]
    issuer: String,
    /// A claim whose value becomes a new user's `identifier`.
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    user_identifier_claim: Option<String>,
}

/// Body of `PATCH …/providers/{idp}`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProvider {
    #[schema(
        required = false,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    identifier: String,
    #[schema(
        required = false,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 1024
    )]
    issuer: String,
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 255
    )]
    user_identifier_claim: Option<String>,
}

/// Body of `POST …/providers/{idp}/sign-ins`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignIn {
    /// The subject the provider vouches for.
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        max_length = 1024
    )]
    subject: String,
    /// Claims of the ID token: `email` (needed to create a user),
    /// `email_verified`, `given_name`, `family_name`, `name`, and the
    /// provider's `user_identifier_claim`.
    #[schema(value_type = Option<Object>)]
    claims: Option<Object>,
    /// When the recorded session expires; must be in the future.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// Any JSON object.
pub type Object = Map<String, Value>;
