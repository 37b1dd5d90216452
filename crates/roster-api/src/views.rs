//! The JSON shapes of the API. Output types borrow from domain values and
//! serialize straight into the response; input types exist for the OpenAPI
//! document (bodies are parsed by the domain's field rules, which reject
//! unknown fields and name the one at fault).

use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::access::{Expansion, Grant, Liveness, Provider, Role, RoleAssignment, Session};
use roster_domain::{ApiKey, OrgId, Timestamp, User, UserId, Zone, ZoneId};

use crate::encode::RawAttributes;
use roster_service::tenancy::IdPage;
use roster_service::users::{Expand, UserListPage};

/// A user, as every endpoint returns it.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView<'a> {
    /// `user_` + 26-character ULID.
    #[schema(value_type = String, example = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: &'a UserId,
    #[schema(value_type = String, example = "org_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub organization_id: &'a OrgId,
    #[schema(value_type = String, example = "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub zone_id: &'a ZoneId,
    /// Unique per zone, case-insensitive; defaults to `id`.
    #[schema(value_type = String, example = "jane")]
    pub identifier: &'a str,
    #[schema(value_type = String, format = "email", example = "jane.doe@example.com")]
    pub email: &'a str,
    pub email_verified: bool,
    #[schema(value_type = String, example = "Jane")]
    pub first_name: &'a str,
    #[schema(value_type = String, example = "Doe")]
    pub last_name: &'a str,
    /// Display name; defaults to `first_name last_name` at creation.
    #[schema(value_type = String, example = "Jane Doe")]
    pub name: &'a str,
    #[schema(value_type = Option<String>)]
    pub description: Option<&'a str>,
    #[schema(value_type = String, example = "saas_user")]
    pub user_type: &'static str,
    #[schema(value_type = String, example = "active")]
    pub status: &'static str,
    /// Custom attributes.
    #[schema(value_type = Object)]
    pub attributes: RawAttributes<'a>,
    #[schema(value_type = Option<String>)]
    pub issuer: Option<&'a str>,
    #[schema(value_type = Option<String>)]
    pub provider_id: Option<&'a str>,
    #[schema(value_type = Option<String>)]
    pub subject: Option<&'a str>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub authenticated_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime, example = "2024-01-15T09:30:00Z")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2024-01-20T14:45:00Z")]
    pub updated_at: Timestamp,
    /// Only with the `users:metadata` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub created_by: Option<&'a str>,
    /// Only with the `users:metadata` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub updated_by: Option<&'a str>,
    /// Only with `expand[]=role_assignments`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<RoleAssignmentView>>)]
    pub role_assignments: Option<Vec<RoleAssignmentView>>,
    /// Only with `expand[]=grant_count`: live delegated grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub grant_count: Option<u64>,
    /// Only with `expand[]=session_count`: sessions neither revoked nor expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub session_count: Option<u64>,
}

impl<'a> UserView<'a> {
    pub fn new(user: &'a User, metadata: bool) -> Self {
        Self {
            id: &user.id,
            organization_id: &user.organization_id,
            zone_id: &user.zone_id,
            identifier: &user.identifier,
            email: &user.email,
            email_verified: user.email_verified,
            first_name: &user.first_name,
            last_name: &user.last_name,
            name: &user.name,
            description: user.description.as_deref(),
            user_type: user.user_type.as_str(),
            status: user.status.as_str(),
            attributes: RawAttributes(&user.attributes),
            issuer: user.issuer.as_deref(),
            provider_id: user.provider_id.as_deref(),
            subject: user.subject.as_deref(),
            authenticated_at: user.authenticated_at,
            created_at: user.created_at,
            updated_at: user.updated_at,
            created_by: metadata.then_some(user.created_by.as_str()),
            updated_by: metadata.then_some(user.updated_by.as_str()),
            role_assignments: None,
            grant_count: None,
            session_count: None,
        }
    }

    /// Adds the extras `expand` asked for (zero when the user has none).
    pub fn expanded(mut self, expand: Expand, extras: Option<&Expansion>) -> Self {
        let empty = Expansion::default();
        let extras = extras.unwrap_or(&empty);
        if expand.role_assignments {
            self.role_assignments =
                Some(extras.role_assignments.iter().map(RoleAssignmentView::embedded).collect());
        }
        if expand.grant_count {
            self.grant_count = Some(extras.grant_count);
        }
        if expand.session_count {
            self.session_count = Some(extras.session_count);
        }
        self
    }
}

