//! `roster-bench`: seeds users through the storage layer, starts the real
//! `roster` server as a separate process and drives it over loopback with a
//! small keep-alive HTTP/1.1 load generator, then prints throughput and
//! latency per scenario.

mod http;
mod load;
mod noisy;
mod procfs;
mod seed;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use serde::Deserialize;

use roster::Settings;
use roster_domain::Timestamp;
use roster_store_sqlite::Location;

use crate::http::{HttpConn, RequestBuilder};
use crate::load::{LoadConfig, Outcome, Scenario, Target};
use crate::seed::SeedTarget;

/// The admin secret the bench bootstraps the database with (and the server
/// is started with, as ROSTER_BOOTSTRAP_API_KEY).
const ADMIN_KEY: &str = "rk_bench_0123456789abcdefghijklmnopqrstuv";

/// A page of 100 users with every expansion.
const EXPANDED_100: &str = "/v1/users?limit=100&expand%5B%5D=role_assignments\
     &expand%5B%5D=grant_count&expand%5B%5D=session_count";

const ALL_SCENARIOS: &[&str] =
    &["get", "zoneget", "first", "deep", "page100", "expanded100", "search", "rare", "create"];

#[derive(Parser, Debug)]
#[command(
    name = "roster-bench",
    about = "Seed Roster, start the real server, measure it over loopback",
    // Scripts give defaults that the caller's own options override.
    args_override_self = true
)]
struct Args {
    /// Users to seed.
    #[arg(long, default_value_t = 100_000)]
    users: u64,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up seconds before each scenario's measurement.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// `sqlite:///path.db` or `postgres://…` (the server gets the same URL).
    #[arg(long, default_value = "sqlite:///tmp/roster-bench.db")]
    database_url: String,
    /// Keep an existing database and skip seeding when it already holds the
    /// users (only the missing ones are added).
    #[arg(long)]
    reuse: bool,
    /// Print the results as Markdown (for BENCHMARKS.md).
    #[arg(long)]
    markdown: bool,
    /// Threads of the load generator (it shares the cores with the server).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Inserts in flight while seeding (the store batches them per commit).
    #[arg(long, default_value_t = 512)]
    seed_concurrency: usize,
    /// A common substring for the filtered search scenario.
    #[arg(long, default_value = "mari")]
    search_term: String,
    /// A rare term for the rare search scenario.
    #[arg(long, default_value = seed::RARE_TERM)]
    rare_term: String,
    /// Which scenarios to run, comma-separated: get, zoneget, first, deep,
    /// page100, expanded100, search, rare, create, and `noisy` (not in the
    /// default set: a victim key's GET by id alone, then while a noisy key
    /// runs --noisy-connections concurrent worst-case reads).
    #[arg(long, value_delimiter = ',', default_values_t = ALL_SCENARIOS.iter().map(|s| s.to_string()))]
    scenarios: Vec<String>,
    /// The server binary (default: `roster` next to this executable).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Do not run `cargo build --release -p roster` first.
    #[arg(long)]
    no_build: bool,
    /// `noisy`: connections of the victim key (GET by id).
    #[arg(long, default_value_t = 4)]
    victim_connections: usize,
    /// `noisy`: concurrent worst-case reads of the noisy key.
    #[arg(long, default_value_t = 64)]
    noisy_connections: usize,
    /// The server's --max-inflight-per-key (default: the server's own
    /// default; 0 turns the per-key share off).
    #[arg(long)]
    max_inflight_per_key: Option<usize>,
}

struct SeedReport {
    users_in_db: u64,
    inserted: u64,
    seconds: f64,
    retries: u64,
    close_seconds: f64,
    skipped: bool,
}

fn sqlite_files(url: &str) -> Result<Option<PathBuf>> {
    match Location::parse(url) {
        Some(Location::File(path)) => Ok(Some(path)),
        Some(Location::Memory) => {
            bail!("sqlite::memory: cannot be shared with a separate server process; use a file URL")
        }
        None => Ok(None),
    }
}

fn remove_sqlite(path: &std::path::Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow!("removing {}: {e}", PathBuf::from(p).display())),
        }
    }
    Ok(())
}

