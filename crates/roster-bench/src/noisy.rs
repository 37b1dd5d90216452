//! The noisy-neighbour scenario: a victim key reads users by id over a few
//! connections, first alone, then while a noisy key runs many concurrent
//! worst-case reads (a common search term, a deep page, many filters). What
//! matters is the victim's latency and errors under the noise, and that the
//! noisy key is answered 2xx or 429, never 5xx.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use hdrhistogram::Histogram;
use serde::Deserialize;

use crate::http::{HttpConn, RequestBuilder};
use crate::load::{self, LoadConfig, Outcome, Scenario, Target};

/// What the noisy key's answers were, by class.
#[derive(Default)]
pub struct Classes {
    pub ok: u64,
    pub limited: u64,
    pub server_errors: u64,
    /// Other 4xx (e.g. a request the server refuses as too costly).
    pub refused: u64,
    pub io_errors: u64,
    pub samples: Vec<String>,
}

impl Classes {
    fn add(&mut self, other: Classes) {
        self.ok += other.ok;
        self.limited += other.limited;
        self.server_errors += other.server_errors;
        self.refused += other.refused;
        self.io_errors += other.io_errors;
        for s in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(s);
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.ok + self.limited + self.server_errors + self.refused + self.io_errors
    }
}

pub struct NoisyReport {
    pub alone: Outcome,
    pub under_noise: Outcome,
    pub noisy: Outcome,
    pub classes: Classes,
    pub noisy_paths: Vec<String>,
}

impl NoisyReport {
    /// What makes the scenario fail: any victim error, any 5xx or broken
    /// connection for the noisy key.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for o in [&self.alone, &self.under_noise] {
            if o.errors > 0 {
                out.push(format!("{}: {} errors of {}", o.name, o.errors, o.requests));
            }
        }
        if self.classes.server_errors + self.classes.io_errors > 0 {
            out.push(format!(
                "noisy key: {} 5xx and {} connection errors",
                self.classes.server_errors, self.classes.io_errors
            ));
        }
        out
    }
}

pub struct NoisyConfig {
    pub addr: SocketAddr,
    pub server_pid: u32,
    pub admin: RequestBuilder,
    pub ids: Arc<Vec<String>>,
    pub victim_connections: usize,
    pub noisy_connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub noisy_paths: Vec<String>,
}

#[derive(Deserialize)]
struct CreatedKey {
    key: String,
}

/// A new key with `users:read`, made through the API like a tenant would.
async fn read_key(addr: SocketAddr, admin: &RequestBuilder, name: &str) -> Result<RequestBuilder> {
    let mut conn = HttpConn::new(addr);
    let mut request = Vec::new();
    let body = format!(r#"{{"name":"{name}","scopes":["users:read"]}}"#);
    admin.post_json_into(&mut request, "/v1/api-keys", body.as_bytes());
    let status = conn.roundtrip(&request).await.context("creating a key")?;
    if status != 201 {
        bail!("creating key {name} answered {status}: {}", String::from_utf8_lossy(conn.body()));
    }
    let created: CreatedKey = serde_json::from_slice(conn.body()).context("parsing the new key")?;
    Ok(RequestBuilder::new(addr, &created.key))
}

fn new_histogram() -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow!("histogram: {e}"))
}

