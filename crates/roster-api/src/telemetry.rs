//! The `request` span as OpenTelemetry sees it, when the binary exports
//! traces (`ApiConfig::traces`): a server span named `GET /v1/users/{id}`
//! with the HTTP semantic conventions' attributes, continuing the caller's
//! trace when its `traceparent` header names one.
//!
//! Only the route template goes out, never the raw path or query, for the
//! reason the access log gives (`middleware::common`): they can hold ids,
//! emails and search terms. Without an exporter none of this runs.

use http::{HeaderMap, Method};
use opentelemetry::trace::Status;
use opentelemetry_http::HeaderExtractor;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Names and parents the span; called before it is first entered, while
/// its parent can still be set.
pub fn start(span: &Span, headers: &HeaderMap, method: &Method, route: Option<&str>) {
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    // Fails only when no OpenTelemetry layer is installed, i.e. when the
    // binary exports nothing, which is when this is not called.
    let _ = span.set_parent(parent);
    // A path no route matches is named by its method alone (the semantic
    // conventions' rule), so that scanners' paths do not each become a name.
    match route {
        Some(route) => {
            span.record("otel.name", format!("{method} {route}"));
            span.set_attribute("http.route", route.to_owned());
        }
        None => {
            span.record("otel.name", method.as_str());
        }
    }
    span.record("otel.kind", "server");
    span.set_attribute("http.request.method", method.as_str().to_owned());
}

/// Puts the answer's status on the span; a 5xx marks it failed (a 4xx is
/// the client's error, not the server's, for a server span).
pub fn finish(span: &Span, status: u16) {
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_attribute("error.type", status.to_string());
        span.set_status(Status::error(""));
    }
}