async fn seed_phase(args: &Args) -> Result<SeedReport> {
    let settings = Settings {
        database_url: args.database_url.clone(),
        bootstrap_api_key: Some(ADMIN_KEY.to_owned()),
        ..Settings::default()
    };
    let store =
        roster::open_store(&args.database_url, &settings).await.map_err(|e| anyhow!("{e}"))?;
    let (service, _) =
        roster::build_service(&settings, store.clone()).await.map_err(|e| anyhow!("{e}"))?;
    let (scope, actor) = seed::admin_scope(&store, ADMIN_KEY).await?;
    let existing = store
        .list_users(&scope, &seed::count_query())
        .await
        .map_err(|e| anyhow!("counting users: {e}"))?
        .total;
    let mut report = SeedReport {
        users_in_db: existing,
        inserted: 0,
        seconds: 0.0,
        retries: 0,
        close_seconds: 0.0,
        skipped: true,
    };
    if existing > 0 && !args.reuse {
        bail!(
            "the database already holds {existing} users; pass --reuse or point at an empty database"
        );
    }
    if existing < args.users {
        let now = Timestamp::now().as_micros();
        let day = 86_400_000_000i64;
        let target = SeedTarget {
            scope,
            actor,
            start: Timestamp::from_micros(now - 400 * day).unwrap_or_else(Timestamp::now),
            span_micros: 395 * day,
            total: args.users,
        };
        eprintln!(
            "seeding users {existing}..{} through the store ({} in flight)",
            args.users, args.seed_concurrency
        );
        let outcome = seed::seed(store.clone(), target, existing, args.seed_concurrency).await?;
        report.inserted = outcome.inserted;
        report.seconds = outcome.elapsed.as_secs_f64();
        report.retries = outcome.retries;
        report.users_in_db = existing + outcome.inserted;
        report.skipped = false;
    }
    let access = seed::seed_access(&store, &scope).await?;
    if access > 0 {
        eprintln!(
            "  gave the {} oldest users {access} role assignments, sessions and grants",
            seed::ACCESS_USERS
        );
    }
    // The last reference closes the store: queued writes commit, the WAL is
    // checkpointed.
    let closing = Instant::now();
    drop(service);
    let handle = tokio::task::spawn_blocking(move || drop(store));
    handle.await.map_err(|e| anyhow!("closing the store: {e}"))?;
    report.close_seconds = closing.elapsed().as_secs_f64();
    Ok(report)
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
struct ListPage {
    data: Vec<IdOnly>,
    page_info: PageInfo,
    total_count: u64,
}

async fn get_page(conn: &mut HttpConn, builder: &RequestBuilder, path: &str) -> Result<ListPage> {
    let status = conn.roundtrip(&builder.get(path)).await.with_context(|| format!("GET {path}"))?;
    if status != 200 {
        bail!("GET {path} answered {status}: {}", String::from_utf8_lossy(conn.body()));
    }
    serde_json::from_slice(conn.body()).with_context(|| format!("parsing GET {path}"))
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

struct Walk {
    ids: Vec<String>,
    limit: u64,
    pages: usize,
    seconds: f64,
    deep_cursor: String,
    deep_position: usize,
    total: u64,
}

/// Walks every user (limit=1000, smaller for small databases so a page
/// boundary falls near 90%): the ids for the GET scenario and a cursor about
/// 90% of the way in.
async fn walk(conn: &mut HttpConn, builder: &RequestBuilder) -> Result<Walk> {
    let probe = get_page(conn, builder, "/v1/users?limit=1").await?;
    let limit = (probe.total_count / 50).clamp(1, 1000);
    let started = Instant::now();
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    let mut deep: Option<(String, usize)> = None;
    let mut pages = 0;
    let mut total;
    loop {
        let path = match &after {
            Some(c) => format!("/v1/users?limit={limit}&after={}", encode(c)),
            None => format!("/v1/users?limit={limit}"),
        };
        let page = get_page(conn, builder, &path).await?;
        pages += 1;
        total = page.total_count;
        ids.extend(page.data.into_iter().map(|u| u.id));
        let threshold = (total as f64 * 0.9) as usize;
        if deep.is_none()
            && ids.len() >= threshold
            && let Some(c) = &page.page_info.end_cursor
        {
            deep = Some((c.clone(), ids.len()));
        }
        match page.page_info.end_cursor {
            Some(c) if page.page_info.has_next_page => after = Some(c),
            _ => break,
        }
    }
    let (deep_cursor, deep_position) = deep.context("the walk found no users")?;
    Ok(Walk {
        ids,
        limit,
        pages,
        seconds: started.elapsed().as_secs_f64(),
        deep_cursor,
        deep_position,
        total,
    })
}

struct LoadReport {
    binary: PathBuf,
    ready_in: Duration,
    walk: Walk,
    notes: Vec<String>,
    outcomes: Vec<Outcome>,
    peak_rss_kib: Option<u64>,
    end_rss_kib: Option<u64>,
    stopped: String,
    /// Why the run failed although it completed (noisy: victim errors, 5xx).
    failures: Vec<String>,
}

/// The noisy key's worst-case reads: a common term (ranked, and with a
/// filter), a page deep into the list, and many filters with a two-key sort.
fn noisy_paths(term: &str, deep_path: &str) -> Vec<String> {
    let term = encode(term);
    vec![
        format!("/v1/users?search={term}&limit=50"),
        deep_path.to_owned(),
        format!("/v1/users?status=active&search={term}&limit=50"),
        "/v1/users?status=active,onboarding&user_type=saas_user\
         &attributes.plan=pro&attributes.department=sales&attributes.beta=true\
         &sort=-last_name,first_name&limit=100"
            .to_owned(),
    ]
}

async fn load_phase(args: &Args, binary: PathBuf) -> Result<LoadReport> {
    let mut server =
        server::Server::start(&binary, &args.database_url, ADMIN_KEY, args.max_inflight_per_key)?;
    let builder = RequestBuilder::new(server.addr, ADMIN_KEY);
    let ready_in = server.wait_ready(&builder, Duration::from_secs(60)).await?;

    let mut conn = HttpConn::new(server.addr);
    let walk = walk(&mut conn, &builder).await?;
    let deep_path = format!("/v1/users?limit=50&after={}", encode(&walk.deep_cursor));
    let search_path =
        format!("/v1/users?status=active&search={}&limit=50", encode(&args.search_term));
    let rare_path = format!("/v1/users?search={}&limit=50", encode(&args.rare_term));

    // One checked request each, for the notes: what the pages hold.
    let mut notes = Vec::new();
    let first = get_page(&mut conn, &builder, "/v1/users?limit=50").await?;
    notes.push(format!(
        "first page: {} users of total_count {}",
        first.data.len(),
        first.total_count
    ));
    let deep = get_page(&mut conn, &builder, &deep_path).await?;
    notes.push(format!(
        "deep page: {} users after position {} of {} (has_next_page {})",
        deep.data.len(),
        walk.deep_position,
        walk.total,
        deep.page_info.has_next_page
    ));
    let search = get_page(&mut conn, &builder, &search_path).await?;
    notes.push(format!(
        "search `{}` with status=active: total_count {} ({:.1}% of users)",
        args.search_term,
        search.total_count,
        search.total_count as f64 * 100.0 / walk.total.max(1) as f64
    ));
    let rare = get_page(&mut conn, &builder, &rare_path).await?;
    notes.push(format!("search `{}`: total_count {}", args.rare_term, rare.total_count));
    drop(conn);

    let ids = Arc::new(walk.ids.clone());
    let run_tag = format!("{:x}", Timestamp::now().as_micros());
    let mut scenarios = Vec::new();
    let mut run_noisy = false;
    for name in &args.scenarios {
        let scenario = match name.as_str() {
            "noisy" => {
                run_noisy = true;
                continue;
            }
            "get" => Scenario {
                name: "GET /v1/users/{id} (random id)".into(),
                target: Target::GetRandomUser { prefix: "/v1/users", ids: ids.clone() },
                expect: 200,
            },
            "zoneget" => Scenario {
                name: "GET /v1/zones/default/users/{id}".into(),
                target: Target::GetRandomUser {
                    prefix: "/v1/zones/default/users",
                    ids: ids.clone(),
                },
                expect: 200,
            },
            "first" => Scenario {
                name: "GET /v1/users?limit=50 (first page)".into(),
                target: Target::Get("/v1/users?limit=50".into()),
                expect: 200,
            },
            "deep" => Scenario {
                name: format!("GET ?limit=50&after=<cursor at {}%>", 90),
                target: Target::Get(deep_path.clone()),
                expect: 200,
            },
            "page100" => Scenario {
                name: "GET /v1/users?limit=100 (plain)".into(),
                target: Target::Get("/v1/users?limit=100".into()),
                expect: 200,
            },
            "expanded100" => Scenario {
                name: "GET ?limit=100&expand[]=all three".into(),
                target: Target::Get(EXPANDED_100.into()),
                expect: 200,
            },
            "search" => Scenario {
                name: format!("GET ?status=active&search={}&limit=50", args.search_term),
                target: Target::Get(search_path.clone()),
                expect: 200,
            },
            "rare" => Scenario {
                name: format!("GET ?search={}&limit=50 (rare)", args.rare_term),
                target: Target::Get(rare_path.clone()),
                expect: 200,
            },
            "create" => Scenario {
                name: "POST /v1/users (durable create)".into(),
                target: Target::Create { run: run_tag.clone() },
                expect: 201,
            },
            other => bail!("unknown scenario {other:?}; choose from {}", ALL_SCENARIOS.join(", ")),
        };
        scenarios.push(scenario);
    }

    let config = LoadConfig {
        addr: server.addr,
        builder,
        connections: args.connections,
        warmup: Duration::from_secs_f64(args.warmup.max(0.0)),
        duration: Duration::from_secs_f64(args.duration.max(0.1)),
        server_pid: server.pid(),
    };
    let mut outcomes = Vec::new();
    let mut died = None;
    for scenario in &scenarios {
        if let Some(status) = server.exited() {
            eprintln!("the server exited on its own ({status}); skipping the remaining scenarios");
            died = Some(status);
            break;
        }
        eprintln!("running: {}", scenario.name);
        let outcome = load::run(&config, scenario).await?;
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
        outcomes.push(outcome);
    }
    let mut failures = Vec::new();
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
        failures = report.failures();
        outcomes.push(report.alone);
        outcomes.push(report.under_noise);
        outcomes.push(report.noisy);
    }

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
        peak_rss_kib,
        end_rss_kib,
        stopped,
        failures,
    })
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn cpu(p: f64) -> String {
    if p.is_finite() { format!("{p:.0}%") } else { "n/a".into() }
}

