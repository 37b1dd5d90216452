//! `Idempotency-Key` on every POST.
//!
//! User creation stores its replay in the same transaction as the user (see
//! `users.rs`). Every other POST goes through `idempotent`: the response is
//! recorded right after the request succeeded, so a retry replays it instead
//! of creating a second session, grant, role or key.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use roster_service::IdempotencyRecord;
use roster_service::Principal;
use roster_service::idempotency::{Begin, IdempotencyRequest};

use super::{JSON, header_str};
use crate::AppState;
use crate::problem::{ApiError, ApiResult, PROBLEM_JSON};

/// The stored response, marked as a replay.
fn replay(record: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK);
    let mut response = (status, record.body).into_response();
    let headers = response.headers_mut();
    let content_type = if record.status >= 400 { PROBLEM_JSON } else { JSON };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(location) = record.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Whether an error response is remembered for its `Idempotency-Key`:
/// below 500, except 401, 403 and 429 (which a retry may well get past).
fn stored_error(e: &ApiError) -> bool {
    let status = e.status().as_u16();
    status < 500 && !matches!(status, 401 | 403 | 429)
}

/// Marks a response whose replay the request already stored in its own
/// write transaction (user creation): the wrapper must not store it again.
#[derive(Clone, Copy)]
pub struct StoredWithWrite;

/// Runs a POST under its `Idempotency-Key`, if it has one. `run` receives
/// the key's request (to store its replay in its own transaction and mark
/// the response `StoredWithWrite`) or `None` when the POST has no key.
pub async fn idempotent<F, Fut>(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
    run: F,
) -> ApiResult<Response>
where
    F: FnOnce(Option<IdempotencyRequest>) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Response>>,
{
    let Some(key) = header_str(headers, "Idempotency-Key")? else { return run(None).await };
    let service = &state.inner.service;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(ApiError::invalid_parameter(
            "Idempotency-Key",
            "must be 1-255 visible ASCII characters",
        ));
    }
    let request = IdempotencyRequest::new(key, "POST", path, body);
    let _claim = match service.idempotency_begin(principal, &request).await? {
        Begin::Replay(record) => return Ok(replay(record)),
        Begin::Proceed(claim) => claim,
    };
    let (status, location, bytes, outcome) = match run(Some(request.clone())).await {
        Ok(response) if response.extensions().get::<StoredWithWrite>().is_some() => {
            return Ok(response);
        }
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| {
                ApiError::Service(roster_service::ServiceError::Internal(e.to_string()))
            })?;
            let location = parts
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let status = parts.status.as_u16();
            let rebuilt = Response::from_parts(parts, axum::body::Body::from(bytes.clone()));
            (status, location, bytes.to_vec(), Ok(rebuilt))
        }
        Err(e) => {
            // Another node may have answered the same request meanwhile (the
            // loser of such a race fails on a uniqueness rule): answer as it
            // did.
            if let Ok(Some(record)) = service.stored_response(principal, &request).await {
                return Ok(replay(record));
            }
            if !stored_error(&e) {
                return Err(e);
            }
            let bytes = crate::encode::json_bytes(&e.problem()).unwrap_or_default();
            (e.status().as_u16(), None, bytes, Err(e))
        }
    };
    if status < 500 {
        let record = service.idempotency_record(principal, &request, status, bytes, location);
        if let Err(e) = service.idempotency_save(&record).await {
            tracing::warn!(error = %e, "could not store an idempotent response");
        }
    }
    outcome
}
