//! What the API returns, as owned, typed values. Unknown fields are
//! ignored, so a newer server does not break an older client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user, as every endpoint returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct User {
    pub id: String,
    pub organization_id: String,
    pub zone_id: String,
    pub identifier: String,
    pub email: String,
    pub email_verified: bool,
    pub first_name: String,
    pub last_name: String,
    pub name: String,
    pub description: Option<String>,
    pub user_type: String,
    pub status: String,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    pub issuer: Option<String>,
    pub provider_id: Option<String>,
    pub subject: Option<String>,
    /// A provisioning system's identifier (SCIM `externalId`).
    #[serde(default)]
    pub external_id: Option<String>,
    pub authenticated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Only with the `users:metadata` scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Only with `expand: role_assignments`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignments: Option<Vec<RoleAssignment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

fn exact() -> bool {
    true
}

fn is_exact(exact: &bool) -> bool {
    *exact
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub page_info: PageInfo,
    pub total_count: u64,
    /// False when `total_count` is a lower bound: counting every match
    /// would have cost more than the page (the server omits it otherwise).
    #[serde(default = "exact", skip_serializing_if = "is_exact")]
    pub total_count_exact: bool,
    /// Page mode only.
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Zone {
    pub id: String,
    pub organization_id: String,
    pub identifier: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub zones: Option<Vec<String>>,
    pub default_zone_id: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// The secret: only in the response that created the key.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Role {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub description: Option<String>,
    /// A provisioning system's identifier (SCIM's Group `externalId`).
    #[serde(default)]
    pub external_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AssignmentScope {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RoleAssignment {
    /// Absent inside an expanded user.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    pub role_id: String,
    pub role_identifier: String,
    pub scope: Option<AssignmentScope>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub provider_id: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Grant {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub status: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Provider {
    pub id: String,
    pub identifier: String,
    pub issuer: String,
    pub user_identifier_claim: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SignIn {
    pub user: User,
    pub session: Session,
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Health {
    pub status: String,
}
