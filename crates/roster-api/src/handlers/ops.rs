//! Operations endpoints: no key needed.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

use super::json_response;
use crate::AppState;
use crate::problem::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` from `/healthz`, `ready` from `/readyz`.
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "health.check",
    security(()),
    responses((status = 200, description = "Up", body = Health)))]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "health.ready",
    security(()),
    responses((status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database is unreachable", body = Problem,
            content_type = "application/problem+json")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.inner.service.ready().await {
        Ok(()) => json_response(StatusCode::OK, &Health { status: "ready" }),
        Err(e) => {
            let why = e.to_string();
            ApiError::Service(roster_service::ServiceError::Unavailable(why)).into_response()
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics.get",
    security(()),
    responses((status = 200, description = "Prometheus text format", body = String,
        content_type = "text/plain; version=0.0.4")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.inner.metrics.render();
    let service = &state.inner.service;
    crate::store_metrics::render(&mut text, service.store_counters(), &service.store_stats());
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi.get",
    security(()),
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    let mut response = state.inner.openapi_json.clone().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(super::JSON));
    response
}

/// Human-readable API reference, rendered from the OpenAPI document.
#[utoipa::path(get, path = "/docs", tag = "operations", operation_id = "docs.get",
    security(()),
    responses((status = 200, description = "HTML", body = String, content_type = "text/html")))]
pub async fn docs(State(state): State<AppState>) -> Response {
    let mut response = state.inner.docs_html.clone().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}
