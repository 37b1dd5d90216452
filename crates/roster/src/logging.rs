//! Where log lines go and how they look: `--log-format text|json`,
//! filtered by `ROSTER_LOG`, on stderr.
//!
//! Lines logged while a request is handled run inside its `request` span
//! (see `roster_api::middleware::common`): in text the span shows as a
//! `request{request_id=… method=… route=…}:` prefix, in JSON as the `span`
//! and `spans` objects.

use serde_json::{Map, Value, json};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (colored on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global subscriber: the log lines, and the spans to export
/// when `traces` holds a tracer. A second call does nothing (tests).
pub fn init(format: LogFormat, traces: Option<opentelemetry_sdk::trace::Tracer>) {
    let filter = EnvFilter::try_from_env("ROSTER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => {
            lines.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).boxed()
        }
        // Event fields at the top level (`status`, `request_id`), where log
        // collectors index them without a path. Both the innermost span and
        // the whole list: `span.request_id` is the handy one, and `spans`
        // keeps the request's fields should a span ever be opened inside it.
        LogFormat::Json => {
            // The default hook writes a panic as plain text, a line a JSON
            // reader chokes on. Logged instead, a handler's panic (answered
            // 500 by `common`) also carries its request's span.
            std::panic::set_hook(Box::new(|info| {
                let backtrace = std::backtrace::Backtrace::capture();
                if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
                    tracing::error!(panic = %info, %backtrace, "panicked");
                } else {
                    tracing::error!(panic = %info, "panicked");
                }
            }));
            lines
                .json()
                .with_ansi(false)
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true)
                .boxed()
        }
    };
    // Each layer has its own filter: `ROSTER_LOG` chooses the lines, and
    // says nothing of which spans are exported (the request span is always).
    let spans = traces.map(|tracer| {
        // Without the source location, thread, target and busy/idle times
        // the bridge would add to every span: the request span's are the
        // same for every request, and each costs instructions per request.
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
            .with_filter(filter_fn(crate::traces::only_roster))
    });
    let _ = tracing_subscriber::registry().with(lines.with_filter(filter)).with(spans).try_init();
}

/// Writes one line on stderr whatever `ROSTER_LOG` says, as `eprintln!`
/// did before there was a JSON format: what the operator must see (the
/// generated admin key, why the server stopped) is not a log level to
/// filter away. In JSON it is an object shaped like the logged lines, so
/// the stream still parses line by line.
pub fn announce(format: LogFormat, level: &str, message: &str, fields: &[(&str, &str)]) {
    match format {
        LogFormat::Text => {
            eprintln!("roster: {message}");
            for (_, value) in fields {
                eprintln!("\n    {value}\n");
            }
        }
        LogFormat::Json => eprintln!("{}", json_line(level, message, fields)),
    }
}

fn json_line(level: &str, message: &str, fields: &[(&str, &str)]) -> Value {
    let mut line = Map::new();
    line.insert("timestamp".into(), json!(roster_domain::Timestamp::now().rfc3339().as_str()));
    line.insert("level".into(), json!(level));
    line.insert("message".into(), json!(message));
    for (name, value) in fields {
        line.insert((*name).into(), json!(value));
    }
    line.insert("target".into(), json!("roster"));
    Value::Object(line)
}

/// The first start's message: what was created and, when Roster generated
/// the admin key, the key itself, shown this once. It is the only line that
/// ever holds a secret; setting `ROSTER_BOOTSTRAP_API_KEY` avoids it.
pub fn announce_bootstrap(format: LogFormat, secret: &str, from_env: bool) {
    if from_env {
        announce(
            format,
            "INFO",
            "created organization `default`, zone `default` and the admin key from \
             ROSTER_BOOTSTRAP_API_KEY",
            &[],
        );
    } else {
        announce(
            format,
            "WARN",
            "created organization `default`, zone `default` and this admin API key \
             (shown once, keep it safe):",
            &[("api_key", secret)],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announcement_in_json_is_one_parseable_line_shaped_like_the_logs() {
        let line = json_line("WARN", "a \"quoted\"\nmessage", &[("api_key", "rk_x")]).to_string();
        assert!(!line.contains('\n'));
        let value: Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(value["level"], "WARN");
        assert_eq!(value["message"], "a \"quoted\"\nmessage");
        assert_eq!(value["api_key"], "rk_x");
        assert!(value["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
