//! Connections and transactions that count what they send, and small
//! helpers over prepared, cached statements.
//!
//! Every statement this backend sends goes through a [`Conn`] or a [`Tx`],
//! which add one to the store's counter per statement executed: queries,
//! `BEGIN`, `COMMIT` and `ROLLBACK` (also the one tokio-postgres sends when a
//! transaction is dropped unfinished). Preparing a statement is not counted:
//! it executes nothing, and a cached statement is prepared once per
//! connection. A multi-statement batch (a migration file) counts once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

use roster_store::StoreResult;

use crate::error::from_pg;

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A pooled connection and the counter of its store.
pub struct Conn {
    client: deadpool_postgres::Client,
    statements: Arc<AtomicU64>,
}

/// An open transaction; dropped unfinished, it rolls back.
pub struct Tx<'a> {
    tx: Transaction<'a>,
    rollback_on_drop: RollbackCount<'a>,
}

/// Counts the `ROLLBACK` tokio-postgres sends for a transaction dropped
/// open; disarmed by `commit` and `rollback`, which count their own.
struct RollbackCount<'a> {
    statements: &'a AtomicU64,
    armed: bool,
}

impl Drop for RollbackCount<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.statements.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What statements run on: a connection or a transaction.
pub trait Exec: Sync {
    type Client: GenericClient;
    fn client(&self) -> &Self::Client;
    fn counter(&self) -> &AtomicU64;
    /// Counts one statement about to be sent.
    fn sent(&self) {
        self.counter().fetch_add(1, Ordering::Relaxed);
    }
}

impl Conn {
    pub fn new(client: deadpool_postgres::Client, statements: Arc<AtomicU64>) -> Self {
        Self { client, statements }
    }

    /// The pooled client itself, for taking it out of the pool.
    pub fn into_client(self) -> deadpool_postgres::Client {
        self.client
    }

    /// `BEGIN`.
    pub async fn transaction(&mut self) -> StoreResult<Tx<'_>> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let tx = self.client.transaction().await.map_err(from_pg)?;
        Ok(Tx { tx, rollback_on_drop: RollbackCount { statements: &self.statements, armed: true } })
    }

    /// A statement with its parameter types given, planned for the values
    /// at hand (see the list query).
    pub async fn query_typed(
        &self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> StoreResult<Vec<Row>> {
        self.sent();
        self.client.query_typed(sql, params).await.map_err(from_pg)
    }

    /// A statement sent as text, outside any prepared-statement cache.
    pub async fn simple_query(&self, sql: &str) -> StoreResult<()> {
        self.sent();
        self.client.simple_query(sql).await.map_err(from_pg)?;
        Ok(())
    }
}

impl Exec for Conn {
    type Client = deadpool_postgres::Client;

    fn client(&self) -> &Self::Client {
        &self.client
    }

    fn counter(&self) -> &AtomicU64 {
        &self.statements
    }
}

impl Tx<'_> {
    pub async fn commit(self) -> StoreResult<()> {
        let Tx { tx, mut rollback_on_drop } = self;
        rollback_on_drop.armed = false;
        rollback_on_drop.statements.fetch_add(1, Ordering::Relaxed);
        tx.commit().await.map_err(from_pg)
    }

    pub async fn rollback(self) -> StoreResult<()> {
        let Tx { tx, mut rollback_on_drop } = self;
        rollback_on_drop.armed = false;
        rollback_on_drop.statements.fetch_add(1, Ordering::Relaxed);
        tx.rollback().await.map_err(from_pg)
    }

    /// `COPY … FROM STDIN`: one statement, however many rows follow.
    pub async fn copy_in(
        &self,
        sql: &str,
    ) -> StoreResult<tokio_postgres::CopyInSink<bytes::Bytes>> {
        self.sent();
        self.tx.copy_in(sql).await.map_err(from_pg)
    }

    /// Statements separated by semicolons, sent as one text batch.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.sent();
        self.tx.batch_execute(sql).await
    }
}

impl<'a> Exec for Tx<'a> {
    type Client = Transaction<'a>;

    fn client(&self) -> &Self::Client {
        &self.tx
    }

    fn counter(&self) -> &AtomicU64 {
        self.rollback_on_drop.statements
    }
}

pub async fn query<C: Exec>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<Vec<Row>> {
    query_raw(c, sql, params).await.map_err(from_pg)
}

/// A query whose raw error is kept, so callers can read which constraint
/// it broke.
pub async fn query_raw<C: Exec>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let stmt = c.client().prepare_cached(sql).await?;
    c.sent();
    c.client().query(&stmt, params).await
}

pub async fn query_opt<C: Exec>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<Option<Row>> {
    let stmt = c.client().prepare_cached(sql).await.map_err(from_pg)?;
    c.sent();
    c.client().query_opt(&stmt, params).await.map_err(from_pg)
}

pub async fn query_one<C: Exec>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<Row> {
    let stmt = c.client().prepare_cached(sql).await.map_err(from_pg)?;
    c.sent();
    c.client().query_one(&stmt, params).await.map_err(from_pg)
}

/// Runs a statement; the raw error is kept so callers can read which
/// constraint it broke.
pub async fn execute_raw<C: Exec>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, tokio_postgres::Error> {
    let stmt = c.client().prepare_cached(sql).await?;
    c.sent();
    c.client().execute(&stmt, params).await
}

pub async fn execute<C: Exec>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<u64> {
    execute_raw(c, sql, params).await.map_err(from_pg)
}
