//! Small helpers over prepared, cached statements.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use roster_store::StoreResult;

use crate::error::from_pg;

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> StoreResult<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await.map_err(from_pg)?;
    c.query(&stmt, params).await.map_err(from_pg)
}

pub async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> StoreResult<Option<Row>> {
    let stmt = c.prepare_cached(sql).await.map_err(from_pg)?;
    c.query_opt(&stmt, params).await.map_err(from_pg)
}

pub async fn query_one<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<Row> {
    let stmt = c.prepare_cached(sql).await.map_err(from_pg)?;
    c.query_one(&stmt, params).await.map_err(from_pg)
}

/// Runs a statement; the raw error is kept so callers can read which
/// constraint it broke.
pub async fn execute_raw<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, tokio_postgres::Error> {
    let stmt = c.prepare_cached(sql).await?;
    c.execute(&stmt, params).await
}

pub async fn execute<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> StoreResult<u64> {
    execute_raw(c, sql, params).await.map_err(from_pg)
}
