//! The load generator: `connections` keep-alive connections, each sending
//! its next request as soon as the last answer arrived (closed loop), every
//! latency recorded in an HDR histogram.
//!
//! Closed-loop load hides queueing delay that an open-loop generator would
//! see (coordinated omission): the percentiles are those of requests
//! actually sent, at the rate the server sustained.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hdrhistogram::Histogram;

use crate::http::{HttpConn, RequestBuilder};
use crate::procfs;
use crate::seed::Rng;

/// What a scenario sends.
#[derive(Clone)]
pub enum Target {
    /// The same GET every time.
    Get(String),
    /// GET /v1/users/{id} for a random id of the list.
    /// GET `<prefix>/{id}` for random existing ids; the prefix is
    /// `/v1/users` or a zone's `/v1/zones/{zone}/users`.
    /// `prefix`, a random user's id, `suffix`.
    GetRandomUser { prefix: &'static str, suffix: &'static str, ids: Arc<Vec<String>> },
    /// POST /v1/users with a unique email each time.
    Create { run: String },
    /// A merge patch of one attribute of a random existing user.
    Patch { ids: Arc<Vec<String>> },
}

#[derive(Clone)]
pub struct Scenario {
    pub name: String,
    pub target: Target,
    pub expect: u16,
}

pub struct Outcome {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub histogram: Histogram<u64>,
    pub error_samples: Vec<String>,
    /// Percent of one core over the measured window.
    pub server_cpu: f64,
    pub bench_cpu: f64,
    pub server_rss_kib: Option<u64>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 { self.requests as f64 / self.seconds } else { 0.0 }
    }

    /// The latency at `q` (0..=100), in milliseconds.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        self.histogram.value_at_percentile(q) as f64 / 1000.0
    }
}

struct ConnResult {
    histogram: Histogram<u64>,
    requests: u64,
    errors: u64,
    samples: Vec<String>,
}

