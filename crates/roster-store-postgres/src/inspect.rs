//! `roster check`: a database's schema version and zone count, read
//! without migrating or writing anything (no advisory lock, no
//! `schema_migrations` table created where there is none).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use roster_store::{SchemaStatus, StoreError, StoreResult};

use crate::db::{self, Conn};
use crate::error::from_pool;
use crate::migrate::MIGRATIONS;
use crate::open::PgOptions;
use crate::row::get;
use crate::tls::connect_config;

/// Reads the schema of the database at `url` over one connection.
pub async fn inspect(url: &str, options: &PgOptions) -> StoreResult<SchemaStatus> {
    let (mut config, tls) = connect_config(url)?;
    config.connect_timeout(options.connect_timeout);
    if config.get_application_name().is_none() {
        config.application_name("roster check");
    }
    let manager = Manager::from_config(
        config,
        tls,
        ManagerConfig { recycling_method: RecyclingMethod::Fast },
    );
    let pool = Pool::builder(manager)
        .max_size(1)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.acquire_timeout))
        .create_timeout(Some(options.connect_timeout))
        .build()
        .map_err(|e| StoreError::Internal(format!("cannot build the pool: {e}")))?;
    let conn = Conn::new(pool.get().await.map_err(from_pool)?, Arc::new(AtomicU64::new(0)));
    let expected = MIGRATIONS.len();
    let row =
        db::query_one(&conn, "SELECT to_regclass('schema_migrations') IS NOT NULL", &[]).await?;
    let found = if get::<bool>(&row, 0)? {
        let row =
            db::query_one(&conn, "SELECT coalesce(max(version), 0) FROM schema_migrations", &[])
                .await?;
        usize::try_from(get::<i32>(&row, 0)?).unwrap_or(0)
    } else {
        0
    };
    let zones = if found == expected {
        let row = db::query_one(&conn, "SELECT count(*) FROM zones", &[]).await?;
        Some(u64::try_from(get::<i64>(&row, 0)?).unwrap_or(0))
    } else {
        None
    };
    drop(conn);
    pool.close();
    Ok(SchemaStatus { found, expected, zones })
}
