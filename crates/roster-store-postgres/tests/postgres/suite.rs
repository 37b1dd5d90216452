//! The store suite (`roster-store-suite`) against PostgreSQL; its paired
//! cases also hold PostgreSQL to SQLite.

roster_store_suite::store_suite!(roster_store_suite::Postgres, other = roster_store_suite::Sqlite);
