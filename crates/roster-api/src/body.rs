//! Request bodies: size limit, media type, JSON.

use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use http::{HeaderMap, header};
use serde_json::Value;

use crate::problem::ApiError;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The raw body, at most `MAX_BODY_BYTES` (else 413 problem+json).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let too_large = ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large);
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES })?;
        Ok(RawBody(bytes))
    }
}

/// Which media types a body may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/json` or `application/merge-patch+json`.
    MergePatch,
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

/// Checks the media type and parses the body as JSON.
pub fn parse_json(headers: &HeaderMap, body: &[u8], kind: BodyKind) -> Result<Value, ApiError> {
    let media = media_type(headers);
    let accepted = matches!(
        (kind, media.as_deref()),
        (_, Some("application/json"))
            | (BodyKind::MergePatch, Some("application/merge-patch+json"))
    );
    if !accepted {
        let expected = match kind {
            BodyKind::Json => "application/json",
            BodyKind::MergePatch => "application/json or application/merge-patch+json",
        };
        return Err(ApiError::UnsupportedMediaType {
            detail: format!(
                "The body must be {expected}; got {}.",
                media.as_deref().unwrap_or("no Content-Type")
            ),
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_body(None, "The body is empty; send a JSON object."));
    }
    serde_json::from_slice::<Value>(body).map_err(|e| {
        let why = if std::str::from_utf8(body).is_err() {
            "The body is not valid UTF-8.".to_owned()
        } else {
            format!("The body is not valid JSON: {e}.")
        };
        ApiError::invalid_body(None, why)
    })
}
