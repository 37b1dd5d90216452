//! What every request goes through: request id, API version, metrics; and
//! for `/v1`, authentication, the rate limit and the per-key fair share.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::{HeaderName, HeaderValue, header};
use roster_service::ServiceError;
use tracing::Instrument;

use crate::AppState;
use crate::problem::ApiError;
use crate::ratelimit::Decision;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub static X_API_VERSION: HeaderName = HeaderName::from_static("x-api-version");
static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Request ids: a per-process random prefix and a counter, so generating
/// one costs an atomic add.
struct RequestIds {
    prefix: String,
    next: AtomicU64,
}

static REQUEST_IDS: std::sync::LazyLock<RequestIds> = std::sync::LazyLock::new(|| RequestIds {
    prefix: format!("req_{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff),
    next: AtomicU64::new(1),
});

fn request_id(given: Option<&HeaderValue>) -> HeaderValue {
    if let Some(v) = given {
        let ok =
            !v.is_empty() && v.len() <= 200 && v.as_bytes().iter().all(|b| b.is_ascii_graphic());
        if ok {
            return v.clone();
        }
    }
    let n = REQUEST_IDS.next.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{}{n:08x}", REQUEST_IDS.prefix))
        .unwrap_or(HeaderValue::from_static("req_unknown"))
}

/// Outermost layer of every route: runs the request inside a `request`
/// span and writes the access log line.
pub async fn common(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let _in_flight = state.inner.metrics.in_flight();
    let id = request_id(req.headers().get(&X_REQUEST_ID));
    let method = req.method().clone();
    // The route template (`/v1/users/{id}`), never the raw path or query:
    // those can hold ids, emails and search terms (personal data) and would
    // give every request a label of its own.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let version = req.headers().get(&X_API_VERSION).map(|v| v.to_str().unwrap_or("?").to_owned());
    // `request_id` checked its bytes are visible ASCII, so this never fails.
    let id_text = id.to_str().unwrap_or("req_unknown");
    // At ERROR level so that the span is on whenever anything is logged: an
    // INFO span would vanish under `ROSTER_LOG=warn`, and with it the
    // request id of the very warnings and errors one filters down to.
    let span = tracing::error_span!(
        "request",
        request_id = %id_text,
        method = %method,
        route = %route,
        // Filled by `telemetry::start` when traces are exported, and only
        // then: the OpenTelemetry span's name and kind.
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
    );
    let traced = state.inner.config.traces.then(|| {
        let matched = matched.as_ref().map(MatchedPath::as_str);
        crate::telemetry::start(&span, req.headers(), &method, matched);
        span.clone()
    });
    let handled = async move {
        match version {
            Some(v) if v != "v1" => ApiError::UnsupportedApiVersion { given: v }.into_response(),
            // A bug that panics answers 500 instead of dropping the connection.
            _ => match AssertUnwindSafe(next.run(req)).catch_unwind().await {
                Ok(response) => response,
                Err(_) => {
                    tracing::error!("handler panicked");
                    ApiError::Service(ServiceError::Internal("handler panicked".into()))
                        .into_response()
                }
            },
        }
    };
    let mut response = handled.instrument(span).await;
    let latency = start.elapsed();
    let status = response.status().as_u16();
    if let Some(span) = traced {
        crate::telemetry::finish(&span, status);
    }
    state.inner.metrics.record(&method, route, status, latency);
    if state.inner.config.access_log {
        // Outside the span, with every field of its own: one line says it
        // all, in text as in JSON. No headers (Authorization), no query, no
        // body.
        tracing::info!(
            target: "roster::access",
            method = %method,
            route = %route,
            status,
            // Microsecond precision: nanoseconds are noise in a log line.
            latency_ms = latency.as_micros() as f64 / 1000.0,
            request_id = %id_text,
            "request"
        );
    }
    let headers = response.headers_mut();
    headers.insert(X_API_VERSION.clone(), HeaderValue::from_static("v1"));
    headers.insert(X_REQUEST_ID.clone(), id);
    response
}

fn put_rate_headers(response: &mut Response, d: &Decision) {
    let headers = response.headers_mut();
    headers.insert(RATELIMIT_LIMIT.clone(), HeaderValue::from(d.limit));
    headers.insert(RATELIMIT_REMAINING.clone(), HeaderValue::from(d.remaining));
    headers.insert(RATELIMIT_RESET.clone(), HeaderValue::from(d.reset_secs));
}

/// Reads are what the per-key fair share counts (see `fairness.rs`).
fn is_read(method: &http::Method) -> bool {
    *method == http::Method::GET || *method == http::Method::HEAD
}

/// The secret of an `Authorization: Bearer <secret>` header (the scheme in
/// any case), or `None` for any other header or none.
fn bearer_secret(header: Option<&str>) -> Option<&str> {
    let (scheme, secret) = header?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// Layer of the `/v1` routes: finds the caller, charges its bucket, holds
/// its reads to their fair share, then reads the body and runs a POST under
/// its `Idempotency-Key` (`handlers::idempotency::around`).
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // An address over its failure limit is refused before its key is even
    // looked up, a correct key included: that is what makes guessing cheap
    // to refuse (README, "Failed authentication").
    let client = crate::guard::client_address(&req);
    let failures = state.inner.auth_failures.as_ref().zip(client);
    if let Some(Err(retry_after_secs)) = failures.map(|(limiter, ip)| limiter.check(ip)) {
        return ApiError::RateLimited { retry_after_secs }.into_response();
    }
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let principal = match state.inner.service.authenticate(bearer_secret(authorization)).await {
        Ok(p) => p,
        Err(e) => {
            if let (ServiceError::Unauthorized, Some((limiter, ip))) = (&e, failures) {
                limiter.failed(ip);
            }
            return ApiError::from(e).into_response();
        }
    };
    let decision = state.inner.limiter.as_ref().map(|l| l.check(&principal.key_id));
    if let Some(d) = decision.filter(|d| !d.allowed) {
        let mut response =
            ApiError::RateLimited { retry_after_secs: d.retry_after_secs }.into_response();
        put_rate_headers(&mut response, &d);
        return response;
    }
    req.extensions_mut().insert(Arc::clone(&principal));
    let run = |req| crate::handlers::idempotency::around(&state, &principal, req, next);
    let mut response = match state.inner.fair.as_ref().filter(|_| is_read(req.method())) {
        Some(fair) => match fair.admit(&principal.key_id) {
            Some(ticket) => {
                let _turn = ticket.turn().await;
                run(req).await
            }
            // The key's share is full: see `fairness.rs`.
            None => ApiError::ReadShareFull.into_response(),
        },
        None => run(req).await,
    };
    if let Some(d) = decision {
        put_rate_headers(&mut response, &d);
    }
    response
}
