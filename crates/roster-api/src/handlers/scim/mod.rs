//! SCIM 2.0 (RFC 7643/7644) at `/scim/v2` (the key's default zone) and
//! `/scim/v2/zones/{zone}`: Roster's users as SCIM Users, on the same use
//! cases as `/v1`, so every rule (scopes, zones, uniqueness, ETags, events)
//! holds unchanged. SCIM is described by its own discovery endpoints
//! (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`), not OpenAPI.
//!
//! Errors: every failure inside the SCIM routes (the authentication
//! middleware's included) is answered as a SCIM error (`scim_errors`):
//! the problem+json of the rest of the API translated once, here.

/// A resource's `GET /X` and `POST /X/.search`: the same list request,
/// from the query string or the body, answered by the resource's `$page`.
macro_rules! list_handlers {
    ($page:ident) => {
        pub async fn list(
            t: Tenant,
            axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
            axum::extract::RawQuery(raw): axum::extract::RawQuery,
        ) -> ScimResult<Response> {
            let request = ListRequest::from_query(&query_pairs(raw.as_deref()))?;
            let (total, resources) = $page(&t, &uri, &request).await?;
            Ok(list_body(total, request.start_index, resources))
        }

        pub async fn search(
            t: Tenant,
            axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
            payload: Payload,
        ) -> ScimResult<Response> {
            let request = search_request(&json_body(&payload)?)?;
            let (total, resources) = $page(&t, &uri, &request).await?;
            Ok(list_body(total, request.start_index, resources))
        }
    };
}

mod bulk;
mod discovery;
mod groups;
mod users;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

use roster_domain::Scope;
use roster_scim::ScimError;
use roster_service::Principal;

use crate::AppState;
use crate::body::Payload;
use crate::problem::ApiError;

pub const SCIM_JSON: &str = "application/scim+json";

/// The SCIM routes, relative to `/scim/v2` (and `/scim/v2/zones/{zone}`).
fn resources() -> Router<AppState> {
    Router::new()
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route(
            "/Users/{id}",
            get(users::get).put(users::replace).patch(users::patch).delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", post(groups::search))
        .route(
            "/Groups/{id}",
            get(groups::get).put(groups::replace).patch(groups::patch).delete(groups::delete),
        )
        .route("/.search", post(search_all))
        .route("/Me", axum::routing::any(not_implemented))
        .route("/ServiceProviderConfig", get(discovery::service_provider_config))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
}

/// Users and Groups at the root and under `/zones/{zone}`, without the
/// authentication layers: `/Bulk` runs its operations through these.
fn routes_without_auth() -> Router<AppState> {
    Router::new().merge(resources()).nest("/zones/{zone}", resources())
}

pub fn router(state: AppState) -> Router<AppState> {
    let bulk = Router::new().route("/Bulk", post(bulk::bulk));
    let routes = routes_without_auth()
        .merge(bulk.clone())
        .nest("/zones/{zone}", bulk)
        .route_layer(from_fn(require_scim))
        .route_layer(from_fn_with_state(state, crate::middleware::authenticate));
    routes
        .fallback(|| async { Failure::Scim(ScimError::not_found("no such SCIM endpoint")) })
        .method_not_allowed_fallback(|| async {
            Failure::Scim(ScimError::status(405, "method not allowed here"))
        })
        .layer(from_fn(scim_errors))
}

/// The `scim` scope, or both `users:write` and `roles:write` (what SCIM's
/// operations are made of).
async fn require_scim(req: Request, next: Next) -> Response {
    let allowed = req.extensions().get::<std::sync::Arc<Principal>>().is_some_and(|p| {
        p.scopes.allows(Scope::Scim)
            || (p.scopes.allows(Scope::UsersWrite) && p.scopes.allows(Scope::RolesWrite))
    });
    if !allowed {
        return Failure::Scim(ScimError::status(
            403,
            "this API key lacks the scim scope (or users:write and roles:write)",
        ))
        .into_response();
    }
    next.run(req).await
}

/// `POST /.search` at the root: users and groups alike (RFC 7644
/// §3.4.3), the users first.
async fn search_all(
    t: crate::handlers::tenant::Tenant,
    uri: axum::extract::OriginalUri,
    payload: Payload,
) -> ScimResult<Response> {
    users::search_everything(t, uri, payload).await
}

/// The SCIM root itself (`/scim/v2/`): no endpoint, answered as SCIM.
pub async fn no_endpoint() -> Failure {
    Failure::Scim(ScimError::not_found("no such SCIM endpoint"))
}

async fn not_implemented() -> Failure {
    Failure::Scim(ScimError::status(501, "not implemented: see ServiceProviderConfig"))
}

/// A SCIM handler's failure: an error of the API's own layers (mapped to
/// SCIM by `scim_errors`) or a SCIM protocol error.
pub enum Failure {
    Api(ApiError),
    Scim(ScimError),
}

impl<E: Into<ApiError>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Api(e.into())
    }
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure::Scim(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => e.into_response(),
            Failure::Scim(e) => scim_response(
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
                &e.body(),
            ),
        }
    }
}

