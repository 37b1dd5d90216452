//! Roster's embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous=FULL`, so a write acknowledged to a client has
//! been fsynced to the WAL; group commit keeps that affordable. Reads run on
//! a few dedicated reader threads and never wait for the writer.
//!
//! One module per resource: `tenancy` (organizations, zones, API keys),
//! `users` (and `user_writes`: a write with its event, alone or batched),
//! `list` (user listing), `access/` (roles, providers, sessions and grants,
//! sign-in, expansions), `idempotency`, `events` (the change feed),
//! `webhooks` (endpoints, leases, delivery logs), `backup`. `store` is the handle and
//! `dispatch` its `Store` methods, each handed to its resource's module;
//! `open`, `pool` (the readers) and `writer` are the connections, migrations
//! and threads.

mod access;
mod backup;
mod db;
mod dispatch;
mod error;
mod events;
mod files;
mod idempotency;
mod inspect;
mod list;
mod open;
mod page;
mod pool;
mod row;
mod search_index;
mod store;
mod tenancy;
mod user_writes;
mod users;
mod webhooks;
mod writer;

pub use backup::backup;
pub use inspect::inspect;
pub use open::{Location, SqliteOptions};
pub use store::SqliteStore;
