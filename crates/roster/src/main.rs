//! `roster`: the command line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};
use roster_store_sqlite::SqliteOptions;

/// Rows are built on SQLite's threads and freed on the runtime's: mimalloc
/// handles that cross-thread traffic with much less contention than glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod args;
mod keys;
mod operator;

use args::*;
use keys::{KeysCommand, keys};

use roster::logging::LogFormat;
use roster::{Settings, StartError, launch, open_store, shutdown_signal};

#[derive(Parser)]
#[command(name = "roster", version, about = "A self-hosted, multi-tenant users API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at startup and never moved about: the size of `Serve`'s
// flags costs nothing, boxing them would cost every match a deref.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        db: DatabaseArgs,
        /// Base URL clients use, shown in /docs examples (default: http://<listen>).
        #[arg(long, env = "ROSTER_PUBLIC_URL")]
        public_url: Option<String>,
        /// Requests per second per API key; 0 turns the limit off.
        #[arg(long, env = "ROSTER_RATE_LIMIT_PER_SECOND", default_value_t = 100)]
        rate_limit_per_second: u64,
        /// Bucket size per key (default: twice the rate).
        #[arg(long, env = "ROSTER_RATE_LIMIT_BURST")]
        rate_limit_burst: Option<u64>,
        /// Reads one API key may have running at once; 0 turns the limit off
        /// (default: half the SQLite readers or PostgreSQL pool, rounded up).
        #[arg(long, env = "ROSTER_MAX_INFLIGHT_PER_KEY")]
        max_inflight_per_key: Option<usize>,
        /// Reads one API key may have waiting beyond those before it gets 429.
        #[arg(long, env = "ROSTER_MAX_QUEUED_PER_KEY", default_value_t = 64)]
        max_queued_per_key: usize,
        /// Serve /metrics on this address instead of the main one.
        #[arg(long, env = "ROSTER_METRICS_LISTEN")]
        metrics_listen: Option<SocketAddr>,
        /// SQLite reader threads.
        #[arg(long, env = "ROSTER_SQLITE_READERS", default_value_t = SqliteOptions::default().readers)]
        sqlite_readers: usize,
        /// Page cache of each SQLite reader thread, in KiB.
        #[arg(long, env = "ROSTER_SQLITE_READER_CACHE_KIB", default_value_t = SqliteOptions::default().reader_cache_kib)]
        sqlite_reader_cache_kib: i64,
        /// Page cache of the SQLite writer thread, in KiB.
        #[arg(long, env = "ROSTER_SQLITE_WRITER_CACHE_KIB", default_value_t = SqliteOptions::default().writer_cache_kib)]
        sqlite_writer_cache_kib: i64,
        /// PostgreSQL connections this node opens.
        #[arg(long, env = "ROSTER_PG_POOL_SIZE", default_value_t = 16)]
        pg_pool_size: usize,
        /// How long events stay in the feed: a number with a unit, `s`,
        /// `m`, `h` or `d` (`30d`, `12h`); a cursor older than that answers
        /// 410 `cursor_expired`.
        #[arg(long, env = "ROSTER_EVENT_RETENTION", default_value = "30d", value_parser = parse_retention)]
        event_retention: Duration,
        /// Let webhook endpoints point at loopback, private and link-local
        /// addresses (refused by default: SSRF).
        #[arg(long, env = "ROSTER_WEBHOOK_ALLOW_PRIVATE_URLS")]
        webhook_allow_private_urls: bool,
        /// Seconds one webhook delivery attempt may take.
        #[arg(long, env = "ROSTER_WEBHOOK_TIMEOUT", default_value_t = 10.0)]
        webhook_timeout: f64,
        /// Waits between attempts at one event, comma-separated
        /// (`5s,5m,30m,2h,5h,10h,10h`); when used up, the endpoint is
        /// disabled.
        #[arg(long, env = "ROSTER_WEBHOOK_RETRY_SCHEDULE", value_parser = parse_schedule)]
        webhook_retry_schedule: Option<roster_domain::webhooks::RetrySchedule>,
        #[command(flatten)]
        list: ListArgs,
        #[command(flatten)]
        connections: ConnectionArgs,
        #[command(flatten)]
        product: ProductArgs,
        #[command(flatten)]
        logs: LogArgs,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage API keys of the first organization.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print a completion script for SHELL (bash, zsh, fish, elvish,
    /// powershell), e.g. `roster completions bash > /etc/bash_completion.d/roster`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `roster man > /usr/local/share/man/man1/roster.1`.
    Man,
    /// List, show, create and disable users, as the API would.
    Users {
        #[command(subcommand)]
        command: operator::UsersCommand,
    },
    /// List and create zones.
    Zones {
        #[command(subcommand)]
        command: operator::ZonesCommand,
    },
    /// Check what `serve` would be given (database, listen address) and
    /// read the database without creating or migrating it.
    Check(operator::CheckArgs),
    /// Write every user (of a zone, or of all zones) as NDJSON lines shaped
    /// as GET returns them, or as CSV; streamed, page by page.
    Export {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Only this zone (id or identifier); default: every zone.
        #[arg(long)]
        zone: Option<String>,
        #[arg(long, value_enum, default_value = "ndjson")]
        format: roster::export::Format,
        /// Only users changed (updated_at) at or after this RFC 3339 time.
        #[arg(long, value_parser = parse_time)]
        since: Option<roster_domain::Timestamp>,
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Import users from NDJSON (as `roster export` writes them) or CSV into
    /// a zone: ids, timestamps and attributes kept when given.
    Import {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The file; `-` reads stdin.
        file: std::path::PathBuf,
        /// The zone (id or identifier).
        #[arg(long, default_value = "default")]
        zone: String,
        /// Default: csv for a `.csv` file, else ndjson.
        #[arg(long, value_enum)]
        format: Option<roster::export::Format>,
        /// A user that is there already (same id, email or identifier):
        /// skip it (resuming an interrupted import), update it (by id), or
        /// stop.
        #[arg(long, value_enum, default_value = "fail")]
        on_conflict: roster::import::OnConflict,
        /// SQLite: the writer's page cache for the import, in KiB (1 GiB
        /// by default: a bulk load keeps touching every index; lower it on
        /// a small machine).
        #[arg(long, env = "ROSTER_SQLITE_WRITER_CACHE_KIB", default_value_t = roster::import::WRITER_CACHE_KIB)]
        sqlite_writer_cache_kib: i64,
    },
    /// Copy a SQLite database to a new file, consistently, while the server
    /// runs. (PostgreSQL: use pg_dump; see the README.)
    Backup {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The new file (must not exist).
        path: std::path::PathBuf,
    },
}

/// The log format `cli` asks for: only `serve` has the flag; the other
/// commands talk to a person at a terminal.
fn log_format(cli: &Cli) -> LogFormat {
    match &cli.command {
        Command::Serve { logs, .. } => logs.log_format,
        _ => LogFormat::Text,
    }
}

async fn run(cli: Cli, traces: bool) -> Result<(), StartError> {
    let bootstrap = std::env::var("ROSTER_BOOTSTRAP_API_KEY").ok().filter(|s| !s.is_empty());
    match cli.command {
        Command::Serve {
            listen,
            db,
            public_url,
            rate_limit_per_second,
            rate_limit_burst,
            max_inflight_per_key,
            max_queued_per_key,
            metrics_listen,
            sqlite_readers,
            sqlite_reader_cache_kib,
            sqlite_writer_cache_kib,
            pg_pool_size,
            event_retention,
            webhook_allow_private_urls,
            webhook_timeout,
            webhook_retry_schedule,
            list,
            connections,
            product,
            logs,
        } => {
            let mut settings = Settings {
                database_url: db.database_url,
                bootstrap_api_key: bootstrap,
                public_url,
                rate_limit_per_second,
                rate_limit_burst,
                max_inflight_per_key,
                max_queued_per_key,
                metrics_listen,
                log_format: logs.log_format,
                access_log: logs.access_log,
                traces,
                ..Settings::default()
            };
            settings.sqlite.readers = sqlite_readers.max(1);
            settings.sqlite.reader_cache_kib = sqlite_reader_cache_kib.max(64);
            settings.sqlite.writer_cache_kib = sqlite_writer_cache_kib.max(64);
            settings.postgres.pool_size = pg_pool_size.max(1);
            settings.service.event_retention = event_retention;
            let webhooks = &mut settings.service.webhooks;
            webhooks.allow_private_urls = webhook_allow_private_urls;
            webhooks.timeout = Duration::from_secs_f64(webhook_timeout.clamp(0.1, 300.0));
            if let Some(schedule) = webhook_retry_schedule {
                webhooks.retry = schedule;
            }
            let limits = roster_store::ListLimits {
                scan_budget: list.list_scan_budget.max(1),
                candidate_cap: list.list_candidate_cap,
            };
            settings.sqlite.list = limits;
            settings.postgres.list = limits;
            connections.apply(&mut settings)?;
            settings.product_name = product.product_name;
            settings.product_version = product.product_version;
            settings.release_date = product.release_date;
            if let Some(secret) = &settings.bootstrap_api_key {
                roster_domain::tenancy::check_bootstrap_secret(secret).map_err(StartError)?;
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| StartError(format!("cannot listen on {listen}: {e}")))?;
            launch(settings, listener, shutdown_signal()).await
        }
        Command::Migrate { db } => {
            let settings = Settings { database_url: db.database_url, ..Settings::default() };
            open_store(&settings.database_url, &settings).await?;
            eprintln!("roster: database schema is up to date");
            Ok(())
        }
        Command::Keys { command } => keys(command, bootstrap).await,
        Command::Users { command } => operator::users(command, bootstrap).await,
        Command::Zones { command } => operator::zones(command, bootstrap).await,
        Command::Check(args) => operator::check(args, bootstrap).await,
        Command::Export { db, zone, format, since, output } => {
            let settings = Settings { database_url: db.database_url, ..Settings::default() };
            let store = open_store(&settings.database_url, &settings).await?;
            let mut out: Box<dyn std::io::Write> = match output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&path)
                        .map_err(|e| StartError(format!("creating {}: {e}", path.display())))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let n = roster::export::export(store.clone(), zone.as_deref(), format, since, &mut out)
                .await?;
            drop(out);
            store.close();
            eprintln!("roster: exported {n} users");
            Ok(())
        }
        Command::Import { db, file, zone, format, on_conflict, sqlite_writer_cache_kib } => {
            let format = format.unwrap_or(
                if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                    roster::export::Format::Csv
                } else {
                    roster::export::Format::Ndjson
                },
            );
            let total = std::fs::metadata(&file).ok().map(|m| m.len());
            let input: Box<dyn std::io::BufRead + Send> = if file.as_os_str() == "-" {
                Box::new(std::io::BufReader::new(std::io::stdin()))
            } else {
                Box::new(std::io::BufReader::with_capacity(
                    1 << 20,
                    std::fs::File::open(&file)
                        .map_err(|e| StartError(format!("opening {}: {e}", file.display())))?,
                ))
            };
            let mut settings = Settings { database_url: db.database_url, ..Settings::default() };
            // The writer's page cache holds the indexes a bulk load keeps
            // touching at random (the email, name and id b-trees): with the
            // server's 16 MiB they fall out and the rate falls as the table
            // grows. SQLite allocates the pages only as it uses them.
            settings.sqlite.writer_cache_kib = sqlite_writer_cache_kib.max(64);
            let store = open_store(&settings.database_url, &settings).await?;
            let started = std::time::Instant::now();
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let mut progress = |s: &roster::import::Summary, bytes: u64| {
                let line = roster::import::progress_line(s, bytes, total, started);
                if tty { eprint!("\r{line}   ") } else { eprintln!("{line}") }
            };
            let summary = roster::import::import(
                store.clone(),
                &zone,
                format,
                on_conflict,
                input,
                &mut progress,
            )
            .await;
            store.close();
            if tty {
                eprintln!();
            }
            let summary = summary?;
            eprintln!(
                "roster: {} lines in {:.1} s: {} created, {} updated, {} skipped, {} failed",
                summary.lines,
                started.elapsed().as_secs_f64(),
                summary.created,
                summary.updated,
                summary.skipped,
                summary.failed
            );
            for (line, why) in &summary.errors {
                eprintln!("  line {line}: {why}");
            }
            if summary.failed > 0 {
                return Err(StartError(format!("{} lines were not imported", summary.failed)));
            }
            Ok(())
        }
        Command::Backup { db, path } => {
            if !db.database_url.starts_with("sqlite:") {
                return Err(StartError(
                    "roster backup copies SQLite databases; for PostgreSQL use pg_dump \
                     (README, \"Backup\")"
                        .into(),
                ));
            }
            let url = db.database_url.clone();
            let dest = path.clone();
            tokio::task::spawn_blocking(move || roster_store_sqlite::backup(&url, &dest))
                .await
                .map_err(|e| StartError(format!("backing up: {e}")))?
                .map_err(|e| StartError(format!("backing up: {e}")))?;
            eprintln!("roster: backed up {} to {}", db.database_url, path.display());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", roster_api::openapi_json());
            Ok(())
        }
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "roster", &mut out);
            Ok(())
        }
        Command::Man => man_page(&mut std::io::stdout().lock())
            .map_err(|e| StartError(format!("writing the man page: {e}"))),
    }
}

