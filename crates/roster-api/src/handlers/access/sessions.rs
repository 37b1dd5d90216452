//! Sessions and grants.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use roster_domain::Scope;

use crate::body::{BodyKind, Payload};
use crate::handlers::tenant::Tenant;
use crate::handlers::{BodyErrors, CommonErrors, json_response};
use crate::input::access::{CreateGrant, CreateSession};
use crate::problem::ApiResult;
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{GrantList, GrantView, ListView, SessionList, SessionView};

// Sessions.

async fn list_sessions_in(t: Tenant, Params(request): Params<IdPageParams>) -> ApiResult<Response> {
    let page = t.service().list_sessions(&t.principal, &t.scope, t.id(0)?, &request).await?;
    let (metadata, now) = (t.metadata(), t.service().now());
    Ok(json_response(StatusCode::OK, &ListView::new(&page, |s| SessionView::new(s, metadata, now))))
}

async fn create_session_in(
    t: Tenant,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    let body: CreateSession = t.body(Scope::UsersWrite, BodyKind::Json, &payload)?;
    let s = t.service().create_session(&t.principal, &t.scope, t.id(0)?, body.into()).await?;
    let now = t.service().now();
    Ok(json_response(StatusCode::CREATED, &SessionView::new(&s, t.metadata(), now)))
}

async fn get_session_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    let s = t.service().get_session(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    let now = t.service().now();
    Ok(json_response(StatusCode::OK, &SessionView::new(&s, t.metadata(), now)))
}

async fn delete_session_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    t.service().revoke_session(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_sessions_in, "List a user's sessions (live, expired and revoked).",
    tag = "sessions",
    default = (list_sessions, "/v1/users/{id}/sessions", "users.sessions.list"),
    zoned = (list_zone_sessions, "/v1/zones/{zone}/users/{id}/sessions", "zones.users.sessions.list"),
    params = [("id" = String, Path, description = "User id"),
        IdPageParams],
    responses = [(status = 200, description = "A page of sessions", body = SessionList), CommonErrors]);

zoned!(post create_session_in,
    "Record an authentication; sets the user's `authenticated_at`. A disabled user answers 409 `user_disabled`.",
    tag = "sessions",
    default = (create_session, "/v1/users/{id}/sessions", "users.sessions.create"),
    zoned = (create_zone_session, "/v1/zones/{zone}/users/{id}/sessions",
        "zones.users.sessions.create"),
    params = [("id" = String, Path, description = "User id")],
    body = [content = CreateSession, content_type = "application/json"],
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

async fn list_grants_in(t: Tenant, Params(request): Params<IdPageParams>) -> ApiResult<Response> {
    let page = t.service().list_grants(&t.principal, &t.scope, t.id(0)?, &request).await?;
    let (metadata, now) = (t.metadata(), t.service().now());
    Ok(json_response(StatusCode::OK, &ListView::new(&page, |g| GrantView::new(g, metadata, now))))
}

async fn create_grant_in(t: Tenant, _: Params<NoParams>, payload: Payload) -> ApiResult<Response> {
    let body: CreateGrant = t.body(Scope::UsersWrite, BodyKind::Json, &payload)?;
    let g = t.service().create_grant(&t.principal, &t.scope, t.id(0)?, body.into()).await?;
    let now = t.service().now();
    Ok(json_response(StatusCode::CREATED, &GrantView::new(&g, t.metadata(), now)))
}

async fn get_grant_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    let g = t.service().get_grant(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    let now = t.service().now();
    Ok(json_response(StatusCode::OK, &GrantView::new(&g, t.metadata(), now)))
}

async fn delete_grant_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    t.service().revoke_grant(&t.principal, &t.scope, t.id(0)?, t.id(1)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list_grants_in, "List a user's delegated grants.", tag = "grants",
    default = (list_grants, "/v1/users/{id}/grants", "users.grants.list"),
    zoned = (list_zone_grants, "/v1/zones/{zone}/users/{id}/grants", "zones.users.grants.list"),
    params = [("id" = String, Path, description = "User id"),
        IdPageParams],
    responses = [(status = 200, description = "A page of grants", body = GrantList), CommonErrors]);

zoned!(post create_grant_in, "Delegate a grant to a client for a resource.", tag = "grants",
    default = (create_grant, "/v1/users/{id}/grants", "users.grants.create"),
    zoned = (create_zone_grant, "/v1/zones/{zone}/users/{id}/grants", "zones.users.grants.create"),
    params = [("id" = String, Path, description = "User id")],
    body = [content = CreateGrant, content_type = "application/json"],
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