pub type ScimResult<T> = Result<T, Failure>;

pub fn scim_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// The request's body as JSON: `application/scim+json` or
/// `application/json` (what clients send), within the API's size limit.
pub fn json_body(payload: &Payload) -> ScimResult<Value> {
    let media = payload
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    if let Some(m) = media.filter(|m| m != SCIM_JSON && m != "application/json") {
        return Err(ScimError::status(
            415,
            format!("the body must be {SCIM_JSON} or application/json, not {m}"),
        )
        .into());
    }
    serde_json::from_slice(&payload.bytes)
        .map_err(|e| ScimError::invalid_syntax(format!("the body is not JSON: {e}")).into())
}

/// Problem+json from the API's layers, answered as a SCIM error: the
/// status kept, the problem's code read for the `scimType`.
async fn scim_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let problem: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let error = scim_error_of(parts.status.as_u16(), &problem);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&error.body()).unwrap_or_default()))
}

/// Roster's names of the user's fields, as a SCIM client spells them.
fn scim_name(param: &str) -> &str {
    match param {
        "identifier" => "userName",
        "email" => "emails",
        "name" => "displayName",
        "first_name" => "name.givenName",
        "last_name" => "name.familyName",
        "external_id" => "externalId",
        other => other,
    }
}

fn scim_error_of(status: u16, problem: &Value) -> ScimError {
    let code = problem["code"].as_str().unwrap_or("");
    let param = problem["param"].as_str().map(scim_name);
    let detail = problem["detail"].as_str().unwrap_or("request failed");
    let detail = match param {
        Some(p) => format!("{p}: {detail}"),
        None => detail.to_owned(),
    };
    match (code, param) {
        ("conflict", _) => ScimError::uniqueness(detail),
        // The service's bounded walks: what the request asked costs more.
        ("invalid_parameter", Some("filter" | "members" | "startIndex")) => {
            ScimError::too_many(detail)
        }
        ("invalid_parameter" | "invalid_body", _) => ScimError::invalid_value(detail),
        _ => ScimError::status(status, detail),
    }
}

/// The SCIM root the request came through, absolute: the public URL, then
/// `/scim/v2` or `/scim/v2/zones/{zone}`.
pub fn base_url(state: &AppState, uri: &http::Uri) -> String {
    let public = state.inner.config.public_url.trim_end_matches('/');
    let segments: Vec<&str> = uri.path().split('/').collect();
    // ["", "scim", "v2", "zones", "{zone}", …]
    let root = if segments.get(3) == Some(&"zones") && segments.len() > 4 {
        segments[..5].join("/")
    } else {
        "/scim/v2".to_owned()
    };
    format!("{public}{root}")
}
