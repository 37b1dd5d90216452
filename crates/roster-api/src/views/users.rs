//! Users as the API returns them, one at a time and by the page.

use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::access::Expansion;
use roster_domain::{OrgId, Timestamp, User, UserId, ZoneId};

use crate::encode::RawAttributes;
use roster_service::users::{Expand, UserListPage};

use super::{PageInfo, RoleAssignmentView};

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
    /// A provisioning system's identifier for the user (SCIM `externalId`).
    #[schema(value_type = Option<String>)]
    pub external_id: Option<&'a str>,
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
            external_id: user.external_id.as_deref(),
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
