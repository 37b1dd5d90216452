//! Pages of the small collections (zones, keys, roles, providers, a user's
//! sessions, grants and assignments), listed in id order.

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use roster_store::{IdWindow, Page, StoreResult};

use crate::db::{self, Exec};
use crate::row::get;
use crate::types::id;

/// A page of rows ordered by id. `base` selects from one table with `$1`
/// .. `$n` bound to `params`; it must expose an `id` column.
pub async fn page_by_id<C: Exec, T>(
    c: &C,
    base: &str,
    params: &[&(dyn ToSql + Sync)],
    window: &IdWindow,
    map: impl Fn(&Row) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let count_sql = format!("SELECT count(*) FROM ({base}) AS t");
    let total: i64 = get(&db::query_one(c, &count_sql, params).await?, 0)?;

    let after = window.after.map(id);
    let limit = i64::try_from(window.limit.saturating_add(1)).unwrap_or(i64::MAX);
    let mut all: Vec<&(dyn ToSql + Sync)> = params.to_vec();
    let mut sql = format!("SELECT * FROM ({base}) AS t");
    if let Some(after) = &after {
        all.push(after);
        let op = if window.backwards { "<" } else { ">" };
        sql.push_str(&format!(" WHERE t.id {op} ${}", all.len()));
    }
    all.push(&limit);
    let order = if window.backwards { "DESC" } else { "ASC" };
    sql.push_str(&format!(" ORDER BY t.id {order} LIMIT ${}", all.len()));
    let rows = db::query(c, &sql, &all).await?;
    let items = rows.iter().map(map).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, window, u64::try_from(total).unwrap_or(0)))
}
