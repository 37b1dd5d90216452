//! Errors as RFC 9457 problem+json: the one place where an error becomes
//! an HTTP status and a stable `code`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

use roster_service::ServiceError;

/// Declares the error codes once: each variant's spelling, status and
/// title. Docs and the OpenAPI description are generated from `Code::ALL`;
/// a code named anywhere else is a variant, so a misspelling cannot compile.
macro_rules! codes {
    ($($variant:ident = ($code:literal, $status:literal, $title:literal)),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status),* }
            }

            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }
        }
    };
}

codes! {
    InvalidParameter = ("invalid_parameter", 400, "Invalid parameter"),
    InvalidBody = ("invalid_body", 400, "Invalid body"),
    InvalidCursor = ("invalid_cursor", 400, "Invalid cursor"),
    UnsupportedApiVersion = ("unsupported_api_version", 400, "Unsupported API version"),
    Unauthorized = ("unauthorized", 401, "Unauthorized"),
    InsufficientScope = ("insufficient_scope", 403, "Insufficient scope"),
    NotFound = ("not_found", 404, "Not found"),
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed"),
    RequestTimeout = ("request_timeout", 408, "Request timeout"),
    Conflict = ("conflict", 409, "Conflict"),
    ZoneNotEmpty = ("zone_not_empty", 409, "Zone not empty"),
    UserDisabled = ("user_disabled", 409, "User disabled"),
    IdempotencyKeyInUse = ("idempotency_key_in_use", 409, "Idempotency key in use"),
    CursorExpired = ("cursor_expired", 410, "Cursor expired"),
    PreconditionFailed = ("precondition_failed", 412, "Precondition failed"),
    PayloadTooLarge = ("payload_too_large", 413, "Payload too large"),
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported media type"),
    IdempotencyKeyReused = ("idempotency_key_reused", 422, "Idempotency key reused"),
    RateLimited = ("rate_limited", 429, "Too many requests"),
    Internal = ("internal", 500, "Internal error"),
    Unavailable = ("unavailable", 503, "Service unavailable"),
}

/// Where in a batch an operation's failure lies: `operations[3].id` for a
/// user not found, `operations[3].if_match` for a stale ETag,
/// `operations[3].body.email` for a field.
fn operation_param(index: usize, cause: &ServiceError, param: Option<String>) -> String {
    let at = format!("operations[{index}]");
    match (cause, param) {
        (_, Some(p)) if p.starts_with("operations[") => p,
        (ServiceError::NotFound, _) => format!("{at}.id"),
        (ServiceError::PreconditionFailed, _) => format!("{at}.if_match"),
        (ServiceError::Conflict { .. } | ServiceError::InvalidBody { .. }, Some(p)) => {
            format!("{at}.body.{p}")
        }
        (_, Some(p)) => format!("{at}.{p}"),
        (_, None) => at,
    }
}

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
    fn parts(&self) -> (Code, Option<String>, String) {
        use ServiceError as S;
        match self {
            ApiError::Service(e) => match e {
                S::Unauthorized => (Code::Unauthorized, None, "Missing, unknown or revoked API key.".into()),
                S::InsufficientScope { scope, param, detail } => (
                    Code::InsufficientScope,
                    param.clone(),
                    detail.clone().unwrap_or_else(|| {
                        format!("This API key lacks the {} scope.", scope.as_str())
                    }),
                ),
                S::NotFound => (Code::NotFound, None, "No such resource.".into()),
                S::InvalidParameter { param, detail } => {
                    (Code::InvalidParameter, Some(param.clone()), detail.clone())
                }
                S::InvalidBody { param, detail } => (Code::InvalidBody, param.clone(), detail.clone()),
                S::InvalidCursor { at } => (
                    Code::InvalidCursor,
                    Some(at.as_str().to_owned()),
                    "The cursor is malformed, was forged, or belongs to another zone, sort or filter."
                        .into(),
                ),
                S::Conflict { field } => (
                    Code::Conflict,
                    Some(field.clone()),
                    format!("Another object in this zone already has this {field}."),
                ),
                S::PreconditionFailed => (
                    Code::PreconditionFailed,
                    Some("If-Match".into()),
                    "The resource changed since the given ETag.".into(),
                ),
                S::ZoneNotEmpty => {
                    (Code::ZoneNotEmpty, None, "The zone still holds users; delete them first.".into())
                }
                S::UserDisabled => (Code::UserDisabled, None, "The user is disabled.".into()),
                S::IdempotencyKeyReused => (
                    Code::IdempotencyKeyReused,
                    Some("Idempotency-Key".into()),
                    "This Idempotency-Key was already used with a different request.".into(),
                ),
                S::IdempotencyKeyInUse => (
                    Code::IdempotencyKeyInUse,
                    Some("Idempotency-Key".into()),
                    "A request with this Idempotency-Key is still in progress.".into(),
                ),
                S::BatchFailed { index, cause } => {
                    let (code, param, detail) = ApiError::Service((**cause).clone()).parts();
                    (code, Some(operation_param(*index, cause, param)), detail)
                }
                S::CursorExpired => (
                    Code::CursorExpired,
                    Some("after".into()),
                    "The cursor points before the oldest event kept (events are kept for the \
                     retention period); start again without after."
                        .into(),
                ),
                S::Unavailable(_) => (
                    Code::Unavailable,
                    None,
                    "The service is temporarily unavailable; retry shortly.".into(),
                ),
                S::Internal(_) => (Code::Internal, None, "An internal error occurred.".into()),
            },
            ApiError::PayloadTooLarge { limit } => (
                Code::PayloadTooLarge,
                None,
                format!("Request bodies are limited to {limit} bytes."),
            ),
            ApiError::UnsupportedMediaType { detail } => {
                (Code::UnsupportedMediaType, Some("Content-Type".into()), detail.clone())
            }
            ApiError::UnsupportedApiVersion { given } => (
                Code::UnsupportedApiVersion,
                Some("X-API-Version".into()),
                format!("API version {given:?} is not supported; use v1."),
            ),
            ApiError::RateLimited { retry_after_secs } => (
                Code::RateLimited,
                None,
                format!("Rate limit exceeded; retry in {retry_after_secs} s."),
            ),
            ApiError::ReadShareFull => (
                Code::RateLimited,
                None,
                "This API key already has its fair share of reads running and waiting; \
                 retry in 1 s."
                    .into(),
            ),
            ApiError::MethodNotAllowed => {
                (Code::MethodNotAllowed, None, "This method is not allowed on this path.".into())
            }
            ApiError::RequestTimeout { after } => (
                Code::RequestTimeout,
                None,
                format!("The request was not complete within {} s.", after.as_secs_f64()),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (code, param, detail) = self.parts();
        Problem {
            kind: format!("urn:roster:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail,
            code: code.as_str().to_owned(),
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
