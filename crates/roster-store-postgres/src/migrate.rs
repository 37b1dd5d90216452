//! Forward-only schema migrations and the shared cursor secret.
//!
//! Every node runs this on start. The whole run is one transaction holding a
//! transaction-scoped advisory lock, so nodes starting together take turns:
//! the first applies what is missing, the others then find nothing to do.
//! Because PostgreSQL DDL is transactional, a migration that fails leaves no
//! trace and the version table never claims a half-applied version.

use roster_store::{StoreError, StoreResult};

use crate::db::{self, Conn};
use crate::error::from_pg;
use crate::row::get;

pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_access.sql"),
    include_str!("../migrations/0003_zoned_search.sql"),
    include_str!("../migrations/0004_directory_order.sql"),
    include_str!("../migrations/0005_description_digest.sql"),
    include_str!("../migrations/0006_events.sql"),
    include_str!("../migrations/0007_webhooks.sql"),
    include_str!("../migrations/0008_external_id.sql"),
    include_str!("../migrations/0009_event_users.sql"),
];

/// Advisory lock key of the migration run ("roster" + "mig" in ASCII).
/// Advisory locks are per database, so other databases on the server are
/// not held up.
pub const MIGRATION_LOCK: i64 = 0x726f_7374_6572_6d69;

/// Applies pending migrations; returns the cursor secret, creating it on
/// first start.
pub async fn migrate(client: &mut Conn) -> StoreResult<Vec<u8>> {
    let tx = client.transaction().await?;
    // Waiting behind another node's long migration is expected here, and a
    // future migration may rebuild a large index: neither may be cut short
    // by the per-statement deadline of ordinary requests.
    tx.batch_execute("SET LOCAL statement_timeout = 0").await.map_err(from_pg)?;
    db::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
             version    integer PRIMARY KEY, \
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(from_pg)?;
    let row =
        db::query_one(&tx, "SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await?;
    let current = usize::try_from(get::<i32>(&row, 0)?).unwrap_or(0);
    if current > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "database schema version {current} is newer than this Roster ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tracing::info!(version, "applying PostgreSQL migration");
        tx.batch_execute(sql).await.map_err(|e| {
            StoreError::Internal(format!("migration {version} failed: {}", from_pg(e)))
        })?;
        db::execute(&tx, "INSERT INTO schema_migrations (version) VALUES ($1)", &[&version])
            .await?;
    }

    let mut fresh = [0u8; 32];
    rand::fill(&mut fresh);
    db::execute(
        &tx,
        "INSERT INTO meta (key, value) VALUES ('cursor_secret', $1) ON CONFLICT (key) DO NOTHING",
        &[&fresh.as_slice()],
    )
    .await?;
    let row = db::query_one(&tx, "SELECT value FROM meta WHERE key = 'cursor_secret'", &[]).await?;
    let secret: Vec<u8> = get(&row, 0)?;
    tx.commit().await?;
    Ok(secret)
}