/// One noisy connection: the worst-case reads in turn, back to back (a
/// hostile client does not wait for Retry-After).
async fn noisy_conn(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    index: usize,
    measure_from: Instant,
    until: Instant,
) -> Result<(Histogram<u64>, Classes)> {
    let mut histogram = new_histogram()?;
    let mut classes = Classes::default();
    let mut conn = HttpConn::new(addr);
    let mut next = index;
    while Instant::now() < until {
        let Some(request) = requests.get(next % requests.len().max(1)) else {
            break;
        };
        next += 1;
        let started = Instant::now();
        let result = conn.roundtrip(request).await;
        if started < measure_from {
            continue;
        }
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
        histogram.saturating_record(micros);
        let sample = |conn: &HttpConn, status: u16| {
            let body = String::from_utf8_lossy(conn.body());
            format!("HTTP {status}: {}", body.chars().take(200).collect::<String>())
        };
        match result {
            Ok(200..=299) => classes.ok += 1,
            Ok(429) => classes.limited += 1,
            Ok(status @ 500..) => {
                classes.server_errors += 1;
                if classes.samples.len() < 3 {
                    classes.samples.push(sample(&conn, status));
                }
            }
            Ok(status) => {
                classes.refused += 1;
                if classes.samples.len() < 3 {
                    classes.samples.push(sample(&conn, status));
                }
            }
            Err(e) => {
                classes.io_errors += 1;
                if classes.samples.len() < 3 {
                    classes.samples.push(format!("I/O: {e}"));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    Ok((histogram, classes))
}

pub async fn run(config: &NoisyConfig) -> Result<NoisyReport> {
    let victim = read_key(config.addr, &config.admin, "bench-victim").await?;
    let noisy = read_key(config.addr, &config.admin, "bench-noisy").await?;
    let victim_load = LoadConfig {
        addr: config.addr,
        builder: victim,
        connections: config.victim_connections,
        warmup: config.warmup,
        duration: config.duration,
        server_pid: config.server_pid,
    };
    let scenario = |name: String| Scenario {
        name,
        target: Target::GetRandomUser { prefix: "/v1/users/", suffix: "", ids: config.ids.clone() },
        expect: 200,
    };
    let conns = config.victim_connections;
    eprintln!("running: victim GET by id alone ({conns} connections)");
    let alone =
        load::run(&victim_load, &scenario(format!("victim GET by id, alone ({conns} conns)")))
            .await?;

    eprintln!(
        "running: victim GET by id while a noisy key runs {} concurrent worst-case reads",
        config.noisy_connections
    );
    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(config.noisy_paths.iter().map(|p| noisy.get(p)).collect());
    let start = Instant::now();
    // The noise starts first and is at full concurrency before the victim's
    // warm-up ends; it stops with the victim's measured window.
    let noisy_measure_from = start + config.warmup;
    let noisy_until = noisy_measure_from + config.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..config.noisy_connections.max(1) {
        tasks.spawn(noisy_conn(config.addr, requests.clone(), i, noisy_measure_from, noisy_until));
    }
    let under_noise = load::run(
        &victim_load,
        &scenario(format!("victim GET by id, under noise ({conns} conns)")),
    )
    .await?;
    let mut histogram = new_histogram()?;
    let mut classes = Classes::default();
    let grace = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match tokio::time::timeout_at(grace, tasks.join_next()).await {
            Ok(Some(Ok(Ok((h, c))))) => {
                histogram.add(&h).map_err(|e| anyhow!("merging histograms: {e}"))?;
                classes.add(c);
            }
            Ok(Some(Ok(Err(e)))) => return Err(e),
            Ok(Some(Err(e))) => return Err(anyhow!("noisy task failed: {e}")),
            Ok(None) => break,
            Err(_) => {
                let stuck = tasks.len() as u64;
                tasks.abort_all();
                classes.io_errors += stuck;
                classes.samples.push(format!("{stuck} noisy connection(s) hung past the end"));
                break;
            }
        }
    }
    let noisy_outcome = Outcome {
        name: format!("noisy key: worst-case reads ({} conns)", config.noisy_connections),
        requests: classes.total(),
        errors: classes.server_errors + classes.io_errors,
        seconds: config.duration.as_secs_f64(),
        histogram,
        error_samples: classes.samples.clone(),
        server_cpu: under_noise.server_cpu,
        bench_cpu: under_noise.bench_cpu,
        server_rss_kib: under_noise.server_rss_kib,
    };
    Ok(NoisyReport {
        alone,
        under_noise,
        noisy: noisy_outcome,
        classes,
        noisy_paths: config.noisy_paths.clone(),
    })
}
