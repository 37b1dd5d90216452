//! `Idempotency-Key` on every POST but API-key creation (whose response
//! holds a secret that is never stored), run by `middleware::authenticate`
//! once the caller is known (a layer of its own would cost every request a
//! tower hop; see BENCHMARKS.md).
//!
//! User creation stores its replay in the same transaction as the user (see
//! `users.rs`); it finds the key's request in the request's extensions. Every
//! other POST's answer (a success or a refusal below 500) is recorded right
//! after it is made, so a retry replays it instead of creating a second
//! session, grant or role.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};

use roster_service::IdempotencyRecord;
use roster_service::Principal;
use roster_service::idempotency::{Begin, IdempotencyRequest};

use super::{JSON, header_str};
use crate::AppState;
use crate::body::buffered;
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

/// Whether a response is remembered for its `Idempotency-Key`: below 500,
/// except 401, 403 and 429 (which a retry may well get past).
fn stored(status: StatusCode) -> bool {
    status.as_u16() < 500 && !matches!(status.as_u16(), 401 | 403 | 429)
}

/// Marks a response whose replay the request already stored in its own
/// write transaction (user creation): the wrapper must not store it again.
#[derive(Clone, Copy)]
pub struct StoredWithWrite;

/// The key's request, for a handler that stores its replay in its own
/// write transaction (and marks its response `StoredWithWrite`).
#[derive(Clone)]
pub struct Replayable(pub IdempotencyRequest);

/// Routes whose POST ignores `Idempotency-Key`: creating an API key answers
/// its secret, which is never stored.
const NOT_REPLAYED: &[&str] = &["/v1/api-keys"];

/// Reads the body (413 before anything else), then runs a POST under its
/// `Idempotency-Key`, if it has one; anything else as it is.
pub async fn around(
    state: &AppState,
    principal: &Arc<Principal>,
    req: Request,
    next: Next,
) -> Response {
    let (req, body) = match buffered(req).await {
        Ok(read) => read,
        Err(e) => return e.into_response(),
    };
    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    if req.method() != Method::POST || route.is_some_and(|r| NOT_REPLAYED.contains(&r)) {
        return next.run(req).await;
    }
    idempotent(state, principal, req, body, next).await.unwrap_or_else(IntoResponse::into_response)
}

async fn idempotent(
    state: &AppState,
    principal: &Principal,
    req: Request,
    body: Bytes,
    next: Next,
) -> ApiResult<Response> {
    let Some(key) = header_str(req.headers(), "Idempotency-Key")? else {
        return Ok(next.run(req).await);
    };
    // Visible ASCII, as documented (`^[!-~]{1,255}$`): no spaces.
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_parameter(
            "Idempotency-Key",
            "must be 1-255 visible ASCII characters",
        ));
    }
    // The query is part of the request: a retry must send the same one.
    let target = req.uri().path_and_query().map_or(req.uri().path(), |pq| pq.as_str());
    let request = IdempotencyRequest::new(key, "POST", target, &body);
    let service = &state.inner.service;
    let _claim = match service.idempotency_begin(principal, &request).await? {
        Begin::Replay(record) => return Ok(replay(record)),
        Begin::Proceed(claim) => claim,
    };
    let mut req = req;
    req.extensions_mut().insert(Replayable(request.clone()));
    let response = next.run(req).await;
    if response.extensions().get::<StoredWithWrite>().is_some() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Service(roster_service::ServiceError::Internal(e.to_string())))?;
    let status = parts.status.as_u16();
    if parts.status.is_client_error() || parts.status.is_server_error() {
        // Another node may have answered the same request meanwhile (the
        // loser of such a race fails on a uniqueness rule): answer as it
        // did.
        if let Ok(Some(record)) = service.stored_response(principal, &request).await {
            return Ok(replay(record));
        }
    }
    if stored(parts.status) {
        let location = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok());
        let record = service.idempotency_record(
            principal,
            &request,
            status,
            bytes.to_vec(),
            location.map(str::to_owned),
        );
        if let Err(e) = service.idempotency_save(&record).await {
            tracing::warn!(error = %e, "could not store an idempotent response");
        }
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}
