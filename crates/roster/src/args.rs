//! The flags `roster` commands share, and how their values are read:
//! each parser says in its error what it takes, for clap to print.

use std::time::Duration;

use roster::logging::LogFormat;
use roster::{Settings, StartError};

#[derive(clap::Args, Clone)]
pub(crate) struct DatabaseArgs {
    /// `sqlite://roster.db` (relative), `sqlite:///abs/path.db`, `sqlite::memory:`
    /// or `postgres://user@host/db` (TLS as libpq: `?sslmode=verify-full&sslrootcert=ca.pem`).
    #[arg(long, env = "ROSTER_DATABASE_URL", default_value = "sqlite://roster.db")]
    pub(crate) database_url: String,
}

/// Timeouts, the connection cap and the failed-authentication limit.
#[derive(clap::Args, Clone)]
pub(crate) struct ConnectionArgs {
    /// Seconds a client has to send a whole request head.
    #[arg(long, env = "ROSTER_HEADER_READ_TIMEOUT", default_value_t = 10.0)]
    pub(crate) header_read_timeout: f64,
    /// Seconds a keep-alive connection may stay idle between requests.
    #[arg(long, env = "ROSTER_IDLE_TIMEOUT", default_value_t = 60.0)]
    pub(crate) idle_timeout: f64,
    /// Seconds for a whole request, body included (then 408).
    #[arg(long, env = "ROSTER_REQUEST_TIMEOUT", default_value_t = 30.0)]
    pub(crate) request_timeout: f64,
    /// Connections open at once; more are answered 503 and closed.
    #[arg(long, env = "ROSTER_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub(crate) max_connections: usize,
    /// Seconds in-flight requests get on shutdown before connections are dropped.
    #[arg(long, env = "ROSTER_SHUTDOWN_TIMEOUT", default_value_t = 30.0)]
    pub(crate) shutdown_timeout: f64,
    /// Failed authentications per client address and minute; 0 turns the limit off.
    #[arg(long, env = "ROSTER_AUTH_FAILURES_PER_MINUTE", default_value_t = 20)]
    pub(crate) auth_failures_per_minute: u64,
    /// Seconds one database statement may run; past it the request gets 503.
    #[arg(long, env = "ROSTER_STATEMENT_TIMEOUT", default_value_t = 10.0)]
    pub(crate) statement_timeout: f64,
}

impl ConnectionArgs {
    pub(crate) fn apply(&self, settings: &mut Settings) -> Result<(), StartError> {
        let seconds = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value <= 86_400.0 {
                Ok(std::time::Duration::from_secs_f64(value))
            } else {
                Err(StartError(format!("--{name} must be a number of seconds from 0 to 86400")))
            }
        };
        let c = &mut settings.connections;
        c.header_read_timeout = seconds("header-read-timeout", self.header_read_timeout)?;
        c.idle_timeout = seconds("idle-timeout", self.idle_timeout)?;
        c.request_timeout = seconds("request-timeout", self.request_timeout)?;
        c.shutdown_timeout = seconds("shutdown-timeout", self.shutdown_timeout)?;
        c.max_connections = self.max_connections.max(1);
        let statement = seconds("statement-timeout", self.statement_timeout)?;
        settings.sqlite.query_timeout = statement;
        settings.postgres.statement_timeout = statement;
        settings.auth_failures_per_minute = self.auth_failures_per_minute;
        Ok(())
    }
}

/// How `/docs` names the product, as seed 004's template does: name,
/// version and release date.
#[derive(clap::Args, Clone)]
pub(crate) struct ProductArgs {
    #[arg(long, env = "ROSTER_PRODUCT_NAME", default_value = "Roster", value_parser = parse_label)]
    pub(crate) product_name: String,
    /// Default: this binary's version.
    #[arg(long, env = "ROSTER_PRODUCT_VERSION", default_value = env!("CARGO_PKG_VERSION"), value_parser = parse_label)]
    pub(crate) product_version: String,
    /// `YYYY-MM-DD`; `/docs` then says "Released" with it.
    #[arg(long, env = "ROSTER_RELEASE_DATE", value_parser = parse_date)]
    pub(crate) release_date: Option<String>,
}

/// A name or version for a page heading: 1–100 visible characters.
pub(crate) fn parse_label(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 100 || s.chars().any(char::is_control) {
        return Err("1 to 100 characters, no control characters".into());
    }
    Ok(s.to_owned())
}

pub(crate) fn parse_date(s: &str) -> Result<String, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, format).map(|_| s.to_owned()).map_err(|_| "a date as YYYY-MM-DD".into())
}

pub(crate) fn parse_time(text: &str) -> Result<roster_domain::Timestamp, String> {
    roster_domain::Timestamp::parse_rfc3339(text)
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 date-time (2026-12-07T10:00:00Z)"))
}

/// How much database work one user-list request may do (README, "Limits
/// that keep one client from hurting the others").
#[derive(clap::Args)]
pub(crate) struct ListArgs {
    /// Users one filtered list request looks at, at most (per rank level
    /// when searching); a page it cuts short resumes by cursor.
    #[arg(long, env = "ROSTER_LIST_SCAN_BUDGET", default_value_t = 20_000)]
    pub(crate) list_scan_budget: usize,
    /// Matches up to which a search term, role or provider filter is served
    /// straight from its index, with an exact total.
    #[arg(long, env = "ROSTER_LIST_CANDIDATE_CAP", default_value_t = 5_000)]
    pub(crate) list_candidate_cap: usize,
}

/// How `roster serve` logs (README, "Observe").
#[derive(clap::Args, Clone)]
pub(crate) struct LogArgs {
    /// `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value = "text")]
    pub(crate) log_format: LogFormat,
    /// One info line per request: method, route template, status, latency
    /// and request id (`--access-log false` turns it off).
    #[arg(
        long,
        env = "ROSTER_ACCESS_LOG",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub(crate) access_log: bool,
}

/// A retention period: digits and a unit (`s`, `m`, `h`, `d`), at least a
/// second.
pub(crate) fn parse_retention(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a number with a unit (30d, 12h, 90m, 3600s)"))?;
    let unit_secs = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{unit:?} is not a unit: use s, m, h or d")),
    };
    let secs = n
        .checked_mul(unit_secs)
        .filter(|s| *s >= 1)
        .ok_or_else(|| format!("{text:?} must be from one second to about 584 billion years"))?;
    Ok(Duration::from_secs(secs))
}

/// A retry schedule: durations as `parse_retention` reads them, commas
/// between.
// A type of its own, not `Vec<Duration>`: clap would take a `Vec` for a
// flag given several times, and panicked on the first use of this one.
pub(crate) fn parse_schedule(text: &str) -> Result<roster_domain::webhooks::RetrySchedule, String> {
    let delays = text.split(',').map(|d| parse_retention(d.trim())).collect::<Result<_, _>>()?;
    Ok(roster_domain::webhooks::RetrySchedule::new(delays))
}
