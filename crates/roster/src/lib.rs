//! Starting Roster: pick the backend from the database URL, build the
//! service and the HTTP app, serve until told to stop. Tests start servers
//! through `launch` on a listener they bound themselves (port 0).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use roster_api::ApiConfig;
use roster_domain::SystemClock;
use roster_service::{Bootstrap, Service, ServiceConfig};
use roster_store::Store;
use roster_store_postgres::{PgOptions, PgStore};
use roster_store_sqlite::{SqliteOptions, SqliteStore};

pub mod export;
pub mod import;
pub mod logging;
mod serve;
pub mod traces;

pub use serve::ConnectionSettings;

const HOUR: Duration = Duration::from_secs(3600);

/// Everything `roster serve` can be told.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bootstrap_api_key: Option<String>,
    pub public_url: Option<String>,
    pub rate_limit_per_second: u64,
    pub rate_limit_burst: Option<u64>,
    /// Reads one API key may have running at once (`Some(0)`: no limit);
    /// `None` derives it from the backend (see `max_inflight_per_key`).
    pub max_inflight_per_key: Option<usize>,
    /// Reads one API key may have waiting beyond those before it gets 429.
    pub max_queued_per_key: usize,
    pub metrics_listen: Option<SocketAddr>,
    /// How log lines are written; JSON also turns the startup messages
    /// into JSON lines, so that every line of the output parses.
    pub log_format: logging::LogFormat,
    /// One info line per request (`roster::access`).
    pub access_log: bool,
    /// Request spans go to OpenTelemetry: set when `traces::from_env`
    /// installed an exporter.
    pub traces: bool,
    /// Timeouts and the connection cap.
    pub connections: ConnectionSettings,
    /// Failed authentications allowed per client address and minute; 0
    /// turns the limit off.
    pub auth_failures_per_minute: u64,
    pub sqlite: SqliteOptions,
    pub postgres: PgOptions,
    pub service: ServiceConfig,
    /// What `/docs` calls the product (`--product-name`, …).
    pub product_name: String,
    pub product_version: String,
    pub release_date: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://roster.db".into(),
            bootstrap_api_key: None,
            public_url: None,
            rate_limit_per_second: 100,
            rate_limit_burst: None,
            max_inflight_per_key: None,
            max_queued_per_key: 64,
            metrics_listen: None,
            log_format: logging::LogFormat::Text,
            access_log: true,
            traces: false,
            connections: ConnectionSettings::default(),
            auth_failures_per_minute: 20,
            sqlite: SqliteOptions::default(),
            postgres: PgOptions::default(),
            service: ServiceConfig::default(),
            product_name: "Roster".into(),
            product_version: env!("CARGO_PKG_VERSION").into(),
            release_date: None,
        }
    }
}

#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

fn start_error(what: &str) -> impl Fn(&dyn std::fmt::Display) -> StartError + '_ {
    move |e| StartError(format!("{what}: {e}"))
}

/// Opens the backend the URL names, applying its migrations.
pub async fn open_store(url: &str, settings: &Settings) -> Result<Arc<dyn Store>, StartError> {
    if url.starts_with("sqlite:") {
        let (url, options) = (url.to_owned(), settings.sqlite.clone());
        let store = tokio::task::spawn_blocking(move || SqliteStore::open_url(&url, &options))
            .await
            .map_err(|e| start_error("opening the database")(&e))?
            .map_err(|e| start_error("opening the database")(&e))?;
        return Ok(store.shared());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect(url, &settings.postgres)
            .await
            .map_err(|e| start_error("opening the database")(&e))?;
        return Ok(store.shared());
    }
    Err(StartError(format!(
        "unsupported database URL {url:?}: use sqlite://path.db, sqlite::memory: or postgres://…"
    )))
}

/// The service over an opened store, bootstrapped on first start.
pub async fn build_service(
    settings: &Settings,
    store: Arc<dyn Store>,
) -> Result<(Arc<Service>, Bootstrap), StartError> {
    if let Some(secret) = &settings.bootstrap_api_key {
        roster_domain::tenancy::check_bootstrap_secret(secret).map_err(StartError)?;
    }
    let service = Service::new(store, Arc::new(SystemClock), settings.service.clone())
        .await
        .map_err(|e| start_error("starting the service")(&e))?;
    let bootstrap = service
        .bootstrap(settings.bootstrap_api_key.as_deref())
        .await
        .map_err(|e| start_error("bootstrapping the database")(&e))?;
    Ok((Arc::new(service), bootstrap))
}

