//! Roles, role assignments, sessions, grants, providers and sign-ins as
//! the API returns them.

use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::Timestamp;
use roster_domain::access::{Grant, Liveness, Provider, Role, RoleAssignment, Session};

use super::UserView;

/// The scope of a role assignment.
#[derive(Serialize, ToSchema)]
pub struct AssignmentScopeView {
    /// The kind of resource the assignment is limited to (e.g. `zone`).
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// A role held by a user, optionally limited to a resource.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleAssignment)]
pub struct RoleAssignmentView {
    /// Absent inside an expanded user (`expand[]=role_assignments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ra_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[schema(example = "role_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub role_id: String,
    #[schema(example = "admin")]
    pub role_identifier: String,
    /// Null when the assignment applies to the zone itself.
    pub scope: Option<AssignmentScopeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<Timestamp>,
    /// Only with the `users:metadata` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl RoleAssignmentView {
    pub fn new(a: &RoleAssignment, metadata: bool) -> Self {
        Self {
            id: Some(a.id.to_string()),
            user_id: Some(a.user_id.to_string()),
            created_at: Some(a.created_at),
            created_by: metadata.then(|| a.created_by.clone()),
            ..Self::embedded(a)
        }
    }

    /// The seed's shape inside a user: role, identifier and scope.
    pub fn embedded(a: &RoleAssignment) -> Self {
        Self {
            id: None,
            user_id: None,
            role_id: a.role_id.to_string(),
            role_identifier: a.role_identifier.clone(),
            scope: a
                .scope
                .as_ref()
                .map(|s| AssignmentScopeView { kind: s.kind.clone(), id: s.id.clone() }),
            created_at: None,
            created_by: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Role)]
pub struct RoleView {
    #[schema(example = "role_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    #[schema(example = "admin")]
    pub identifier: String,
    pub name: String,
    pub description: Option<String>,
    /// A provisioning system's identifier (SCIM's Group `externalId`).
    pub external_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl RoleView {
    pub fn new(r: &Role) -> Self {
        Self {
            id: r.id.to_string(),
            identifier: r.identifier.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            external_id: r.external_id.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A recorded authentication.
#[derive(Serialize, ToSchema)]
#[schema(as = Session)]
pub struct SessionView {
    #[schema(example = "sess_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub user_id: String,
    pub provider_id: Option<String>,
    /// `active`, `expired` or `revoked`.
    #[schema(example = "active")]
    pub status: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
    /// Only with the `users:metadata` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl SessionView {
    pub fn new(s: &Session, metadata: bool, now: Timestamp) -> Self {
        Self {
            id: s.id.to_string(),
            user_id: s.user_id.to_string(),
            provider_id: s.provider_id.map(|p| p.to_string()),
            status: Liveness::of(s.revoked_at, s.expires_at, now).as_str(),
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
            created_by: metadata.then(|| s.created_by.clone()),
        }
    }
}

/// A delegated grant: a client may act on a resource for the user.
#[derive(Serialize, ToSchema)]
#[schema(as = Grant)]
pub struct GrantView {
    #[schema(example = "grant_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub user_id: String,
    #[schema(example = "my-app")]
    pub client_id: String,
    #[schema(example = "https://api.example.com")]
    pub resource: String,
    #[schema(example = json!(["read"]))]
    pub scopes: Vec<String>,
    /// `active`, `expired` or `revoked`.
    #[schema(example = "active")]
    pub status: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
    /// Only with the `users:metadata` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl GrantView {
    pub fn new(g: &Grant, metadata: bool, now: Timestamp) -> Self {
        Self {
            id: g.id.to_string(),
            user_id: g.user_id.to_string(),
            client_id: g.client_id.clone(),
            resource: g.resource.clone(),
            scopes: g.scopes.clone(),
            status: Liveness::of(g.revoked_at, g.expires_at, now).as_str(),
            created_at: g.created_at,
            expires_at: g.expires_at,
            revoked_at: g.revoked_at,
            created_by: metadata.then(|| g.created_by.clone()),
        }
    }
}

/// An identity provider users sign in through.
#[derive(Serialize, ToSchema)]
#[schema(as = Provider)]
pub struct ProviderView {
    #[schema(example = "idp_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    #[schema(example = "okta")]
    pub identifier: String,
    #[schema(example = "https://example.okta.com")]
    pub issuer: String,
    /// The claim that becomes a new user's `identifier`.
    pub user_identifier_claim: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl ProviderView {
    pub fn new(p: &Provider) -> Self {
        Self {
            id: p.id.to_string(),
            identifier: p.identifier.clone(),
            issuer: p.issuer.clone(),
            user_identifier_claim: p.user_identifier_claim.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The outcome of a sign-in.
#[derive(Serialize, ToSchema)]
#[schema(as = SignIn)]
pub struct SignInView<'a> {
    #[schema(value_type = UserView)]
    pub user: UserView<'a>,
    pub session: SessionView,
    /// Whether this sign-in created the user.
    pub created: bool,
}
