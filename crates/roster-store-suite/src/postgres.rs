//! PostgreSQL: a fresh database per test on the server named by
//! `ROSTER_TEST_POSTGRES_URL` (its role needs CREATEDB).
//!
//! Without the variable the tests that need PostgreSQL say SKIPPED and
//! pass, except in CI (`CI=true`), where a missing server is a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tokio_postgres::NoTls;

use roster_store::Store;
use roster_store_postgres::{PgOptions, PgStore};

use crate::backend::{Backend, Database};

use roster_pgtemp::{postgres_url, with_database};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database made for one test and dropped after it.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub async fn create(admin_url: &str) -> TestDb {
        let name = format!(
            "roster_t_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let (client, conn) = tokio_postgres::connect(admin_url, NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        tokio::spawn(conn);
        // An ICU default collation where 'b' < 'B' and lower() folds
        // non-ASCII letters: the schema's explicit "C" collations must make
        // that irrelevant. Servers without ICU get their default.
        let icu = format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        );
        if client.batch_execute(&icu).await.is_err() {
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
        }
        TestDb { url: with_database(admin_url, &name), name, admin_url: admin_url.to_owned() }
    }

    pub async fn drop_db(&self) {
        if let Ok((client, conn)) = tokio_postgres::connect(&self.admin_url, NoTls).await {
            tokio::spawn(conn);
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .await;
        }
    }
}

/// A plain connection to `url`, outside any store, for looking under the
/// hood.
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// The single bigint a query answers, e.g. a `count(*)`.
pub async fn scalar(url: &str, sql: &str) -> i64 {
    raw(url).await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

pub struct Postgres;

impl Backend for Postgres {
    async fn create() -> Option<Arc<dyn Database>> {
        Some(PgDatabase::create(PgOptions::default()).await? as Arc<dyn Database>)
    }
}

/// A test database whose stores connect with `options`.
pub struct PgDatabase {
    db: TestDb,
    options: PgOptions,
}

impl PgDatabase {
    pub async fn create(options: PgOptions) -> Option<Arc<PgDatabase>> {
        let admin = postgres_url()?;
        Some(Arc::new(PgDatabase { db: TestDb::create(&admin).await, options }))
    }

    pub fn url(&self) -> &str {
        &self.db.url
    }
}

#[async_trait]
impl Database for PgDatabase {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(PgStore::connect(&self.db.url, &self.options).await.expect("connect"))
    }

    async fn count_rows(&self, table: &str) -> i64 {
        scalar(&self.db.url, &format!("SELECT count(*) FROM {table}")).await
    }

    async fn count_orphans(&self, table: &str) -> i64 {
        let sql =
            format!("SELECT count(*) FROM {table} WHERE user_id NOT IN (SELECT id FROM users)");
        scalar(&self.db.url, &sql).await
    }

    async fn remove(&self) {
        self.db.drop_db().await;
    }
}
