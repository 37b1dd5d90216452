//! Roles and role assignments.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use roster_domain::Scope;

use crate::body::{BodyKind, Payload};
use crate::handlers::tenant::Tenant;
use crate::handlers::{BodyErrors, CommonErrors, json_response};
use crate::input::access::{CreateRole, CreateRoleAssignment, UpdateRole};
use crate::problem::ApiResult;
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{ListView, RoleAssignmentList, RoleAssignmentView, RoleList, RoleView};

// Roles.

async fn list_roles_in(t: Tenant, Params(request): Params<IdPageParams>) -> ApiResult<Response> {
    let page = t.service().list_roles(&t.principal, &t.scope, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, RoleView::new)))
}

async fn create_role_in(t: Tenant, _: Params<NoParams>, payload: Payload) -> ApiResult<Response> {
    let body: CreateRole = t.body(Scope::RolesWrite, BodyKind::Json, &payload)?;
    let role = t.service().create_role(&t.principal, &t.scope, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &RoleView::new(&role)))
}

async fn get_role_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    let role = t.service().get_role(&t.principal, &t.scope, t.id(0)?).await?;
    Ok(json_response(StatusCode::OK, &RoleView::new(&role)))
}

async fn update_role_in(t: Tenant, _: Params<NoParams>, payload: Payload) -> ApiResult<Response> {
    let body: UpdateRole = t.body(Scope::RolesWrite, BodyKind::MergePatch, &payload)?;
    let role = t.service().update_role(&t.principal, &t.scope, t.id(0)?, body.into()).await?;
    Ok(json_response(StatusCode::OK, &RoleView::new(&role)))
}

async fn delete_role_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    t.service().delete_role(&t.principal, &t.scope, t.id(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_roles_in, "List the zone's roles.", tag = "roles",
    default = (list_roles, "/v1/roles", "roles.list"),
    zoned = (list_zone_roles, "/v1/zones/{zone}/roles", "zones.roles.list"),
    params = [IdPageParams],
    responses = [(status = 200, description = "A page of roles", body = RoleList), CommonErrors]);

zoned!(post create_role_in, "Create a role.", tag = "roles",
    default = (create_role, "/v1/roles", "roles.create"),
    zoned = (create_zone_role, "/v1/zones/{zone}/roles", "zones.roles.create"),
    params = [],
    body = [content = CreateRole, content_type = "application/json"],
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
    body = [content = UpdateRole, content_type = "application/json"],
    responses = [(status = 200, description = "The role", body = RoleView), CommonErrors, BodyErrors]);

zoned!(delete delete_role_in, "Delete a role and every assignment of it.", tag = "roles",
    default = (delete_role, "/v1/roles/{role}", "roles.delete"),
    zoned = (delete_zone_role, "/v1/zones/{zone}/roles/{role}", "zones.roles.delete"),
    params = [("role" = String, Path, description = "Role id or identifier")],
    responses = [(status = 204, description = "Deleted"), CommonErrors]);

// Role assignments.

async fn list_assignments_in(
    t: Tenant,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page =
        t.service().list_role_assignments(&t.principal, &t.scope, t.id(0)?, &request).await?;
    let metadata = t.metadata();
    Ok(json_response(
        StatusCode::OK,
        &ListView::new(&page, |a| RoleAssignmentView::new(a, metadata)),
    ))
}

async fn create_assignment_in(
    t: Tenant,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    let body: CreateRoleAssignment = t.body(Scope::RolesWrite, BodyKind::Json, &payload)?;
    let user = t.id(0)?;
    let a = t.service().create_role_assignment(&t.principal, &t.scope, user, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &RoleAssignmentView::new(&a, t.metadata())))
}

async fn get_assignment_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    let a = t.service().get_role_assignment(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    Ok(json_response(StatusCode::OK, &RoleAssignmentView::new(&a, t.metadata())))
}

async fn delete_assignment_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    t.service().delete_role_assignment(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_assignments_in, "List a user's role assignments.", tag = "role-assignments",
    default = (list_role_assignments, "/v1/users/{id}/role-assignments", "users.role_assignments.list"),
    zoned = (list_zone_role_assignments, "/v1/zones/{zone}/users/{id}/role-assignments",
        "zones.users.role_assignments.list"),
    params = [("id" = String, Path, description = "User id"),
        IdPageParams],
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
    body = [content = CreateRoleAssignment, content_type = "application/json"],
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
