//! Roles and role assignments.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use roster_domain::Scope;
use roster_service::Principal;

use crate::AppState;
use crate::body::{BodyKind, RawBody};
use crate::handlers::{BodyErrors, CommonErrors, PathParams, json_response};
use crate::input::access::{CreateRole, CreateRoleAssignment, UpdateRole};
use crate::problem::{ApiError, ApiResult};
use crate::query::{no_parameters, parse_id_page};
use crate::views::{ListView, RoleAssignmentList, RoleAssignmentView, RoleList, RoleView};

use super::{Call, Raw, run};

// Roles.

async fn list_roles_in(c: Call<'_>) -> ApiResult<Response> {
    let request = parse_id_page(c.query)?;
    let page = c.service().list_roles(c.principal, &c.scope, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, RoleView::new)))
}

async fn create_role_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateRole = c.body(Scope::RolesWrite, BodyKind::Json)?;
    let role = c.service().create_role(c.principal, &c.scope, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &RoleView::new(&role)))
}

async fn get_role_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let role = c.service().get_role(c.principal, &c.scope, c.param(0)?).await?;
    Ok(json_response(StatusCode::OK, &RoleView::new(&role)))
}

async fn update_role_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: UpdateRole = c.body(Scope::RolesWrite, BodyKind::MergePatch)?;
    let role = c.service().update_role(c.principal, &c.scope, c.param(0)?, body.into()).await?;
    Ok(json_response(StatusCode::OK, &RoleView::new(&role)))
}

async fn delete_role_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    c.service().delete_role(c.principal, &c.scope, c.param(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_roles_in, "List the zone's roles.", tag = "roles",
    default = (list_roles, "/v1/roles", "roles.list"),
    zoned = (list_zone_roles, "/v1/zones/{zone}/roles", "zones.roles.list"),
    params = [("after" = Option<String>, Query), ("before" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000)],
    responses = [(status = 200, description = "A page of roles", body = RoleList), CommonErrors]);

zoned!(post create_role_in, "Create a role.", tag = "roles",
    default = (create_role, "/v1/roles", "roles.create"),
    zoned = (create_zone_role, "/v1/zones/{zone}/roles", "zones.roles.create"),
    params = [],
    body = CreateRole,
    responses = [(status = 201, description = "The role", body = RoleView), CommonErrors, BodyErrors]);

zoned!(get get_role_in, "Retrieve a role by id or identifier.", tag = "roles",
    default = (get_role, "/v1/roles/{role}", "roles.retrieve"),
    zoned = (get_zone_role, "/v1/zones/{zone}/roles/{role}", "zones.roles.retrieve"),
    params = [("role" = String, Path, description = "Role id or identifier")],
    responses = [(status = 200, description = "The role", body = RoleView), CommonErrors]);

zoned!(patch update_role_in, "Update a role.", tag = "roles",
    default = (update_role, "/v1/roles/{role}", "roles.update"),
    zoned = (update_zone_role, "/v1/zones/{zone}/roles/{role}", "zones.roles.update"),
    params = [("role" = String, Path, description = "Role id or identifier")],
    body = UpdateRole,
    responses = [(status = 200, description = "The role", body = RoleView), CommonErrors, BodyErrors]);

zoned!(delete delete_role_in, "Delete a role and every assignment of it.", tag = "roles",
    default = (delete_role, "/v1/roles/{role}", "roles.delete"),
    zoned = (delete_zone_role, "/v1/zones/{zone}/roles/{role}", "zones.roles.delete"),
    params = [("role" = String, Path, description = "Role id or identifier")],
    responses = [(status = 204, description = "Deleted"), CommonErrors]);

// Role assignments.

async fn list_assignments_in(c: Call<'_>) -> ApiResult<Response> {
    let request = parse_id_page(c.query)?;
    let page =
        c.service().list_role_assignments(c.principal, &c.scope, c.param(0)?, &request).await?;
    let metadata = c.metadata();
    Ok(json_response(
        StatusCode::OK,
        &ListView::new(&page, |a| RoleAssignmentView::new(a, metadata)),
    ))
}

async fn create_assignment_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateRoleAssignment = c.body(Scope::RolesWrite, BodyKind::Json)?;
    let user = c.param(0)?;
    let a = c.service().create_role_assignment(c.principal, &c.scope, user, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &RoleAssignmentView::new(&a, c.metadata())))
}

async fn get_assignment_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let a =
        c.service().get_role_assignment(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    Ok(json_response(StatusCode::OK, &RoleAssignmentView::new(&a, c.metadata())))
}

async fn delete_assignment_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    c.service().delete_role_assignment(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_assignments_in, "List a user's role assignments.", tag = "role-assignments",
    default = (list_role_assignments, "/v1/users/{id}/role-assignments", "users.role_assignments.list"),
    zoned = (list_zone_role_assignments, "/v1/zones/{zone}/users/{id}/role-assignments",
        "zones.users.role_assignments.list"),
    params = [("id" = String, Path, description = "User id"),
        ("after" = Option<String>, Query), ("before" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000)],
    responses = [(status = 200, description = "A page of role assignments", body = RoleAssignmentList),
        CommonErrors]);

zoned!(post create_assignment_in,
    "Assign a role (by `role_id` or `role_identifier`) to a user, optionally scoped.",
    tag = "role-assignments",
    default = (create_role_assignment, "/v1/users/{id}/role-assignments",
        "users.role_assignments.create"),
    zoned = (create_zone_role_assignment, "/v1/zones/{zone}/users/{id}/role-assignments",
        "zones.users.role_assignments.create"),
    params = [("id" = String, Path, description = "User id")],
    body = CreateRoleAssignment,
    responses = [(status = 201, description = "The assignment", body = RoleAssignmentView),
        CommonErrors, BodyErrors]);

zoned!(get get_assignment_in, "Retrieve a role assignment.", tag = "role-assignments",
    default = (get_role_assignment, "/v1/users/{id}/role-assignments/{ra}",
        "users.role_assignments.retrieve"),
    zoned = (get_zone_role_assignment, "/v1/zones/{zone}/users/{id}/role-assignments/{ra}",
        "zones.users.role_assignments.retrieve"),
    params = [("id" = String, Path, description = "User id"),
        ("ra" = String, Path, description = "Assignment id (`ra_…`)")],
    responses = [(status = 200, description = "The assignment", body = RoleAssignmentView), CommonErrors]);

zoned!(delete delete_assignment_in, "Remove a role assignment.", tag = "role-assignments",
    default = (delete_role_assignment, "/v1/users/{id}/role-assignments/{ra}",
        "users.role_assignments.delete"),
    zoned = (delete_zone_role_assignment, "/v1/zones/{zone}/users/{id}/role-assignments/{ra}",
        "zones.users.role_assignments.delete"),
    params = [("id" = String, Path, description = "User id"),
        ("ra" = String, Path, description = "Assignment id (`ra_…`)")],
    responses = [(status = 204, description = "Removed"), CommonErrors]);
