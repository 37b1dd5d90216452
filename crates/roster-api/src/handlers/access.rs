//! Roles, role assignments, sessions, grants, providers and sign-ins.
//!
//! Every operation exists twice: on the key's default zone (`/v1/roles`,
//! `/v1/users/{id}/sessions`) and on a named zone (`/v1/zones/{zone}/…`).
//! `zoned!` writes both thin wrappers (and their OpenAPI entries) around one
//! implementation that receives the resolved zone.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use roster_domain::{Scope, ZoneScope};
use roster_service::Principal;

use super::idempotency::idempotent;
use super::{BodyErrors, CommonErrors, PathParams, json_response};
use crate::AppState;
use crate::body::{BodyKind, RawBody};
use crate::input::access::{
    CreateGrant, CreateProvider, CreateRole, CreateRoleAssignment, CreateSession, CreateSignIn,
    UpdateProvider, UpdateRole,
};
use crate::input::{RequestBody, parse_body};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::query::{no_parameters, parse_id_page};
use crate::views::{
    GrantList, GrantView, ListView, ProviderList, ProviderView, RoleAssignmentList,
    RoleAssignmentView, RoleList, RoleView, SessionList, SessionView, SignInView, UserView,
};

/// One call, with its zone resolved and the remaining path parameters.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub principal: &'a Principal,
    pub scope: ZoneScope,
    pub params: &'a [String],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, i: usize) -> ApiResult<&str> {
        self.params.get(i).map(String::as_str).ok_or_else(ApiError::not_found)
    }

    /// The body, typed, once the key is known to hold `needs`: a key that
    /// may not write learns nothing from validation. The use case checks
    /// again.
    fn body<T: RequestBody>(&self, needs: Scope, kind: BodyKind) -> ApiResult<T> {
        self.principal.require(needs)?;
        parse_body(self.headers, self.body, kind)
    }

    fn service(&self) -> &roster_service::Service {
        &self.state.inner.service
    }

    fn metadata(&self) -> bool {
        self.principal.sees_metadata()
    }
}

/// What a wrapper hands over besides the caller and the zone.
struct Raw<'a> {
    params: &'a [String],
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

async fn run<'a, F, Fut>(
    state: &'a AppState,
    principal: &'a Principal,
    method: &str,
    path: &str,
    zone: Option<&'a str>,
    raw: Raw<'a>,
    inner: F,
) -> ApiResult<Response>
where
    F: FnOnce(Call<'a>) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Response>>,
{
    let Raw { params, query, headers, body } = raw;
    let call = async {
        let scope = state.inner.service.resolve_zone(principal, zone).await?;
        inner(Call { state, principal, scope, params, query, headers, body }).await
    };
    if method == "post" {
        idempotent(state, principal, headers, path, body, |_| call).await
    } else {
        call.await
    }
}

macro_rules! zoned {
    (
        $method:ident $inner:ident,
        $doc:literal,
        tag = $tag:literal,
        default = ($dfn:ident, $dpath:literal, $dop:literal),
        zoned = ($zfn:ident, $zpath:literal, $zop:literal),
        params = [$($param:tt)*],
        $(body = $body:ty,)?
        responses = [$($resp:tt)*]
    ) => {
        #[doc = $doc]
        #[utoipa::path($method, path = $dpath, tag = $tag, operation_id = $dop,
            params($($param)*),
            $(request_body(content = $body, content_type = "application/json"),)?
            responses($($resp)*))]
        pub async fn $dfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let raw = Raw { params: &path.0, query: query.as_deref(), headers: &headers, body: &body };
            run(&state, &principal, stringify!($method), uri.path(), None, raw, $inner).await
        }

        #[doc = $doc]
        #[utoipa::path($method, path = $zpath, tag = $tag, operation_id = $zop,
            params(("zone" = String, Path, description = "Zone id or identifier"), $($param)*),
            $(request_body(content = $body, content_type = "application/json"),)?
            responses($($resp)*))]
        pub async fn $zfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let (zone, rest) = path.0.split_first().ok_or_else(ApiError::not_found)?;
            let raw = Raw { params: rest, query: query.as_deref(), headers: &headers, body: &body };
            run(&state, &principal, stringify!($method), uri.path(), Some(zone), raw, $inner).await
        }
    };
}

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

// Sessions.

async fn list_sessions_in(c: Call<'_>) -> ApiResult<Response> {
    let request = parse_id_page(c.query)?;
    let page = c.service().list_sessions(c.principal, &c.scope, c.param(0)?, &request).await?;
    let (metadata, now) = (c.metadata(), c.service().now());
    Ok(json_response(StatusCode::OK, &ListView::new(&page, |s| SessionView::new(s, metadata, now))))
}

async fn create_session_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateSession = c.body(Scope::UsersWrite, BodyKind::Json)?;
    let s = c.service().create_session(c.principal, &c.scope, c.param(0)?, body.into()).await?;
    let now = c.service().now();
    Ok(json_response(StatusCode::CREATED, &SessionView::new(&s, c.metadata(), now)))
}

