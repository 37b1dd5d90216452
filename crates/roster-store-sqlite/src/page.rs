//! Pages of the small collections (zones, keys, roles, providers, a user's
//! sessions, grants and assignments), listed in id order.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params_from_iter};

use roster_store::{IdWindow, Page, StoreResult};

use crate::error::from_sqlite;

/// A page of rows of `table` ordered by `id`, under an org and optional
/// extra condition, with the total.
pub fn page_by_id<T>(
    conn: &Connection,
    base: &str,
    mut params: Vec<SqlValue>,
    window: &IdWindow,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let count_sql = format!("SELECT count(*) FROM ({base})");
    let total: i64 = conn
        .prepare_cached(&count_sql)
        .and_then(|mut s| s.query_row(params_from_iter(params.iter()), |r| r.get(0)))
        .map_err(from_sqlite)?;
    let mut sql = format!("SELECT * FROM ({base}) AS t");
    if let Some(after) = window.after {
        params.push(SqlValue::Blob(after.to_vec()));
        let op = if window.backwards { "<" } else { ">" };
        sql.push_str(&format!(" WHERE t.id {op} ?{}", params.len()));
    }
    let order = if window.backwards { "DESC" } else { "ASC" };
    params.push(SqlValue::Integer(i64::try_from(window.limit + 1).unwrap_or(i64::MAX)));
    sql.push_str(&format!(" ORDER BY t.id {order} LIMIT ?{}", params.len()));
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    let items = stmt
        .query_map(params_from_iter(params.iter()), map)
        .map_err(from_sqlite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(from_sqlite)?;
    Ok(Page::from_rows(items, window, u64::try_from(total).unwrap_or(0)))
}