/// The flags, or clap's answer: help and version as clap prints them, a
/// usage error as a JSON line when the environment asks for JSON logs
/// (the flag itself may be what failed to parse), so that a log collector
/// reading a JSON stream learns why the server never started.
fn parse_cli() -> Result<Cli, ExitCode> {
    let error = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let json = std::env::var("ROSTER_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if !json || !error.use_stderr() {
        error.exit()
    }
    let message = error.render().to_string();
    let message = message.trim().trim_start_matches("error: ");
    roster::logging::announce(LogFormat::Json, "ERROR", message, &[]);
    Err(ExitCode::from(2))
}

fn main() -> ExitCode {
    let cli = match parse_cli() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let format = log_format(&cli);
    let fail = |message: &str| {
        roster::logging::announce(format, "ERROR", message, &[]);
        ExitCode::FAILURE
    };
    // Before the runtime: the exporter's blocking HTTP client builds a
    // runtime of its own, which tokio forbids inside another. Only a server
    // exports traces; the other commands are one-shot tools.
    let traces = match &cli.command {
        Command::Serve { .. } => roster::traces::from_env(),
        _ => Ok(None),
    };
    let (traces, tracer) = match traces {
        Ok(found) => found.unzip(),
        Err(e) => {
            roster::logging::init(format, None);
            return fail(&e.to_string());
        }
    };
    roster::logging::init(format, tracer);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let outcome = runtime.block_on(run(cli, traces.is_some()));
    // The last requests' spans, exported before the process ends.
    if let Some(traces) = traces {
        traces.shutdown();
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// The man page of `roster`, its subcommands' options included (one page
/// reads better than a page per subcommand for a tool this size).
fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cli = Cli::command();
    clap_mangen::Man::new(cli.clone()).render(out)?;
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        writeln!(out, ".SH \"ROSTER {}\"", sub.get_name().to_uppercase())?;
        if let Some(about) = sub.get_about() {
            writeln!(out, "{about}")?;
        }
        let page = clap_mangen::Man::new(sub.clone());
        page.render_subcommands_section(out)?;
        page.render_options_section(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_flags_refuse_what_a_heading_cannot_show() {
        assert!(parse_date("2026-12-01").is_ok());
        for bad in ["2026-13-01", "01/12/2026", "", "2026-12-01T00:00:00Z"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_label(" DataFlow "), Ok("DataFlow".into()));
        assert!(parse_label("").is_err());
        assert!(parse_label("a\nb").is_err());
        assert!(parse_label(&"x".repeat(101)).is_err());
    }

    #[test]
    fn completions_name_every_subcommand_in_each_shell() {
        for shell in
            [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish]
        {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "roster", &mut out);
            let text = String::from_utf8(out).unwrap();
            for word in ["serve", "migrate", "keys", "import", "export", "database-url"] {
                assert!(text.contains(word), "{shell}: {word}");
            }
        }
    }

    #[test]
    fn the_man_page_is_roff_and_describes_serve_flags() {
        let mut out = Vec::new();
        man_page(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".ie") || text.starts_with(".TH"), "{}", &text[..80]);
        assert!(text.contains(".TH roster 1"));
        for word in ["serve", "rate\\-limit\\-per\\-second", "ROSTER_DATABASE_URL"] {
            assert!(text.contains(word), "{word}");
        }
    }

    #[test]
    fn a_retention_is_digits_and_a_unit_of_at_least_a_second() {
        assert_eq!(parse_retention("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_retention("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_retention("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_retention("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_retention("3600"), Ok(Duration::from_secs(3600)));
        for bad in ["", "0s", "d", "1w", "-1d", "1.5h", "99999999999999999999d"] {
            assert!(parse_retention(bad).is_err(), "{bad}");
        }
        let secs = |s: &[u64]| s.iter().map(|n| Duration::from_secs(*n)).collect::<Vec<_>>();
        let schedule = |s: &[u64]| roster_domain::webhooks::RetrySchedule::new(secs(s));
        assert_eq!(parse_schedule("5s, 5m,2h"), Ok(schedule(&[5, 300, 7200])));
        assert!(parse_schedule("5s,,2h").is_err());
    }

    #[test]
    fn every_serve_flag_given_at_once_parses() {
        // clap checks a flag's type where it is read: a mismatch panics at
        // the first run that gives it, never at build time.
        let cli = Cli::try_parse_from([
            "roster",
            "serve",
            "--webhook-retry-schedule",
            "5s,5m",
            "--webhook-timeout",
            "2.5",
            "--webhook-allow-private-urls",
            "--event-retention",
            "7d",
            "--product-name",
            "DataFlow",
            "--product-version",
            "2.1",
            "--release-date",
            "2026-12-01",
            "--log-format",
            "json",
            "--access-log",
            "false",
        ]);
        let (webhook_retry_schedule, logs) = match cli {
            Ok(Cli { command: Command::Serve { webhook_retry_schedule, logs, .. } }) => {
                (webhook_retry_schedule, logs)
            }
            Ok(_) => panic!("not serve"),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(logs.log_format, LogFormat::Json);
        assert!(!logs.access_log);
        let schedule = roster_domain::webhooks::RetrySchedule::new(vec![
            Duration::from_secs(5),
            Duration::from_secs(300),
        ]);
        assert_eq!(webhook_retry_schedule, Some(schedule));
    }

    /// The log flags of `roster serve`, as given on the command line.
    fn log_args(args: &[&str]) -> Result<(LogFormat, bool), String> {
        let argv = ["roster", "serve"].iter().chain(args).copied();
        match Cli::try_parse_from(argv) {
            Ok(Cli { command: Command::Serve { logs, .. } }) => {
                Ok((logs.log_format, logs.access_log))
            }
            Ok(_) => Err("not serve".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn the_log_flags_parse_and_default_to_text_with_the_access_log_on() {
        // Only when the environment does not set them (CI might).
        if std::env::var_os("ROSTER_LOG_FORMAT").is_none()
            && std::env::var_os("ROSTER_ACCESS_LOG").is_none()
        {
            assert_eq!(log_args(&[]), Ok((LogFormat::Text, true)));
        }
        assert_eq!(log_args(&["--log-format", "json"]).map(|a| a.0), Ok(LogFormat::Json));
        assert_eq!(log_args(&["--log-format=text"]).map(|a| a.0), Ok(LogFormat::Text));
        for (given, on) in [("false", false), ("off", false), ("0", false), ("true", true)] {
            assert_eq!(log_args(&["--access-log", given]).map(|a| a.1), Ok(on), "{given}");
        }
        assert_eq!(log_args(&["--access-log"]).map(|a| a.1), Ok(true));
        assert!(log_args(&["--log-format", "xml"]).is_err());
        assert!(log_args(&["--access-log", "maybe"]).is_err());
    }
}