async fn get_session_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let s = c.service().get_session(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    let now = c.service().now();
    Ok(json_response(StatusCode::OK, &SessionView::new(&s, c.metadata(), now)))
}

async fn delete_session_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    c.service().revoke_session(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_sessions_in, "List a user's sessions (live, expired and revoked).",
    tag = "sessions",
    default = (list_sessions, "/v1/users/{id}/sessions", "users.sessions.list"),
    zoned = (list_zone_sessions, "/v1/zones/{zone}/users/{id}/sessions", "zones.users.sessions.list"),
    params = [("id" = String, Path, description = "User id"),
        ("after" = Option<String>, Query), ("before" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000)],
    responses = [(status = 200, description = "A page of sessions", body = SessionList), CommonErrors]);

zoned!(post create_session_in,
    "Record an authentication; sets the user's `authenticated_at`. A disabled user answers 409 `user_disabled`.",
    tag = "sessions",
    default = (create_session, "/v1/users/{id}/sessions", "users.sessions.create"),
    zoned = (create_zone_session, "/v1/zones/{zone}/users/{id}/sessions",
        "zones.users.sessions.create"),
    params = [("id" = String, Path, description = "User id")],
    body = CreateSession,
    responses = [(status = 201, description = "The session", body = SessionView), CommonErrors, BodyErrors]);

zoned!(get get_session_in, "Retrieve a session (active, expired or revoked).", tag = "sessions",
    default = (get_session, "/v1/users/{id}/sessions/{sess}", "users.sessions.retrieve"),
    zoned = (get_zone_session, "/v1/zones/{zone}/users/{id}/sessions/{sess}",
        "zones.users.sessions.retrieve"),
    params = [("id" = String, Path, description = "User id"),
        ("sess" = String, Path, description = "Session id (`sess_…`)")],
    responses = [(status = 200, description = "The session", body = SessionView), CommonErrors]);

zoned!(delete delete_session_in, "Revoke a session.", tag = "sessions",
    default = (delete_session, "/v1/users/{id}/sessions/{sess}", "users.sessions.delete"),
    zoned = (delete_zone_session, "/v1/zones/{zone}/users/{id}/sessions/{sess}",
        "zones.users.sessions.delete"),
    params = [("id" = String, Path, description = "User id"),
        ("sess" = String, Path, description = "Session id (`sess_…`)")],
    responses = [(status = 204, description = "Revoked"), CommonErrors]);

// Grants.

async fn list_grants_in(c: Call<'_>) -> ApiResult<Response> {
    let request = parse_id_page(c.query)?;
    let page = c.service().list_grants(c.principal, &c.scope, c.param(0)?, &request).await?;
    let (metadata, now) = (c.metadata(), c.service().now());
    Ok(json_response(StatusCode::OK, &ListView::new(&page, |g| GrantView::new(g, metadata, now))))
}

async fn create_grant_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateGrant = c.body(Scope::UsersWrite, BodyKind::Json)?;
    let g = c.service().create_grant(c.principal, &c.scope, c.param(0)?, body.into()).await?;
    let now = c.service().now();
    Ok(json_response(StatusCode::CREATED, &GrantView::new(&g, c.metadata(), now)))
}

async fn get_grant_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let g = c.service().get_grant(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    let now = c.service().now();
    Ok(json_response(StatusCode::OK, &GrantView::new(&g, c.metadata(), now)))
}

async fn delete_grant_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    c.service().revoke_grant(c.principal, &c.scope, c.param(0)?, c.param(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_grants_in, "List a user's delegated grants.", tag = "grants",
    default = (list_grants, "/v1/users/{id}/grants", "users.grants.list"),
    zoned = (list_zone_grants, "/v1/zones/{zone}/users/{id}/grants", "zones.users.grants.list"),
    params = [("id" = String, Path, description = "User id"),
        ("after" = Option<String>, Query), ("before" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000)],
    responses = [(status = 200, description = "A page of grants", body = GrantList), CommonErrors]);

zoned!(post create_grant_in, "Delegate a grant to a client for a resource.", tag = "grants",
    default = (create_grant, "/v1/users/{id}/grants", "users.grants.create"),
    zoned = (create_zone_grant, "/v1/zones/{zone}/users/{id}/grants", "zones.users.grants.create"),
    params = [("id" = String, Path, description = "User id")],
    body = CreateGrant,
    responses = [(status = 201, description = "The grant", body = GrantView), CommonErrors, BodyErrors]);

zoned!(get get_grant_in, "Retrieve a grant (active, expired or revoked).", tag = "grants",
    default = (get_grant, "/v1/users/{id}/grants/{grant}", "users.grants.retrieve"),
    zoned = (get_zone_grant, "/v1/zones/{zone}/users/{id}/grants/{grant}",
        "zones.users.grants.retrieve"),
    params = [("id" = String, Path, description = "User id"),
        ("grant" = String, Path, description = "Grant id (`grant_…`)")],
    responses = [(status = 200, description = "The grant", body = GrantView), CommonErrors]);

zoned!(delete delete_grant_in, "Revoke a grant.", tag = "grants",
    default = (delete_grant, "/v1/users/{id}/grants/{grant}", "users.grants.delete"),
    zoned = (delete_zone_grant, "/v1/zones/{zone}/users/{id}/grants/{grant}",
        "zones.users.grants.delete"),
    params = [("id" = String, Path, description = "User id"),
        ("grant" = String, Path, description = "Grant id (`grant_…`)")],
    responses = [(status = 204, description = "Revoked"), CommonErrors]);

// Providers and sign-ins.

async fn list_providers_in(c: Call<'_>) -> ApiResult<Response> {
    let request = parse_id_page(c.query)?;
    let page = c.service().list_providers(c.principal, &c.scope, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, ProviderView::new)))
}

