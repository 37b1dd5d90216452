//! Errors as RFC 9457 problem+json: the one place where an error becomes
//! an HTTP status and a stable `code`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

use roster_service::ServiceError;

/// Every error code, its status and title, declared once. Docs and the
/// OpenAPI description are generated from this table.
pub const CODES: &[(&str, u16, &str)] = &[
    ("invalid_parameter", 400, "Invalid parameter"),
    ("invalid_body", 400, "Invalid body"),
    ("invalid_cursor", 400, "Invalid cursor"),
    ("unsupported_api_version", 400, "Unsupported API version"),
    ("unauthorized", 401, "Unauthorized"),
    ("insufficient_scope", 403, "Insufficient scope"),
    ("not_found", 404, "Not found"),
    ("method_not_allowed", 405, "Method not allowed"),
    ("request_timeout", 408, "Request timeout"),
    ("conflict", 409, "Conflict"),
    ("zone_not_empty", 409, "Zone not empty"),
    ("user_disabled", 409, "User disabled"),
    ("idempotency_key_in_use", 409, "Idempotency key in use"),
    ("precondition_failed", 412, "Precondition failed"),
    ("payload_too_large", 413, "Payload too large"),
    ("unsupported_media_type", 415, "Unsupported media type"),
    ("idempotency_key_reused", 422, "Idempotency key reused"),
    ("rate_limited", 429, "Too many requests"),
    ("internal", 500, "Internal error"),
    ("unavailable", 503, "Service unavailable"),
];

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:roster:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// The parameter or field at fault, as the client spelled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub param: String,
    pub detail: String,
}

/// An error of the HTTP layer: the service's, plus what only HTTP knows.
#[derive(Debug, Clone)]
pub enum ApiError {
    Service(ServiceError),
    PayloadTooLarge { limit: usize },
    UnsupportedMediaType { detail: String },
    UnsupportedApiVersion { given: String },
    RateLimited { retry_after_secs: u64 },
    ReadShareFull,
    MethodNotAllowed,
    RequestTimeout { after: std::time::Duration },
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::Service(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid_parameter(param: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Service(ServiceError::invalid_parameter(param, detail))
    }

    pub fn invalid_body(param: Option<String>, detail: impl Into<String>) -> Self {
        ApiError::Service(ServiceError::InvalidBody { param, detail: detail.into() })
    }

    pub fn not_found() -> Self {
        ApiError::Service(ServiceError::NotFound)
    }

    /// (code, param, detail)
    fn parts(&self) -> (&'static str, Option<String>, String) {
        use ServiceError as S;
        match self {
            ApiError::Service(e) => match e {
                S::Unauthorized => ("unauthorized", None, "Missing, unknown or revoked API key.".into()),
                S::InsufficientScope { scope, param, detail } => (
                    "insufficient_scope",
                    param.clone(),
                    detail.clone().unwrap_or_else(|| {
                        format!("This API key lacks the {} scope.", scope.as_str())
                    }),
                ),
                S::NotFound => ("not_found", None, "No such resource.".into()),
                S::InvalidParameter { param, detail } => {
                    ("invalid_parameter", Some(param.clone()), detail.clone())
                }
                S::InvalidBody { param, detail } => ("invalid_body", param.clone(), detail.clone()),
                S::InvalidCursor { param } => (
                    "invalid_cursor",
                    Some(param.clone()),
                    "The cursor is malformed, was forged, or belongs to another zone, sort or filter."
                        .into(),
                ),
                S::Conflict { field } => (
                    "conflict",
                    Some(field.clone()),
                    format!("Another object in this zone already has this {field}."),
                ),
                S::PreconditionFailed => (
                    "precondition_failed",
                    Some("If-Match".into()),
                    "The resource changed since the given ETag.".into(),
                ),
                S::ZoneNotEmpty => {
                    ("zone_not_empty", None, "The zone still holds users; delete them first.".into())
                }
                S::UserDisabled => ("user_disabled", None, "The user is disabled.".into()),
                S::IdempotencyKeyReused => (
                    "idempotency_key_reused",
                    Some("Idempotency-Key".into()),
                    "This Idempotency-Key was already used with a different request.".into(),
                ),
                S::IdempotencyKeyInUse => (
                    "idempotency_key_in_use",
                    Some("Idempotency-Key".into()),
                    "A request with this Idempotency-Key is still in progress.".into(),
                ),
                S::Unavailable(_) => (
                    "unavailable",
                    None,
                    "The service is temporarily unavailable; retry shortly.".into(),
                ),
                S::Internal(_) => ("internal", None, "An internal error occurred.".into()),
            },
            ApiError::PayloadTooLarge { limit } => (
                "payload_too_large",
                None,
                format!("Request bodies are limited to {limit} bytes."),
            ),
            ApiError::UnsupportedMediaType { detail } => {
                ("unsupported_media_type", Some("Content-Type".into()), detail.clone())
            }
            ApiError::UnsupportedApiVersion { given } => (
                "unsupported_api_version",
                Some("X-API-Version".into()),
                format!("API version {given:?} is not supported; use v1."),
            ),
            ApiError::RateLimited { retry_after_secs } => (
                "rate_limited",
                None,
                format!("Rate limit exceeded; retry in {retry_after_secs} s."),
            ),
            ApiError::ReadShareFull => (
                "rate_limited",
                None,
                "This API key already has its fair share of reads running and waiting; \
                 retry in 1 s."
                    .into(),
            ),
            ApiError::MethodNotAllowed => {
                ("method_not_allowed", None, "This method is not allowed on this path.".into())
            }
            ApiError::RequestTimeout { after } => (
                "request_timeout",
                None,
                format!("The request was not complete within {} s.", after.as_secs_f64()),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (code, param, detail) = self.parts();
        let (status, title) = CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, s, t)| (*s, *t))
            .unwrap_or((500, "Internal error"));
        Problem {
            kind: format!("urn:roster:problem:{code}"),
            title: title.to_owned(),
            status,
            detail,
            code: code.to_owned(),
            param,
            errors: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

/// True at most once per second.
fn unavailable_log_due() -> bool {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let last = LAST.load(Ordering::Relaxed);
    now != last && LAST.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The cause goes to the log, never to the client.
        match &self {
            ApiError::Service(ServiceError::Internal(why)) => {
                tracing::error!(error = %why, "request failed");
            }
            ApiError::Service(ServiceError::Unavailable(why)) if unavailable_log_due() => {
                // While the database is away every request fails the same
                // way: say so once a second, not once a request.
                tracing::warn!(error = %why, "database unavailable; answering 503");
            }
            _ => {}
        }
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = crate::encode::json_bytes(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            ApiError::Service(ServiceError::Unauthorized) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::ReadShareFull => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::Service(ServiceError::Unavailable(_)) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}
