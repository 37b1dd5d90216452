//! Running list statements: the users they find, the `seq`s a search phrase
//! matches, and counts.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

use roster_domain::{Position, User};
use roster_store::{StoreResult, ZoneKey};

use super::sql::{Gathered, Sql, matches_in_zone};
use crate::error::from_sqlite;
use crate::users::user_from_row;

/// The users a plan found, and where a page cut short by the scan budget
/// resumes.
pub struct Found {
    pub users: Vec<User>,
    pub has_more: bool,
    pub resume: Option<Position>,
}

pub fn fetch(conn: &Connection, zone: &ZoneKey, sql: &Sql) -> StoreResult<Vec<User>> {
    let mut stmt = conn.prepare_cached(&sql.text).map_err(from_sqlite)?;
    let rows = stmt
        .query_map(params_from_iter(sql.params.iter()), |r| user_from_row(r, zone))
        .map_err(from_sqlite)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(from_sqlite)
}

/// The `seq`s of the zone's users matching `phrase`, when at most `cap`.
pub fn gather(
    conn: &Connection,
    zone: &ZoneKey,
    phrase: String,
    cap: usize,
) -> StoreResult<Option<Gathered>> {
    let mut sql = Sql::new("");
    let p = sql.bind(phrase);
    let set = matches_in_zone(&mut sql, zone, &p);
    let l = sql.bind(i64::try_from(cap.saturating_add(1)).unwrap_or(i64::MAX));
    sql.text = format!("{set} LIMIT {l}");
    let mut stmt = conn.prepare_cached(&sql.text).map_err(from_sqlite)?;
    let seqs = stmt
        .query_map(params_from_iter(sql.params.iter()), |r| r.get::<_, i64>(0))
        .map_err(from_sqlite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(from_sqlite)?;
    Ok((seqs.len() <= cap).then_some(Gathered(seqs)))
}

/// The number a `SELECT count(…)` statement answers.
pub fn count_of(conn: &Connection, text: &str, params: &[SqlValue]) -> StoreResult<i64> {
    conn.prepare_cached(text)
        .and_then(|mut s| s.query_row(params_from_iter(params.iter()), |r| r.get(0)))
        .map_err(from_sqlite)
}

/// `SELECT count(*)` over at most `cap + 1` rows of `inner`.
pub fn bounded_count(conn: &Connection, inner: &Sql, cap: usize) -> StoreResult<usize> {
    let text = format!("SELECT count(*) FROM ({} LIMIT {})", inner.text, cap.saturating_add(1));
    let n = count_of(conn, &text, &inner.params)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
