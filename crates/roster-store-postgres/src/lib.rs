//! Roster's PostgreSQL backend: a pool of tokio-postgres connections.
//!
//! Several Roster nodes may share one database: migrations and bootstrap
//! serialize on advisory locks, the cursor secret lives in the database, and
//! every write is a transaction of its own (no node-local state but a cache
//! of zone keys, which never go stale because ids are never reused).
//!
//! Behaviour is the SQLite backend's, answer for answer: the same results in
//! the same order with the same errors. The schema is written for
//! PostgreSQL (see `migrations/0001_init.sql` and `0002_access.sql` for the
//! choices, and `access/` for how roles, sessions, grants, providers and
//! sign-ins stay consistent across nodes).
//!
//! `statements_executed` counts every statement sent (see `db`).
//!
//! Laid out as the SQLite backend (`store`, `dispatch`, one module per
//! resource), plus `import` (the `COPY` bulk path), `migrate`, `tls`,
//! `conninfo` and `cancel` (a dropped list request cancels its statement).

mod access;
mod batch;
mod cancel;
mod conninfo;
mod db;
mod dispatch;
mod error;
mod events;
mod idempotency;
mod import;
mod inspect;
mod list;
mod migrate;
mod open;
mod page;
mod row;
mod store;
mod tenancy;
mod tls;
mod types;
mod users;
mod webhooks;

pub use crate::inspect::inspect;
pub use crate::migrate::MIGRATION_LOCK;
pub use crate::open::PgOptions;
pub use crate::store::PgStore;
pub use crate::tls::{PgTls, SslMode, connect_config};

/// The change feed's statements, for the tests that hold PostgreSQL's
/// plans of them to what the feed promises (a user's events read through
/// that user's index).
#[doc(hidden)]
pub mod feed_statements {
    pub use crate::events::{page_sql, window_sql};
}