fn new_histogram() -> Result<Histogram<u64>> {
    // Microseconds, 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow!("histogram: {e}"))
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    addr: SocketAddr,
    builder: RequestBuilder,
    scenario: Scenario,
    conn_index: usize,
    measure_from: Instant,
    until: Instant,
) -> Result<ConnResult> {
    let mut histogram = new_histogram()?;
    let mut conn = HttpConn::new(addr);
    let mut rng = Rng::new(0xB3AC_0000 ^ (conn_index as u64).wrapping_mul(0x9E37_79B9));
    let mut request = Vec::with_capacity(512);
    let mut path = String::with_capacity(128);
    let mut body = Vec::with_capacity(256);
    let (mut requests, mut errors, mut serial) = (0u64, 0u64, 0u64);
    let mut samples = Vec::new();
    // Built once for scenarios that send the same bytes every time.
    let fixed = match &scenario.target {
        Target::Get(p) => Some(builder.get(p)),
        _ => None,
    };
    loop {
        let started = Instant::now();
        if started >= until {
            break;
        }
        let bytes: &[u8] = match (&scenario.target, &fixed) {
            (_, Some(bytes)) => bytes,
            (Target::GetRandomUser { prefix, suffix, ids }, _) => {
                let i = usize::try_from(rng.below(ids.len() as u64)).unwrap_or(0);
                path.clear();
                path.push_str(prefix);
                path.push_str(ids.get(i).map_or("", String::as_str));
                path.push_str(suffix);
                builder.get_into(&mut request, &path);
                &request
            }
            (Target::Create { run }, _) => {
                serial += 1;
                body.clear();
                use std::io::Write;
                let _ = write!(
                    body,
                    "{{\"email\":\"load.{run}.{conn_index}.{serial}@bench.example\",\
                     \"first_name\":\"Load\",\"last_name\":\"Tester {serial}\",\
                     \"status\":\"onboarding\",\"user_type\":\"saas_user\",\
                     \"description\":\"created by roster-bench\",\
                     \"attributes\":{{\"source\":\"bench\",\"connection\":{conn_index}}}}}"
                );
                builder.post_json_into(&mut request, "/v1/users", &body);
                &request
            }
            (Target::Patch { ids }, _) => {
                serial += 1;
                let i = usize::try_from(rng.below(ids.len() as u64)).unwrap_or(0);
                path.clear();
                path.push_str("/v1/users/");
                path.push_str(ids.get(i).map_or("", String::as_str));
                body.clear();
                use std::io::Write;
                let _ = write!(body, "{{\"attributes\":{{\"bench_serial\":{serial}}}}}");
                builder.merge_patch_into(&mut request, &path, &body);
                &request
            }
            (Target::Get(p), None) => {
                builder.get_into(&mut request, p);
                &request
            }
        };
        let result = conn.roundtrip(bytes).await;
        let elapsed = started.elapsed();
        if started < measure_from {
            continue;
        }
        requests += 1;
        histogram.saturating_record(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX).max(1));
        match result {
            Ok(status) if status == scenario.expect => {}
            Ok(status) => {
                errors += 1;
                if samples.len() < 3 {
                    let body = String::from_utf8_lossy(conn.body());
                    samples.push(format!("HTTP {status}: {}", truncate(&body, 200)));
                }
            }
            Err(e) => {
                errors += 1;
                if samples.len() < 3 {
                    samples.push(format!("I/O: {e}"));
                }
                // Do not spin on a dead server.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    Ok(ConnResult { histogram, requests, errors, samples })
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[derive(Clone)]
pub struct LoadConfig {
    pub addr: SocketAddr,
    pub builder: RequestBuilder,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub server_pid: u32,
}

/// Runs one scenario: warm-up, then `duration` measured.
pub async fn run(config: &LoadConfig, scenario: &Scenario) -> Result<Outcome> {
    let start = Instant::now();
    let measure_from = start + config.warmup;
    let until = measure_from + config.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..config.connections.max(1) {
        tasks.spawn(drive(
            config.addr,
            config.builder.clone(),
            scenario.clone(),
            i,
            measure_from,
            until,
        ));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let server_before = procfs::cpu_ticks(config.server_pid);
    let bench_before = procfs::cpu_ticks(std::process::id());
    let measured_start = Instant::now();
    tokio::time::sleep_until(until.into()).await;
    let server_after = procfs::cpu_ticks(config.server_pid);
    let bench_after = procfs::cpu_ticks(std::process::id());
    let window = measured_start.elapsed().as_secs_f64();
    let cpu = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(b), Some(a)) if window > 0.0 => {
            a.saturating_sub(b) as f64 / procfs::TICKS_PER_SECOND / window * 100.0
        }
        _ => f64::NAN,
    };

    let mut histogram = new_histogram()?;
    let (mut requests, mut errors) = (0u64, 0u64);
    let mut error_samples = Vec::new();
    // A request still in flight at the end gets a grace period, then counts
    // as lost with its connection.
    let grace = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(grace, tasks.join_next()).await {
            Ok(Some(Ok(Ok(r)))) => {
                histogram.add(&r.histogram).map_err(|e| anyhow!("merging histograms: {e}"))?;
                requests += r.requests;
                errors += r.errors;
                for s in r.samples {
                    if error_samples.len() < 5 {
                        error_samples.push(s);
                    }
                }
            }
            Ok(Some(Ok(Err(e)))) => return Err(e),
            Ok(Some(Err(e))) => return Err(anyhow!("load task failed: {e}")),
            Ok(None) => break,
            Err(_) => {
                let stuck = tasks.len() as u64;
                tasks.abort_all();
                errors += stuck;
                error_samples.push(format!("{stuck} connection(s) hung past the end"));
                break;
            }
        }
    }
    Ok(Outcome {
        name: scenario.name.clone(),
        requests,
        errors,
        seconds: config.duration.as_secs_f64(),
        histogram,
        error_samples,
        server_cpu: cpu(server_before, server_after),
        bench_cpu: cpu(bench_before, bench_after),
        server_rss_kib: procfs::status_kib(config.server_pid, "VmRSS"),
    })
}
