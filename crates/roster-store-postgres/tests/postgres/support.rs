//! A fresh database per test (the store suite's), with its URL for the
//! tests that look under the hood.

use std::future::Future;
use std::sync::Arc;

use roster_store_postgres::PgOptions;
use roster_store_suite::postgres::PgDatabase;
use roster_store_suite::{Ctx, Database, harness};

pub use roster_store_suite::postgres::{raw, scalar};
pub use roster_store_suite::random::{Rng, random_users};

/// Runs `test` with a bootstrapped store on a fresh database and that
/// database's URL, then drops the database whatever the outcome. Returns
/// without running when no server is configured (outside CI).
pub async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(Ctx, String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_store_options(PgOptions::default(), test).await;
}

pub async fn with_store_options<F, Fut>(options: PgOptions, test: F)
where
    F: FnOnce(Ctx, String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgDatabase::create(options).await else { return };
    let url = db.url().to_owned();
    harness::with_database(db, move |ctx| test(ctx, url)).await;
}

/// Runs `test` with a bare, fresh database URL (no store connected yet).
pub async fn with_database_url<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgDatabase::create(PgOptions::default()).await else { return };
    let result = tokio::spawn(test(db.url().to_owned())).await;
    harness::finish(&[db as Arc<dyn Database>], result).await;
}