/// Serves on `listener` until `shutdown` resolves, then finishes in-flight
/// requests (within the shutdown deadline) and returns. Nothing acknowledged is lost: writes are committed
/// before they are acknowledged, and the store is closed after the last
/// request.
pub async fn launch(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let local = listener.local_addr().map_err(|e| start_error("reading the address")(&e))?;
    let store = open_store(&settings.database_url, &settings).await?;
    let (service, bootstrap) = build_service(&settings, store.clone()).await?;
    if let Bootstrap::Created { secret, from_env } = &bootstrap {
        logging::announce_bootstrap(settings.log_format, secret, *from_env);
    }
    let config = ApiConfig {
        public_url: settings.public_url.clone().unwrap_or_else(|| format!("http://{local}")),
        rate_limit_per_second: settings.rate_limit_per_second,
        rate_limit_burst: settings
            .rate_limit_burst
            .unwrap_or(settings.rate_limit_per_second.saturating_mul(2)),
        max_inflight_per_key: max_inflight_per_key(&settings),
        max_queued_per_key: settings.max_queued_per_key,
        metrics_on_main: settings.metrics_listen.is_none(),
        request_timeout: Some(settings.connections.request_timeout),
        auth_failures_per_minute: settings.auth_failures_per_minute,
        product_name: settings.product_name.clone(),
        product_version: settings.product_version.clone(),
        release_date: settings.release_date.clone(),
        access_log: settings.access_log,
        traces: settings.traces,
    };
    let (app, state) = roster_api::app(service.clone(), config);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(addr) = settings.metrics_listen {
        let metrics_listener = TcpListener::bind(addr)
            .await
            .map_err(|e| start_error("binding --metrics-listen")(&e))?;
        let mut stop = stop_rx.clone();
        let metrics = roster_api::metrics_app(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(metrics_listener, metrics)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        });
    }
    let purge_service = service.clone();
    let mut purge_stop = stop_rx.clone();
    // Events go a quarter of their retention late at most (an hour at
    // most, a second at least), so a short retention is kept to closely.
    let events_every =
        settings.service.event_retention.div_f64(4.0).clamp(Duration::from_secs(1), HOUR);
    let purge = tokio::spawn(async move {
        let mut hourly = tokio::time::interval(HOUR);
        let mut events = tokio::time::interval(events_every);
        loop {
            tokio::select! {
                _ = hourly.tick() => {
                    if let Err(e) = purge_service.purge_idempotency().await {
                        tracing::warn!(error = %e, "purging idempotency records failed");
                    }
                }
                _ = events.tick() => {
                    if let Err(e) = purge_service.purge_events().await {
                        tracing::warn!(error = %e, "purging events past retention failed");
                    }
                    if let Err(e) = purge_service.purge_deliveries().await {
                        tracing::warn!(error = %e, "purging webhook deliveries past retention failed");
                    }
                }
                _ = purge_stop.changed() => break,
            }
        }
    });

    // Webhook delivery runs on every node; leases keep each endpoint to
    // one node at a time.
    let deliveries = state.inner.dispatcher.clone().map(|dispatcher| {
        let stop = stop_rx.clone();
        tokio::spawn(async move { dispatcher.run(stop).await })
    });
    tracing::info!(address = %local, database = %redact(&settings.database_url), "roster listening");
    serve::serve(listener, app, settings.connections.clone(), shutdown).await;
    let _ = stop_tx.send(true);
    let _ = purge.await;
    if let Some(deliveries) = deliveries {
        let _ = deliveries.await;
    }
    // Every request is answered: commit what is queued and release the
    // database now, not whenever the last reference happens to go.
    let closing = tokio::task::spawn_blocking(move || store.close()).await;
    drop((state, service));
    closing.map_err(|e| start_error("closing the database")(&e))
}

/// The reads one key may run at once: as configured, else half the
/// backend's readers (SQLite) or pooled connections (PostgreSQL), rounded
/// up, so that one key never holds them all and another key's read always
/// finds one free.
pub fn max_inflight_per_key(settings: &Settings) -> usize {
    settings.max_inflight_per_key.unwrap_or_else(|| {
        let shared = if settings.database_url.starts_with("sqlite:") {
            settings.sqlite.readers
        } else {
            settings.postgres.pool_size
        };
        shared.max(1).div_ceil(2)
    })
}

/// A database URL without its password, for logs: the one before `@`
/// and a libpq `password=` parameter alike.
pub fn redact(url: &str) -> String {
    let url = match url.split_once('?') {
        Some((base, query)) => {
            let params: Vec<&str> = query
                .split('&')
                .map(|p| if p.starts_with("password=") { "password=***" } else { p })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => url.to_owned(),
    };
    let url = url.as_str();
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_url_shows_no_password() {
        assert_eq!(redact("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://u@h/db?password=pw&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(redact("sqlite://roster.db"), "sqlite://roster.db");
    }

    #[test]
    fn the_per_key_share_defaults_to_half_the_readers_or_pool_rounded_up() {
        let mut s = Settings { database_url: "sqlite://x.db".into(), ..Settings::default() };
        s.sqlite.readers = 4;
        assert_eq!(max_inflight_per_key(&s), 2);
        s.sqlite.readers = 1;
        assert_eq!(max_inflight_per_key(&s), 1);
        s.database_url = "postgres://u@h/db".into();
        s.postgres.pool_size = 5;
        assert_eq!(max_inflight_per_key(&s), 3);
        s.max_inflight_per_key = Some(0);
        assert_eq!(max_inflight_per_key(&s), 0, "0 given is 0: the share is off");
    }
}
