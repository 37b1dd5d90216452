//! The load phase: the real server started on the seeded database, the
//! ceiling measured before and after it, every scenario with many
//! connections and with one, then the noisy neighbour.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use roster_domain::Timestamp;

use crate::ceiling::Ceiling;
use crate::http::{HttpConn, RequestBuilder};
use crate::load::{self, LoadConfig, Outcome, Scenario, Target};
use crate::scenarios::{self, Inputs, encode};
use crate::seed::SeedTarget;
use crate::walk::{Walk, get_page, walk};
use crate::{ADMIN_KEY, Args, noisy, procfs, server};

pub struct LoadReport {
    pub binary: PathBuf,
    pub ready_in: Duration,
    pub walk: Walk,
    pub notes: Vec<String>,
    /// Every scenario with `--connections` connections (and the noisy run).
    pub outcomes: Vec<Outcome>,
    /// The same scenarios with one connection: latency without queueing.
    pub single: Vec<Outcome>,
    /// The bare hyper server, before and after the scenarios.
    pub ceiling: Vec<Outcome>,
    pub peak_rss_kib: Option<u64>,
    pub end_rss_kib: Option<u64>,
    pub stopped: String,
    /// Why the run failed although it completed (noisy: victim errors, 5xx).
    pub failures: Vec<String>,
}

