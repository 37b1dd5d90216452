//! Walk plans: the zone read in the requested order, a bounded stretch at
//! a time, with the rank levels of a search taken one after another.

use rusqlite::{Connection, params_from_iter};

use roster_domain::{Position, Rank, SortField, SortValue, Timestamp, User, UserId, UserQuery};
use roster_store::Param;
use roster_store::keyset::{Key, directed, position_values, raw_column, sort_keys};
use roster_store::{ListLimits, StoreError, StoreResult, WalkFrame, ZoneKey};

use super::fetch::{Found, fetch, gather};
use super::sql::{
    Matching, Sql, after, level_phrase, push_conditions, push_order, rank_expr, up_to,
};
use crate::error::from_sqlite;
use crate::users::USER_COLUMNS;

/// What every statement of one rank level of a walk reads: the zone's users
/// at `level` (all of them when `None`) in the order `keys`.
struct Level<'a> {
    zone: &'a ZoneKey,
    query: &'a UserQuery,
    level: Option<u8>,
    keys: &'a [Key],
}

/// Where a walk step stops: the position of the `n`-th user of the zone
/// after `from` in the order `keys`, or `None` when fewer remain. Reads
/// the sort index only.
struct Stop {
    params: Vec<Param>,
    values: Vec<SortValue>,
    id: UserId,
}

fn stop_after(
    conn: &Connection,
    at: &Level<'_>,
    from: Option<&[Param]>,
    n: usize,
) -> StoreResult<Option<Stop>> {
    let Level { zone, query, keys, .. } = *at;
    let columns: Vec<&str> = query.sort.keys.iter().map(|k| raw_column(k.field)).collect();
    let mut sql = Sql::new(format!(
        "SELECT {}u.id FROM users u",
        columns.iter().map(|c| format!("{c}, ")).collect::<String>()
    ));
    let z = sql.bind(zone.seq);
    sql.text.push_str(&format!(" WHERE u.zone = {z}"));
    if let Some(from) = from {
        let cond = after(&mut sql, keys, from.to_vec());
        sql.text.push_str(&format!(" AND {cond}"));
    }
    push_order(&mut sql, keys);
    let o = sql.bind(i64::try_from(n.saturating_sub(1)).unwrap_or(i64::MAX));
    sql.text.push_str(&format!(" LIMIT 1 OFFSET {o}"));
    let mut stmt = conn.prepare_cached(&sql.text).map_err(from_sqlite)?;
    let mut rows = stmt.query(params_from_iter(sql.params.iter())).map_err(from_sqlite)?;
    let Some(row) = rows.next().map_err(from_sqlite)? else {
        return Ok(None);
    };
    let mut values = Vec::new();
    for (i, key) in query.sort.keys.iter().enumerate() {
        let value = match key.field {
            SortField::CreatedAt | SortField::UpdatedAt => {
                let micros: i64 = row.get(i).map_err(from_sqlite)?;
                SortValue::Time(
                    Timestamp::from_micros(micros)
                        .ok_or_else(|| StoreError::Internal("malformed timestamp".into()))?,
                )
            }
            _ => SortValue::Text(row.get(i).map_err(from_sqlite)?),
        };
        values.push(value);
    }
    let id_bytes: Vec<u8> = row.get(query.sort.keys.len()).map_err(from_sqlite)?;
    let id = <[u8; 16]>::try_from(id_bytes.as_slice())
        .map(UserId::from_bytes)
        .map_err(|_| StoreError::Internal("malformed user id".into()))?;
    let pos = Position { rank: None, values: values.clone(), id };
    Ok(Some(Stop { params: position_values(query, &pos, false), values, id }))
}

/// The matching users of one rank level between `from` (exclusive) and
/// `stop` (inclusive), in order, at most `n`.
fn rows_between(
    conn: &Connection,
    at: &Level<'_>,
    from: Option<&[Param]>,
    stop: Option<&Stop>,
    n: usize,
) -> StoreResult<Vec<User>> {
    let Level { zone, query, level: rank, keys } = *at;
    let mut sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users u"));
    let z = sql.bind(zone.seq);
    sql.text.push_str(&format!(" WHERE u.zone = {z}"));
    push_conditions(&mut sql, zone, query, Matching::Rows, None);
    if let (Some(r), Some(term)) = (rank, query.search.first()) {
        push_rank(&mut sql, term, r);
    }
    push_after(&mut sql, keys, from);
    if let Some(stop) = stop {
        let cond = up_to(&mut sql, keys, stop.params.clone());
        sql.text.push_str(&format!(" AND {cond}"));
    }
    push_order(&mut sql, keys);
    let l = sql.bind(i64::try_from(n).unwrap_or(i64::MAX));
    sql.text.push_str(&format!(" LIMIT {l}"));
    fetch(conn, zone, &sql)
}

