//! `roster-bench`: seeds users through the storage layer, starts the real
//! `roster` server as a separate process and drives it over loopback with a
//! small keep-alive HTTP/1.1 load generator, then prints throughput and
//! latency per scenario.

mod access;
mod bulk;
mod ceiling;
mod http;
mod load;
mod names;
mod noisy;
mod phase;
mod procfs;
mod report;
mod scenarios;
mod seed;
mod server;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;

use roster::Settings;
use roster_store_sqlite::{Location, SqliteOptions};

use crate::seed::SeedTarget;

/// The admin secret the bench bootstraps the database with (and the server
/// is started with, as ROSTER_BOOTSTRAP_API_KEY).
const ADMIN_KEY: &str = "rk_bench_0123456789abcdefghijklmnopqrstuv";

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
    /// Bulk imports (chunks of 50 000 users) in flight while seeding.
    #[arg(long, default_value_t = 2)]
    seed_concurrency: usize,
    /// A common substring for the filtered search scenario.
    #[arg(long, default_value = "mari")]
    search_term: String,
    /// A rare term for the rare search scenario.
    #[arg(long, default_value = seed::RARE_TERM)]
    rare_term: String,
    /// Which scenarios to run, comma-separated: get, zoneget, first, deep,
    /// status, page100, expanded100, search (common term with
    /// status=active), common, short (2 characters), rare, attribute, sort,
    /// pagemode (deepest page), create, patch; and `noisy` (not in the
    /// default set: a victim key's GET by id alone, then while a noisy key
    /// runs --noisy-connections concurrent worst-case reads).
    #[arg(long, value_delimiter = ',', default_values_t = scenarios::ALL.iter().map(|s| s.to_string()))]
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
    /// Skip the ceiling (the bare hyper server measured before and after).
    #[arg(long)]
    no_ceiling: bool,
    /// Skip the one-connection pass of every scenario.
    #[arg(long)]
    no_single: bool,
    /// Internal: serve the ceiling (a bare hyper server) on this address.
    #[arg(long, hide = true, requires = "ceiling_body")]
    ceiling_server: Option<std::net::SocketAddr>,
    /// Internal: the body the ceiling answers with.
    #[arg(long, hide = true)]
    ceiling_body: Option<PathBuf>,
}

struct SeedReport {
    users_in_db: u64,
    inserted: u64,
    seconds: f64,
    close_seconds: f64,
    skipped: bool,
    in_flight: usize,
    /// What was seeded: the bench names users by number from it.
    target: SeedTarget,
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
        // The seeding writer keeps every index page it touches in memory:
        // with the default 16 MiB, inserting into indexes of millions of
        // users spent its time re-reading pages from the OS.
        sqlite: SqliteOptions { writer_cache_kib: 1024 * 1024, ..SqliteOptions::default() },
        ..Settings::default()
    };
    let store =
        roster::open_store(&args.database_url, &settings).await.map_err(|e| anyhow!("{e}"))?;
    let (service, _) =
        roster::build_service(&settings, store.clone()).await.map_err(|e| anyhow!("{e}"))?;
    let (main_zone, actor) = access::admin_scope(&store, ADMIN_KEY).await?;
    let zones = bulk::zones(&store, main_zone).await?;
    let mut existing = 0;
    for zone in &zones {
        existing += store
            .list_users(&zone.scope, &seed::count_query())
            .await
            .map_err(|e| anyhow!("counting users: {e}"))?
            .total;
    }
    let target = SeedTarget { zones, actor, total: args.users };
    let mut report = SeedReport {
        users_in_db: existing,
        inserted: 0,
        seconds: 0.0,
        close_seconds: 0.0,
        skipped: true,
        in_flight: args.seed_concurrency,
        target: target.clone(),
    };
    // More is fine: the create scenario of earlier runs added users (the
    // sample check of the load phase still finds every seeded one).
    if existing > 0 && existing < args.users {
        bail!(
            "the database holds {existing} users, fewer than the {} asked for; \
             point at an empty database (and drop --reuse)",
            args.users
        );
    }
    if existing > 0 && !args.reuse {
        bail!(
            "the database already holds {existing} users; pass --reuse or point at an empty database"
        );
    }
    if existing == 0 {
        eprintln!(
            "seeding {} users into zones {} through Store::import_users ({} import(s) in flight)",
            args.users,
            target.zones.iter().map(|z| z.identifier.as_str()).collect::<Vec<_>>().join(", "),
            args.seed_concurrency
        );
        let outcome = bulk::seed(store.clone(), target, args.seed_concurrency).await?;
        report.inserted = outcome.inserted;
        report.seconds = outcome.elapsed.as_secs_f64();
        report.users_in_db = outcome.inserted;
        report.skipped = false;
        eprintln!(
            "  seeded {} users in {:.1} s ({:.0} users/s)",
            outcome.inserted,
            report.seconds,
            outcome.inserted as f64 / report.seconds.max(1e-9)
        );
    }
    let access = access::seed_access(&store, &main_zone).await?;
    if access > 0 {
        eprintln!(
            "  gave the {} oldest users {access} role assignments, sessions and grants",
            access::ACCESS_USERS
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
    if let (Some(addr), Some(body)) = (args.ceiling_server, &args.ceiling_body) {
        return ceiling::serve(addr, body);
    }
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
    let loaded = client_runtime.block_on(phase::load_phase(args, binary, &seeded.target))?;
    drop(client_runtime);

    report::report(args, &seeded, db_size, &loaded, load_before);
    if !loaded.failures.is_empty() {
        bail!("{}", loaded.failures.join("; "));
    }
    Ok(())
}