async fn create_provider_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateProvider = c.body(Scope::ZonesWrite, BodyKind::Json)?;
    let p = c.service().create_provider(c.principal, &c.scope, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &ProviderView::new(&p)))
}

async fn get_provider_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let p = c.service().get_provider(c.principal, &c.scope, c.param(0)?).await?;
    Ok(json_response(StatusCode::OK, &ProviderView::new(&p)))
}

async fn update_provider_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: UpdateProvider = c.body(Scope::ZonesWrite, BodyKind::MergePatch)?;
    let p = c.service().update_provider(c.principal, &c.scope, c.param(0)?, body.into()).await?;
    Ok(json_response(StatusCode::OK, &ProviderView::new(&p)))
}

async fn delete_provider_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    c.service().delete_provider(c.principal, &c.scope, c.param(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sign_in_in(c: Call<'_>) -> ApiResult<Response> {
    no_parameters(c.query)?;
    let body: CreateSignIn = c.body(Scope::UsersWrite, BodyKind::Json)?;
    let signed = c.service().sign_in(c.principal, &c.scope, c.param(0)?, body.into()).await?;
    let now = c.service().now();
    let view = SignInView {
        user: UserView::new(&signed.user, c.metadata()),
        session: SessionView::new(&signed.session, c.metadata(), now),
        created: signed.created,
    };
    let status = if signed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json_response(status, &view))
}

zoned!(get list_providers_in, "List the zone's identity providers.", tag = "providers",
    default = (list_providers, "/v1/providers", "providers.list"),
    zoned = (list_zone_providers, "/v1/zones/{zone}/providers", "zones.providers.list"),
    params = [("after" = Option<String>, Query), ("before" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000)],
    responses = [(status = 200, description = "A page of providers", body = ProviderList), CommonErrors]);

zoned!(post create_provider_in, "Register an identity provider.", tag = "providers",
    default = (create_provider, "/v1/providers", "providers.create"),
    zoned = (create_zone_provider, "/v1/zones/{zone}/providers", "zones.providers.create"),
    params = [],
    body = CreateProvider,
    responses = [(status = 201, description = "The provider", body = ProviderView), CommonErrors, BodyErrors]);

zoned!(get get_provider_in, "Retrieve a provider by id or identifier.", tag = "providers",
    default = (get_provider, "/v1/providers/{idp}", "providers.retrieve"),
    zoned = (get_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.retrieve"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    responses = [(status = 200, description = "The provider", body = ProviderView), CommonErrors]);

zoned!(patch update_provider_in, "Update a provider.", tag = "providers",
    default = (update_provider, "/v1/providers/{idp}", "providers.update"),
    zoned = (update_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.update"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    body = UpdateProvider,
    responses = [(status = 200, description = "The provider", body = ProviderView), CommonErrors, BodyErrors]);

zoned!(delete delete_provider_in,
    "Delete a provider; its users stay, with `provider_id` null.", tag = "providers",
    default = (delete_provider, "/v1/providers/{idp}", "providers.delete"),
    zoned = (delete_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.delete"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    responses = [(status = 204, description = "Deleted"), CommonErrors]);

zoned!(post sign_in_in,
    "Sign a subject in through a provider: finds the user by (issuer, subject) or creates it from the claims, records a session. 201 when it created the user, 200 when it found one.",
    tag = "providers",
    default = (create_sign_in, "/v1/providers/{idp}/sign-ins", "providers.sign_ins.create"),
    zoned = (create_zone_sign_in, "/v1/zones/{zone}/providers/{idp}/sign-ins",
        "zones.providers.sign_ins.create"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    body = CreateSignIn,
    responses = [(status = 201, description = "Created the user", body = SignInView),
        (status = 200, description = "Found the user", body = SignInView),
        (status = 409, description = "The user is disabled (`user_disabled`) or a claim clashes",
            body = Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors]);
