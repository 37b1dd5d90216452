//! What the list plans share: the stretch of the zone a walk step (or an
//! index level) reads, bounded counts, the zone's counters, and rows read
//! back as users.

use tokio_postgres::Row;

use roster_domain::{Position, User, UserQuery};
use roster_store::keyset::Key;
use roster_store::{StoreResult, ZoneKey};

use super::sql::Sql;
use crate::db::Conn;
use crate::row::get;
use crate::users::user_from_row;

/// Where one step of a walk reads: the zone's users after `from` in the
/// order of `keys` (reversed when `flip`).
pub(super) struct Step<'a> {
    pub(super) zone: &'a ZoneKey,
    pub(super) query: &'a UserQuery,
    pub(super) keys: &'a [Key],
    pub(super) from: Option<&'a Position>,
    pub(super) flip: bool,
}

pub(super) fn users_of(rows: &[Row], zone: &ZoneKey) -> StoreResult<Vec<User>> {
    rows.iter().map(|r| user_from_row(r, zone)).collect()
}

/// Column `i` of the statement's one row, or `T::default()` when it
/// returned none.
pub(super) fn first_or_default<T>(rows: &[Row], i: usize) -> StoreResult<T>
where
    T: for<'r> tokio_postgres::types::FromSql<'r> + Default,
{
    match rows.first() {
        Some(row) => get(row, i),
        None => Ok(T::default()),
    }
}

/// `count(*)` over at most `cap + 1` rows of `inner`.
pub(super) async fn bounded_count(client: &Conn, inner: &Sql, cap: usize) -> StoreResult<usize> {
    let text = format!("SELECT count(*) FROM ({} LIMIT {}) c", inner.text, cap.saturating_add(1));
    let rows = client.query_typed(&text, &inner.params(inner.params.len())).await?;
    let n: i64 = first_or_default(&rows, 0)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The zone's users (with one of the bound statuses, when given) from the
/// counters every write keeps up to date: no scan.
pub(super) fn counted_sql(statuses: Option<&str>) -> String {
    let mut s =
        String::from("SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = $1");
    if let Some(p) = statuses {
        s.push_str(&format!(" AND c.status = ANY({p})"));
    }
    s
}
