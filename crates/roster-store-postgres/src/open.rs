//! Connecting a PostgreSQL store: the pool, each connection's deadline,
//! the migrations and the cursor secret.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use roster_store::{Histogram, ListLimits, StoreError, StoreResult, ZoneKeys};

use crate::db::Conn;
use crate::error::from_pool;
use crate::migrate;
use crate::store::PgStore;
use crate::tls::connect_config;

/// Connection and deadline settings.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections this node opens.
    pub pool_size: usize,
    /// Longest a single statement may run before the server cancels it
    /// (the request then fails as `Unavailable`). Zero disables it.
    pub statement_timeout: Duration,
    /// Longest opening a connection may take.
    pub connect_timeout: Duration,
    /// Longest a request waits for a free connection before it fails as
    /// `Unavailable`: shedding load beats queueing requests that time out.
    pub acquire_timeout: Duration,
    /// How much one user-list request may look at.
    pub list: ListLimits,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            pool_size: 16,
            statement_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            list: ListLimits::default(),
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://` or `postgresql://`, or a libpq
    /// key=value string; `sslmode` and `sslrootcert` as libpq, see `tls`),
    /// applies pending migrations and reads the cursor secret. Fails with
    /// `Unavailable` when the server cannot be reached or its certificate
    /// is refused, `Internal` when the URL is invalid.
    pub async fn connect(url: &str, options: &PgOptions) -> StoreResult<Self> {
        let (mut config, tls) = connect_config(url)?;
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("roster");
        }
        // Set at connection start, so it costs no round trip; appended to
        // any options the URL already carries.
        // 0 would mean no deadline at all: a sub-millisecond one rounds up.
        let timeout_ms = options.statement_timeout.as_millis().max(1);
        let mut startup = config.get_options().unwrap_or_default().to_owned();
        startup.push_str(&format!(" -c statement_timeout={timeout_ms}"));
        config.options(startup.trim());

        let manager = Manager::from_config(
            config,
            tls.clone(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.acquire_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot build the pool: {e}")))?;
        let statements = Arc::new(AtomicU64::new(0));
        let mut client = Conn::new(pool.get().await.map_err(from_pool)?, statements.clone());
        let cursor_secret = migrate::migrate(&mut client).await?;
        drop(client);
        Ok(Self {
            pool,
            zones: ZoneKeys::default(),
            cursor_secret,
            statements,
            abandoned: Arc::new(AtomicU64::new(0)),
            list_limits: options.list,
            tls,
            read_wait: Histogram::read_wait(),
        })
    }
}
