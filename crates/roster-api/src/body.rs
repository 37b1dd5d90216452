//! Request bodies: size limit, media type, JSON.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, header};
use serde_json::Value;

use crate::problem::ApiError;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The raw body, at most `MAX_BODY_BYTES` (else 413 problem+json).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        read_body(&parts.headers, body).await.map(RawBody)
    }
}

/// Reads a body of at most `MAX_BODY_BYTES` (else 413 problem+json).
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES };
    let mut stream = body.into_data_stream();
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        // The client announced the size and will send it all: read and
        // discard it (within bounds) so it receives the 413 rather than a
        // reset connection.
        let drain = async {
            let mut seen = 0usize;
            while let Some(Ok(chunk)) = stream.next().await {
                seen = seen.saturating_add(chunk.len());
                if seen > DRAIN_LIMIT {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::invalid_body(None, "The body could not be read."))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            // A body of unknown size went over the limit: answer now.
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// Reads a request's body before anything else about the request is
/// checked, whatever its method: an oversized body answers 413 first, and a
/// body sent with a GET is read and bounded like any other. A request that
/// announces no body is passed on untouched (no copy on the hot path).
pub async fn buffered(req: Request) -> Result<(Request, Bytes), ApiError> {
    use axum::body::HttpBody as _;
    if req.body().is_end_stream() {
        return Ok((req, Bytes::new()));
    }
    let (parts, body) = req.into_parts();
    let bytes = read_body(&parts.headers, body).await?;
    Ok((Request::from_parts(parts, Body::from(bytes.clone())), bytes))
}

/// A body read but not yet typed, with the headers that say what it is:
/// the handler types it once it knows the key may write it.
pub struct Payload {
    pub headers: HeaderMap,
    pub bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Payload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = read_body(&parts.headers, body).await?;
        Ok(Payload { headers: parts.headers, bytes })
    }
}

/// How long an announced oversized body may take to be discarded.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// How much of an oversized body is read and discarded before answering 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

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
