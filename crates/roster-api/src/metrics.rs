//! Prometheus metrics: request counts and latency per route, requests in
//! flight, the build, and the process (`process.rs`).
//!
//! Counters are atomics found through a read-locked map, so recording costs
//! a hash lookup and two atomic adds on the hot path.
//!
//! Every label takes values from a fixed set, so no request can add series:
//! routes are route templates (or `unmatched`), methods fold to the standard
//! ones or `_OTHER`, statuses are the ones Roster answers.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use http::Method;
use parking_lot::{Mutex, RwLock};
use roster_service::auth::AuthCounters;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct RouteStats {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    /// (method label, status) -> requests
    answered: Mutex<HashMap<(&'static str, u16), u64>>,
}

/// The `method` label: a method clients may invent folds to `_OTHER`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "_OTHER",
    }
}

#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<String, Arc<RouteStats>>>,
    auth: Option<Arc<AuthCounters>>,
    in_flight: AtomicI64,
}

/// A request being answered; counted until dropped (also when a handler
/// panics or the client goes away).
pub struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Metrics that also report the service's authentication counters.
    pub fn with_auth(auth: Arc<AuthCounters>) -> Self {
        Self { auth: Some(auth), ..Self::default() }
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    fn route(&self, route: &str) -> Arc<RouteStats> {
        if let Some(v) = self.routes.read().get(route) {
            return v.clone();
        }
        self.routes.write().entry(route.to_owned()).or_default().clone()
    }

    pub fn record(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let stats = self.route(route);
        *stats.answered.lock().entry((method_label(method), status)).or_insert(0) += 1;
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                stats.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        stats.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        stats.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP roster_http_requests_total HTTP requests answered.");
        let _ = writeln!(out, "# TYPE roster_http_requests_total counter");
        let mut routes: Vec<(String, Arc<RouteStats>)> =
            self.routes.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, stats) in &routes {
            let mut rows: Vec<((&'static str, u16), u64)> =
                stats.answered.lock().iter().map(|(k, v)| (*k, *v)).collect();
            rows.sort_unstable();
            for ((method, status), n) in rows {
                let _ = writeln!(
                    out,
                    "roster_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(out, "# HELP roster_http_request_duration_seconds Time to answer.");
        let _ = writeln!(out, "# TYPE roster_http_request_duration_seconds histogram");
        for (route, l) in &routes {
            let labels = format!("route=\"{route}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let n = l.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "roster_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let count = l.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "roster_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = l.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "roster_http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "roster_http_request_duration_seconds_count{{{labels}}} {count}");
        }
        if let Some(auth) = &self.auth {
            let counters = [
                (
                    "roster_auth_failures_total",
                    "Requests refused as unauthorized (401).",
                    &auth.failures,
                ),
                (
                    "roster_auth_key_lookups_total",
                    "API keys looked up in the database.",
                    &auth.lookups,
                ),
                (
                    "roster_auth_negative_cache_hits_total",
                    "Unknown keys refused from the negative cache, without a lookup.",
                    &auth.negative_cache_hits,
                ),
            ];
            for (name, help, value) in counters {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} counter");
                let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
            }
        }
        let _ = writeln!(out, "# HELP roster_build_info The running build; always 1.");
        let _ = writeln!(out, "# TYPE roster_build_info gauge");
        let _ = writeln!(out, "roster_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(out, "# HELP roster_http_requests_in_flight Requests being answered now.");
        let _ = writeln!(out, "# TYPE roster_http_requests_in_flight gauge");
        let _ = writeln!(
            out,
            "roster_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed).max(0)
        );
        crate::process::render(&mut out);
        out
    }
}
