//! Sessions and grants.

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
use crate::input::access::{CreateGrant, CreateSession};
use crate::problem::{ApiError, ApiResult};
use crate::query::{no_parameters, parse_id_page};
use crate::views::{GrantList, GrantView, ListView, SessionList, SessionView};

use super::{Call, Raw, run};

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
