//! The store suite (`roster-store-suite`) against SQLite, a fresh database
//! file per test; its paired cases also hold SQLite to PostgreSQL (which
//! say SKIPPED for that half without `ROSTER_TEST_POSTGRES_URL`, except in
//! CI, where a missing server is a failure).

roster_store_suite::store_suite!(roster_store_suite::Sqlite, other = roster_store_suite::Postgres);