/// A rank level's matching users after `from`, in order, at most `n`,
/// straight from the search index, when the index finds at most
/// `candidate_cap` users of the zone at that level (whole-field and
/// field-start matches of a common term are often few, or none); `None`
/// when the level must be walked.
fn indexed_level(
    conn: &Connection,
    at: &Level<'_>,
    from: Option<&[Param]>,
    n: usize,
    limits: ListLimits,
) -> StoreResult<Option<Vec<User>>> {
    let Level { zone, query, level, keys } = *at;
    let (Some(level), Some(term)) = (level, query.search.first()) else {
        return Ok(None);
    };
    let Some(phrase) = level_phrase(term, level) else {
        return Ok(None);
    };
    let Some(level_set) = gather(conn, zone, phrase, limits.candidate_cap)? else {
        return Ok(None);
    };
    // The level's set stands for the term's own test: its phrase holds the
    // term. `+u.zone`: the few matches drive the statement, not the zone's
    // index.
    let mut sql = Sql::new("");
    let z = sql.bind(zone.seq);
    sql.text = format!("SELECT u.seq FROM users u WHERE +u.zone = {z}");
    push_conditions(&mut sql, zone, query, Matching::Rows, Some((0, &level_set)));
    // The field-start phrase also finds whole-field matches (level 0). The
    // rank is the row's, as the walked levels compute it: the index's could
    // differ for a field holding the document's field mark (U+001F), and a
    // user would then be served at two levels.
    push_rank(&mut sql, term, level);
    push_after(&mut sql, keys, from);
    push_order(&mut sql, keys);
    let l = sql.bind(i64::try_from(n).unwrap_or(i64::MAX));
    sql.text.push_str(&format!(" LIMIT {l}"));
    // Thousands of a common term's field-start matches are sorted as
    // `seq`s and keys; only the page's rows are read whole.
    sql.text = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.seq IN ({})", sql.text);
    push_order(&mut sql, keys);
    fetch(conn, zone, &sql).map(Some)
}

/// Users looked at by the first step of a walk: small, so that dense
/// filters fill their page after reading a short stretch of the index.
const FIRST_STEP: usize = 1_000;

/// The page by walking the zone in order within the scan budget.
pub(super) fn walk(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<Found> {
    let frame = WalkFrame::of(query);
    let want = frame.want;
    let keys = directed(&sort_keys(query), frame.flip);

    let mut out: Vec<User> = Vec::new();
    let mut resume = None;
    'levels: for (level, start) in frame.steps() {
        let at = Level { zone, query, level, keys: &keys };
        let mut from: Option<Vec<Param>> = start.map(|p| position_values(query, p, false));
        if let Some(rows) = indexed_level(conn, &at, from.as_deref(), want - out.len(), limits)? {
            out.extend(rows);
            if out.len() >= want {
                break 'levels;
            }
            continue 'levels;
        }
        let mut scanned = 0usize;
        let mut step = FIRST_STEP.max(want.saturating_mul(2)).min(limits.scan_budget.max(1));
        loop {
            let stop = stop_after(conn, &at, from.as_deref(), step)?;
            let rows = rows_between(conn, &at, from.as_deref(), stop.as_ref(), want - out.len())?;
            out.extend(rows);
            scanned = scanned.saturating_add(step);
            if out.len() >= want {
                break 'levels;
            }
            let Some(stop) = stop else {
                // This level is exhausted: on to the next.
                continue 'levels;
            };
            let left = limits.scan_budget.saturating_sub(scanned);
            if left == 0 {
                resume = Some(Position {
                    rank: level.and_then(Rank::from_u8),
                    values: stop.values,
                    id: stop.id,
                });
                break 'levels;
            }
            from = Some(stop.params);
            step = left;
        }
    }

    let (users, has_more, resume) = frame.page(query, out, resume)?;
    Ok(Found { users, has_more, resume })
}

/// ` AND` the row's rank for `term` is `level`.
fn push_rank(sql: &mut Sql, term: &str, level: u8) {
    let expr = rank_expr(sql, term);
    let r = sql.bind(i64::from(level));
    sql.text.push_str(&format!(" AND {expr} = {r}"));
}

/// ` AND` the row comes after `from` in the order `keys`, when given.
fn push_after(sql: &mut Sql, keys: &[Key], from: Option<&[Param]>) {
    if let Some(from) = from {
        let cond = after(sql, keys, from.to_vec());
        sql.text.push_str(&format!(" AND {cond}"));
    }
}
