//! The bodies still read from JSON by the service (API keys), for the
//! OpenAPI document only: these types state the service's rules so that a
//! client (or schemathesis) can tell a valid body from an invalid one
//! without asking the server. The other bodies are typed at the edge
//! (`input`), where one type is both the parser and the schema.
//!
//! A field the server refuses `null` for is a plain type with
//! `required = false` (optional, never null); `Option` means "null allowed".

#![allow(dead_code)]

use serde::Serialize;
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