impl LoadReport {
    /// The ceiling's mean rate over its runs.
    pub fn ceiling_rate(&self) -> Option<f64> {
        let rates: Vec<f64> = self.ceiling.iter().map(Outcome::rate).filter(|r| *r > 0.0).collect();
        (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
    }
}

/// The noisy key's worst-case reads: a common term (ranked, and with a
/// filter), a page deep into the list, and many filters with a two-key sort.
fn noisy_paths(term: &str, deep_path: &str) -> Vec<String> {
    vec![
        scenarios::search_path(term),
        deep_path.to_owned(),
        scenarios::filtered_search_path(term),
        "/v1/users?status=active,onboarding&user_type=saas_user\
         &attributes.plan=pro&attributes.department=sales&attributes.beta=true\
         &sort=-last_name,first_name&limit=100"
            .to_owned(),
    ]
}

async fn measure(config: &LoadConfig, scenario: &Scenario) -> Result<Outcome> {
    eprintln!("running: {} ({} connection(s))", scenario.name, config.connections);
    let outcome = load::run(config, scenario).await?;
    eprintln!(
        "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        outcome.rate(),
        outcome.percentile_ms(50.0),
        outcome.percentile_ms(99.0),
        outcome.errors
    );
    for sample in &outcome.error_samples {
        eprintln!("    error: {sample}");
    }
    Ok(outcome)
}

/// The ceiling, serving `body` (a real user's JSON), measured like Roster.
async fn ceiling_run(config: &LoadConfig, body: &std::path::Path) -> Result<Outcome> {
    let ceiling = Ceiling::start(body)?;
    let config = LoadConfig {
        addr: ceiling.addr,
        builder: RequestBuilder::new(ceiling.addr, ADMIN_KEY),
        server_pid: ceiling.pid(),
        ..config.clone()
    };
    let scenario = Scenario {
        name: "ceiling: bare hyper, the same user JSON".into(),
        target: Target::Get("/v1/users/ceiling".into()),
        expect: 200,
    };
    measure(&config, &scenario).await
}

/// The total over HTTP of every seeded zone.
async fn total_over_zones(
    conn: &mut HttpConn,
    builder: &RequestBuilder,
    target: &SeedTarget,
) -> Result<u64> {
    let mut total = 0;
    for zone in &target.zones {
        let path = format!("/v1/zones/{}/users?limit=1", encode(&zone.identifier));
        total += get_page(conn, builder, &path).await?.total_count;
    }
    Ok(total)
}

pub async fn load_phase(args: &Args, binary: PathBuf, target: &SeedTarget) -> Result<LoadReport> {
    let mut server =
        server::Server::start(&binary, &args.database_url, ADMIN_KEY, args.max_inflight_per_key)?;
    let builder = RequestBuilder::new(server.addr, ADMIN_KEY);
    let ready_in = server.wait_ready(&builder, Duration::from_secs(60)).await?;

    let mut conn = HttpConn::new(server.addr);
    let walk = walk(&mut conn, &builder, target).await?;
    let deep_path = format!("/v1/users?limit=50&after={}", encode(&walk.deep_cursor));

    // One checked request each, for the notes: what the pages hold.
    let mut notes = Vec::new();
    let all = total_over_zones(&mut conn, &builder, target).await?;
    notes.push(format!(
        "total_count over HTTP: {all} across zones {} ({} in the measured zone)",
        target.zones.iter().map(|z| z.identifier.as_str()).collect::<Vec<_>>().join(", "),
        walk.total
    ));
    let first = get_page(&mut conn, &builder, "/v1/users?limit=50").await?;
    notes.push(format!("first page: {} users", first.data.len()));
    let deep = get_page(&mut conn, &builder, &deep_path).await?;
    notes.push(format!(
        "deep page: {} users after position {} (has_next_page {})",
        deep.data.len(),
        walk.deep_position,
        deep.page_info.has_next_page
    ));
    for (what, path) in [
        ("search with status=active", scenarios::filtered_search_path(&args.search_term)),
        ("search", scenarios::search_path(&args.search_term)),
        ("search", scenarios::search_path(&args.rare_term)),
    ] {
        let page = get_page(&mut conn, &builder, &path).await?;
        notes.push(format!(
            "{what} `{path}`: total_count {}{} ({:.1}% of the zone)",
            page.total_count,
            if page.total_count_exact == Some(false) { ", a lower bound" } else { "" },
            page.total_count as f64 * 100.0 / walk.total.max(1) as f64
        ));
    }

    // The ceiling answers with a real user's JSON, byte for byte.
    let Some(sample_id) = walk.ids.first() else { bail!("no users to measure") };
    let status = conn.roundtrip(&builder.get(&format!("/v1/users/{sample_id}"))).await?;
    if status != 200 {
        bail!("GET of a sampled user answered {status}");
    }
    let body_file =
        std::env::temp_dir().join(format!("roster-bench-ceiling-{}.json", std::process::id()));
    std::fs::write(&body_file, conn.body()).context("writing the ceiling's body")?;
    notes.push(format!("ceiling body: {} bytes (a user as GET returns it)", conn.body().len()));
    drop(conn);

    let ids = Arc::new(walk.ids.clone());
    let inputs = Inputs {
        ids: ids.clone(),
        deep_path: deep_path.clone(),
        deep_position: walk.deep_position,
        search_term: args.search_term.clone(),
        rare_term: args.rare_term.clone(),
        run_tag: format!("{:x}", Timestamp::now().as_micros()),
    };
    let mut list = Vec::new();
    let mut run_noisy = false;
    for name in &args.scenarios {
        if name == "noisy" {
            run_noisy = true;
        } else {
            list.push(scenarios::build(name, &inputs)?);
        }
    }

    let config = LoadConfig {
        addr: server.addr,
        builder,
        connections: args.connections,
        warmup: Duration::from_secs_f64(args.warmup.max(0.0)),
        duration: Duration::from_secs_f64(args.duration.max(0.1)),
        server_pid: server.pid(),
    };
    let mut ceiling = Vec::new();
    if !args.no_ceiling {
        ceiling.push(ceiling_run(&config, &body_file).await?);
    }
    let mut outcomes = Vec::new();
    let mut single = Vec::new();
    let mut died = None;
    for scenario in &list {
        if let Some(status) = server.exited() {
            eprintln!("the server exited on its own ({status}); skipping the remaining scenarios");
            died = Some(status);
            break;
        }
        outcomes.push(measure(&config, scenario).await?);
        if !args.no_single && config.connections > 1 {
            let one = LoadConfig { connections: 1, ..config.clone() };
            single.push(measure(&one, scenario).await?);
        }
    }
    // Every answer of a plain scenario must be the expected one.
    let mut failures: Vec<String> = outcomes
        .iter()
        .chain(&single)
        .chain(&ceiling)
        .filter_map(|o| match (o.requests, o.errors) {
            // A request slower than the whole window is no figure at all.
            (0, _) => Some(format!("{}: no request completed in the measured window", o.name)),
            (n, e) if e > 0 => Some(format!("{}: {e} of {n} answers were errors", o.name)),
            _ => None,
        })
        .collect();
    if run_noisy && died.is_none() {
        let noisy_config = noisy::NoisyConfig {
            addr: config.addr,
            server_pid: config.server_pid,
            admin: config.builder.clone(),
            ids: ids.clone(),
            victim_connections: args.victim_connections,
            noisy_connections: args.noisy_connections,
            warmup: config.warmup,
            duration: config.duration,
            noisy_paths: noisy_paths(&args.search_term, &deep_path),
        };
        let report = noisy::run(&noisy_config).await?;
        for o in [&report.alone, &report.under_noise, &report.noisy] {
            eprintln!(
                "  {}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                o.name,
                o.rate(),
                o.percentile_ms(50.0),
                o.percentile_ms(99.0),
                o.errors
            );
            for sample in &o.error_samples {
                eprintln!("    error: {sample}");
            }
        }
        let c = &report.classes;
        notes.push(format!(
            "noisy key answers: {} 2xx, {} 429, {} 5xx, {} other 4xx, {} connection errors \
             (server --max-inflight-per-key {})",
            c.ok,
            c.limited,
            c.server_errors,
            c.refused,
            c.io_errors,
            args.max_inflight_per_key.map_or_else(|| "default".to_owned(), |n| n.to_string())
        ));
        notes.push(format!("noisy key reads, in turn: {}", report.noisy_paths.join(" ; ")));
        failures.extend(report.failures());
        outcomes.push(report.alone);
        outcomes.push(report.under_noise);
        outcomes.push(report.noisy);
    }

    if !args.no_ceiling {
        let after = ceiling_run(&config, &body_file).await?;
        if after.errors > 0 {
            failures.push(format!("{}: {} errors", after.name, after.errors));
        }
        ceiling.push(after);
    }
    let _ = std::fs::remove_file(&body_file);

    let peak_rss_kib = procfs::status_kib(server.pid(), "VmHWM");
    let end_rss_kib = procfs::status_kib(server.pid(), "VmRSS");
    let stopped = match died.or_else(|| server.exited()) {
        Some(status) => {
            format!("not needed: the server had exited on its own during the run ({status})")
        }
        None => server.stop(Duration::from_secs(30))?,
    };
    Ok(LoadReport {
        binary,
        ready_in,
        walk,
        notes,
        outcomes,
        single,
        ceiling,
        peak_rss_kib,
        end_rss_kib,
        stopped,
        failures,
    })
}