fn report(
    args: &Args,
    seed: &SeedReport,
    db_size: Option<u64>,
    load: &LoadReport,
    load_before: Option<String>,
) {
    let machine = procfs::machine();
    let machine_line = format!(
        "{} CPUs ({}), {} RAM",
        machine.cpus,
        machine.model,
        machine.mem_gib.map_or_else(|| "unknown".into(), |g| format!("{g:.1} GiB"))
    );
    let seeding_line = if seed.skipped {
        format!("skipped (--reuse: {} users already there)", seed.users_in_db)
    } else {
        format!(
            "{} users in {:.2} s = {:.0} users/s via Store::create_user, {} in flight \
             ({} queue-full retries); closing the store took {:.2} s",
            seed.inserted,
            seed.seconds,
            seed.inserted as f64 / seed.seconds.max(1e-9),
            args.seed_concurrency,
            seed.retries,
            seed.close_seconds
        )
    };
    let db_line = format!(
        "{} ({} users before the run{})",
        args.database_url,
        seed.users_in_db,
        db_size
            .map_or(String::new(), |b| format!(", {:.1} MiB on disk", b as f64 / 1024.0 / 1024.0))
    );
    let walk = &load.walk;
    let walk_line = format!(
        "{} pages of limit={} in {:.2} s ({:.0} users/s over one connection)",
        walk.pages,
        walk.limit,
        walk.seconds,
        walk.ids.len() as f64 / walk.seconds.max(1e-9)
    );
    let load_line = format!(
        "{} keep-alive connections, {} client thread(s), closed loop; {:.0} s warm-up + {:.0} s measured per scenario",
        args.connections,
        args.client_threads.max(1),
        args.warmup,
        args.duration
    );
    let rss_line = format!(
        "peak {} (VmHWM), {} at the end (VmRSS)",
        mib(load.peak_rss_kib),
        mib(load.end_rss_kib)
    );
    let header = [
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "errors",
        "server CPU",
        "bench CPU",
        "server RSS",
    ];
    let rows: Vec<[String; 9]> = load
        .outcomes
        .iter()
        .map(|o| {
            [
                o.name.clone(),
                format!("{:.0}", o.rate()),
                format!("{:.2}", o.percentile_ms(50.0)),
                format!("{:.2}", o.percentile_ms(99.0)),
                format!("{:.2}", o.percentile_ms(99.9)),
                format!("{}/{}", o.errors, o.requests),
                cpu(o.server_cpu),
                cpu(o.bench_cpu),
                mib(o.server_rss_kib),
            ]
        })
        .collect();

    if args.markdown {
        println!("- machine: {machine_line}");
        println!("- database: {db_line}");
        println!("- seeding: {seeding_line}");
        println!("- full walk: {walk_line}");
        println!("- load: {load_line}");
        println!(
            "- load average: {} at the start, {} at the end",
            load_before.as_deref().unwrap_or("n/a"),
            machine.load.as_deref().unwrap_or("n/a")
        );
        for note in &load.notes {
            println!("- {note}");
        }
        println!();
        println!("| {} |", header.join(" | "));
        println!(
            "|{}",
            header
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
                .collect::<String>()
        );
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 0 { format!("`{c}`") } else { c.clone() })
                .collect();
            println!("| {} |", cells.join(" | "));
        }
        println!();
        println!("- server RSS: {rss_line}");
        println!(
            "- CPU columns: percent of one core over the measured window ({} cores in all)",
            machine.cpus
        );
        return;
    }

    println!();
    println!("Roster benchmark");
    println!("  machine:   {machine_line}");
    println!(
        "  load avg:  {} at the start, {} at the end (1/5/15 min; anything else running skews the figures)",
        load_before.as_deref().unwrap_or("n/a"),
        machine.load.as_deref().unwrap_or("n/a")
    );
    println!("  database:  {db_line}");
    println!("  seeding:   {seeding_line}");
    println!(
        "  server:    {} (ready in {:.0} ms)",
        load.binary.display(),
        load.ready_in.as_secs_f64() * 1000.0
    );
    println!("  full walk: {walk_line}");
    println!("  load:      {load_line}");
    for note in &load.notes {
        println!("  note:      {note}");
    }
    println!();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i == 0 {
                out.push_str(&format!("{c:<w$}"));
            } else {
                out.push_str(&format!("  {c:>w$}"));
            }
        }
        out
    };
    println!("{}", line(&header.map(str::to_owned)));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    for row in &rows {
        println!("{}", line(row));
    }
    println!();
    println!("  server RSS: {rss_line}");
    println!("  server stop (SIGTERM): {}", load.stopped);
    println!(
        "  CPU columns: percent of one core over the measured window ({} cores in all)",
        machine.cpus
    );
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let load_before = procfs::machine().load;
    if args.users == 0 {
        bail!("--users must be at least 1");
    }
    let sqlite_path = sqlite_files(&args.database_url)?;
    if let Some(path) = &sqlite_path
        && !args.reuse
    {
        remove_sqlite(path)?;
    }
    // Built (or checked) before seeding so a missing binary fails fast.
    let binary = server::locate_binary(args.server_bin.as_deref(), !args.no_build)?;

    let seed_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the seeding runtime")?;
    let seeded = seed_runtime.block_on(seed_phase(args))?;
    drop(seed_runtime);
    let db_size = sqlite_path.as_ref().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len());

    let client_runtime = if args.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()
    }
    .context("starting the load runtime")?;
    let loaded = client_runtime.block_on(load_phase(args, binary))?;
    drop(client_runtime);

    report(args, &seeded, db_size, &loaded, load_before);
    if !loaded.failures.is_empty() {
        bail!("noisy neighbour: {}", loaded.failures.join("; "));
    }
    Ok(())
}