#[derive(Serialize, ToSchema)]
pub struct PageInfo {
    /// When paginating forwards, are there more items?
    pub has_next_page: bool,
    /// When paginating backwards, are there more items?
    pub has_previous_page: bool,
    /// Cursor of the first item of the page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// A page of users.
#[derive(Serialize, ToSchema)]
#[schema(as = UserList)]
pub struct UserListView<'a> {
    #[schema(value_type = Vec<UserView>)]
    pub data: Vec<UserView<'a>>,
    pub page_info: PageInfo,
    /// Users matching the filters, across all pages; a lower bound when
    /// `total_count_exact` is false.
    pub total_count: u64,
    /// Present (and false) only when `total_count` is a lower bound:
    /// counting exactly would have cost more than the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count_exact: Option<bool>,
    /// Page mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page mode only: the effective page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<usize>,
}

impl<'a> UserListView<'a> {
    pub fn new(page: &'a UserListPage, metadata: bool, expand: Expand) -> Self {
        let view = |u: &'a User| {
            let extras = page.expansions.as_ref().and_then(|e| e.get(&u.id));
            UserView::new(u, metadata).expanded(expand, extras)
        };
        Self {
            data: page.users.iter().map(view).collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                start_cursor: page.start_cursor.clone(),
                end_cursor: page.end_cursor.clone(),
            },
            total_count: page.total_count,
            total_count_exact: (!page.total_count_exact).then_some(false),
            page: page.page.map(|(p, _)| p),
            page_size: page.page.map(|(_, s)| s),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Zone)]
pub struct ZoneView<'a> {
    #[schema(value_type = String, example = "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    #[schema(value_type = String)]
    pub organization_id: String,
    #[schema(value_type = String, example = "default")]
    pub identifier: &'a str,
    #[schema(value_type = String, example = "Default")]
    pub name: &'a str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl<'a> ZoneView<'a> {
    pub fn new(zone: &'a Zone) -> Self {
        Self {
            id: zone.id.to_string(),
            organization_id: zone.organization_id.to_string(),
            identifier: &zone.identifier,
            name: &zone.name,
            created_at: zone.created_at,
            updated_at: zone.updated_at,
        }
    }
}

/// A page of any id-ordered list (zones, API keys).
#[derive(Serialize)]
pub struct ListView<T> {
    pub data: Vec<T>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

impl<T> ListView<T> {
    pub fn new<'a, S>(page: &'a IdPage<S>, view: impl Fn(&'a S) -> T) -> Self {
        Self {
            data: page.items.iter().map(view).collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                start_cursor: page.start_cursor.clone(),
                end_cursor: page.end_cursor.clone(),
            },
            total_count: page.total_count,
        }
    }
}

/// A page of zones.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ZoneList {
    #[schema(value_type = Vec<ZoneView>)]
    data: Vec<()>,
    page_info: PageInfo,
    total_count: u64,
}

/// A page of API keys (without secrets).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApiKeyList {
    data: Vec<ApiKeyView>,
    page_info: PageInfo,
    total_count: u64,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ApiKey)]
pub struct ApiKeyView {
    #[schema(example = "key_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub name: String,
    #[schema(example = json!(["users:read"]))]
    pub scopes: Vec<String>,
    /// Zone ids the key is limited to; null for every zone.
    pub zones: Option<Vec<String>>,
    pub default_zone_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    /// The secret; present only in the response that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl ApiKeyView {
    pub fn new(key: &ApiKey, secret: Option<String>) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.clone(),
            scopes: key.scopes.granted_strings(),
            zones: key.zones.as_ref().map(|z| z.iter().map(ToString::to_string).collect()),
            default_zone_id: key.default_zone_id.map(|z| z.to_string()),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            key: secret,
        }
    }
}

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

pub use crate::bodies::*;

macro_rules! list_doc {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            data: Vec<$item>,
            page_info: PageInfo,
            total_count: u64,
        }
    };
}

list_doc!(RoleList, RoleView, "A page of roles.");
list_doc!(RoleAssignmentList, RoleAssignmentView, "A page of role assignments.");
list_doc!(SessionList, SessionView, "A page of sessions.");
list_doc!(GrantList, GrantView, "A page of grants.");
list_doc!(ProviderList, ProviderView, "A page of identity providers.");
