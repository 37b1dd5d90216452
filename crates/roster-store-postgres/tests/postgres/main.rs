//! The PostgreSQL store against a real server, one fresh database per test:
//! the store suite every backend runs, then what only PostgreSQL promises.
//!
//! Set `ROSTER_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! the role needs CREATEDB. Without it the tests say SKIPPED and pass,
//! except in CI (`CI=true`), where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod events;
mod import;
mod migrations;
mod statements;
mod stats;
mod suite;
mod support;
mod tls;
