//! Handlers: parse the request into domain terms, call the service, render.

// First: the handler modules use its macro.
#[macro_use]
mod zoned;

pub mod access;
pub mod batch;
pub mod events;
pub mod idempotency;
pub mod keys;
pub mod ops;
pub mod scim;
pub mod tenant;
pub mod users;
pub mod webhooks;
pub mod zones;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::IntoResponses;

use crate::problem::{ApiError, Problem};

pub const JSON: &str = "application/json; charset=utf-8";

/// Path parameters, in order (see `tenant::path_params` for the 404s).
pub struct PathParams(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = tenant::path_params(parts, state).await?;
        Ok(PathParams(params.iter().map(|(_, value)| value.to_owned()).collect()))
    }
}

impl PathParams {
    pub fn get(&self, i: usize) -> Result<&str, ApiError> {
        self.0.get(i).map(String::as_str).ok_or_else(ApiError::not_found)
    }
}

pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    json_response_sized(status, value, 1024)
}

/// `json_response` for a body of about `capacity` bytes.
pub fn json_response_sized<T: Serialize>(
    status: StatusCode,
    value: &T,
    capacity: usize,
) -> Response {
    match crate::encode::json_bytes_sized(value, capacity) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            response
        }
        Err(e) => ApiError::Service(roster_service::ServiceError::Internal(e)).into_response(),
    }
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            ApiError::invalid_parameter(name, format!("the {name} header must be visible ASCII"))
        }),
    }
}

/// Errors every authenticated endpoint may answer.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum CommonErrors {
    /// A parameter or the body is invalid (`invalid_parameter`, `invalid_body`,
    /// `invalid_cursor`, `unsupported_api_version`).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing, malformed, unknown or revoked API key.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The key lacks a scope the request needs.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such resource, or one this key may not see.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The key's rate limit is exhausted; see `Retry-After`.
    #[response(status = 429, content_type = "application/problem+json")]
    RateLimited(Problem),
    /// The database is unreachable or overloaded; retry.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Errors of endpoints that take a body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// A uniqueness rule was broken; `param` names the field.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The body is larger than 1 MiB.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
}
