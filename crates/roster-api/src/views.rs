//! The JSON shapes of the API. Output types borrow from domain values and
//! serialize straight into the response; input types exist for the OpenAPI
//! document (bodies are parsed by the domain's field rules, which reject
//! unknown fields and name the one at fault).

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use roster_domain::{ApiKey, Timestamp, User, Zone};
use roster_service::tenancy::IdPage;
use roster_service::users::UserListPage;

/// A user, as every endpoint returns it.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView<'a> {
    /// `user_` + 26-character ULID.
    #[schema(value_type = String, example = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    #[schema(value_type = String, example = "org_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub organization_id: String,
    #[schema(value_type = String, example = "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub zone_id: String,
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
    pub attributes: &'a Map<String, Value>,
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
}

impl<'a> UserView<'a> {
    pub fn new(user: &'a User, metadata: bool) -> Self {
        Self {
            id: user.id.to_string(),
            organization_id: user.organization_id.to_string(),
            zone_id: user.zone_id.to_string(),
            identifier: &user.identifier,
            email: &user.email,
            email_verified: user.email_verified,
            first_name: &user.first_name,
            last_name: &user.last_name,
            name: &user.name,
            description: user.description.as_deref(),
            user_type: user.user_type.as_str(),
            status: user.status.as_str(),
            attributes: &user.attributes,
            issuer: user.issuer.as_deref(),
            provider_id: user.provider_id.as_deref(),
            subject: user.subject.as_deref(),
            authenticated_at: user.authenticated_at,
            created_at: user.created_at,
            updated_at: user.updated_at,
            created_by: metadata.then_some(user.created_by.as_str()),
            updated_by: metadata.then_some(user.updated_by.as_str()),
        }
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
    /// Users matching the filters, across all pages.
    pub total_count: u64,
    /// Page mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page mode only: the effective page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<usize>,
}

impl<'a> UserListView<'a> {
    pub fn new(page: &'a UserListPage, metadata: bool) -> Self {
        Self {
            data: page
                .users
                .iter()
                .map(|u| UserView::new(u, metadata))
                .collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                start_cursor: page.start_cursor.clone(),
                end_cursor: page.end_cursor.clone(),
            },
            total_count: page.total_count,
            page: page.page.map(|(p, _)| p),
            page_size: page.page.map(|(_, s)| s),
        }
    }
}

/// Body of `POST /v1/users`. Unknown fields are refused.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CreateUser {
    #[schema(example = "jane.doe@example.com", format = "email")]
    email: String,
    /// Defaults to the user's id.
    identifier: Option<String>,
    email_verified: Option<bool>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Defaults to `first_name last_name`.
    name: Option<String>,
    description: Option<String>,
    #[schema(example = "saas_user")]
    user_type: Option<String>,
    #[schema(example = "active")]
    status: Option<String>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<Map<String, Value>>,
    issuer: Option<String>,
    provider_id: Option<String>,
    subject: Option<String>,
    #[schema(format = DateTime)]
    authenticated_at: Option<String>,
}

/// Body of `PATCH /v1/users/{id}`: a JSON merge patch (RFC 7396). `null`
/// clears nullable fields; `attributes` is merged key by key.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UpdateUser {
    email: Option<String>,
    identifier: Option<String>,
    email_verified: Option<bool>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    description: Option<String>,
    user_type: Option<String>,
    status: Option<String>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<Map<String, Value>>,
    issuer: Option<String>,
    provider_id: Option<String>,
    subject: Option<String>,
    #[schema(format = DateTime)]
    authenticated_at: Option<String>,
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

/// Body of `POST /v1/zones`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CreateZone {
    /// A slug: 1-63 of `a-z 0-9 - _`.
    #[schema(example = "eu-west")]
    identifier: String,
    /// Defaults to the identifier.
    name: Option<String>,
}

/// Body of `PATCH /v1/zones/{zone}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UpdateZone {
    identifier: Option<String>,
    name: Option<String>,
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
            zones: key
                .zones
                .as_ref()
                .map(|z| z.iter().map(ToString::to_string).collect()),
            default_zone_id: key.default_zone_id.map(|z| z.to_string()),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            key: secret,
        }
    }
}

/// Body of `POST /v1/api-keys`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CreateApiKey {
    #[schema(example = "ci")]
    name: String,
    #[schema(example = json!(["users:read", "users:write"]))]
    scopes: Vec<String>,
    /// Zone ids or identifiers; omitted or null for every zone.
    zones: Option<Vec<String>>,
    /// Defaults to the first of `zones`, else `default`.
    default_zone: Option<String>,
}
