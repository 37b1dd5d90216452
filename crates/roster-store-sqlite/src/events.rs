//! The change feed in SQLite: events written in the writer's transaction,
//! read in `pos` order (the single writer makes it commit order).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use roster_domain::events::{Event, NewEvent};
use roster_domain::{OrgId, Timestamp};
use roster_store::{
    EventPage, EventQuery, EventRow, EventText, FEED_SCAN_LIMIT, FeedPosition, StoreError,
    StoreResult,
};

use crate::db;
use crate::error::from_sqlite;

/// The `meta` key of the position of the newest event retention deleted.
const HORIZON: &str = "events_horizon";

/// The most events one purge deletes; the caller repeats while it is full.
pub const PURGE_CHUNK: i64 = 10_000;

pub fn record(conn: &Connection, event: &NewEvent) -> StoreResult<()> {
    let text = EventText::of(event)?;
    db::execute(
        conn,
        "INSERT INTO events (id, org_id, zone_id, type, occurred_at, actor_type, actor_id, \
         object, changed_fields, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![
            event.id.to_bytes().as_slice(),
            event.organization_id.to_bytes().as_slice(),
            event.zone.to_bytes().as_slice(),
            event.kind.as_str(),
            event.occurred_at.as_micros(),
            event.actor.kind(),
            event.actor.id(),
            text.object,
            text.changed_fields,
            text.user_id,
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

fn horizon(conn: &Connection) -> StoreResult<u64> {
    let value: Option<i64> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .and_then(|mut s| s.query_row([HORIZON], |r| r.get(0)).optional())
        .map_err(from_sqlite)?;
    Ok(value.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
}

fn blob16(bytes: Vec<u8>) -> rusqlite::Result<[u8; 16]> {
    bytes.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Blob,
            "expected 16 bytes".into(),
        )
    })
}

/// A page of the feed: matches among at most `FEED_SCAN_LIMIT` events
/// after the position (see `FEED_SCAN_LIMIT`).
pub fn events_after(conn: &Connection, q: &EventQuery) -> StoreResult<EventPage> {
    // No cursor: from the oldest event kept, wherever that is now.
    let cursor = q.after.map_or(0, |p| p.seq);
    if q.after.is_some() && cursor < horizon(conn)? {
        return Err(StoreError::CursorExpired);
    }
    let after = i64::try_from(cursor).map_err(|_| StoreError::CursorExpired)?;
    let org = SqlValue::Blob(q.org.to_bytes().to_vec());
    // First the window this page looks through, fixed by its last
    // position: rows committed meanwhile lie beyond it, so the filtered
    // read below and the cursor agree on what was looked at.
    let (sql, window) = window_statement(q, org.clone(), after);
    let (looked_at, end): (i64, Option<i64>) = conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params_from_iter(window.iter()), |r| Ok((r.get(0)?, r.get(1)?)))
        })
        .map_err(from_sqlite)?;
    let Some(end) = end else {
        return Ok(EventPage {
            events: Vec::new(),
            positions: Vec::new(),
            next: q.after,
            has_more: false,
        });
    };
    let (sql, params) = page_statement(q, org, after, end);
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), event_row)
        .map_err(from_sqlite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(from_sqlite)?;
    // A purge may have committed since the check above (each read here
    // has a snapshot of its own): if it reached past the cursor, the rows
    // just read miss events, and the answer is the same 410.
    if q.after.is_some() && cursor < horizon(conn)? {
        return Err(StoreError::CursorExpired);
    }
    let full = rows.len() > q.limit;
    let mut events = Vec::with_capacity(rows.len().min(q.limit));
    let mut positions = Vec::with_capacity(events.capacity());
    for (pos, row) in rows.into_iter().take(q.limit) {
        events.push(row.decode()?);
        positions.push(position(pos));
    }
    Ok(if full {
        let next = positions.last().copied();
        EventPage { events, positions, next, has_more: true }
    } else {
        // The whole window was looked at: the next page starts after it,
        // whether or not its last event matched.
        let has_more = usize::try_from(looked_at).unwrap_or(0) >= FEED_SCAN_LIMIT;
        EventPage { events, positions, next: Some(position(end)), has_more }
    })
}

/// The read of a page's matches among the events in `(after, end]`.
fn page_statement(q: &EventQuery, org: SqlValue, after: i64, end: i64) -> (String, Vec<SqlValue>) {
    let mut params = vec![org, SqlValue::Integer(after), SqlValue::Integer(end)];
    let mut sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events{} WHERE org_id = ?1 AND pos > ?2 AND pos <= ?3",
        user_index(q.user.is_some())
    );
    if let Some(user) = q.user {
        params.push(SqlValue::Text(user.to_string()));
        sql.push_str(&format!(" AND user_id = ?{}", params.len()));
    }
    zone_clause(&mut sql, &mut params, q);
    if let Some(types) = &q.types {
        let list =
            placeholders(&mut params, types.iter().map(|t| SqlValue::Text(t.as_str().into())));
        sql.push_str(&format!(" AND type IN ({list})"));
    }
    params.push(SqlValue::Integer(i64::try_from(q.limit + 1).unwrap_or(i64::MAX)));
    sql.push_str(&format!(" ORDER BY pos LIMIT ?{}", params.len()));
    (sql, params)
}

/// The window of a page: how many events it looks through and the last
/// one's position. Without a user, the organization's next events, whoever
/// may read them. With one, only that user's events the reader may see:
/// were events of zones it may not see counted, the cursor would move over
/// them and tell a zone-limited key that a user of another zone exists and
/// when it was active; this way such a user answers exactly as one without
/// events. The index holds the zone, so the window reads no table rows.
fn window_statement(q: &EventQuery, org: SqlValue, after: i64) -> (String, Vec<SqlValue>) {
    let scan = i64::try_from(FEED_SCAN_LIMIT).unwrap_or(i64::MAX);
    let mut params = vec![org, SqlValue::Integer(after), SqlValue::Integer(scan)];
    let mut sql = format!(
        "SELECT count(*), max(pos) FROM (SELECT pos FROM events{} WHERE org_id = ?1 AND pos > ?2",
        user_index(q.user.is_some())
    );
    if let Some(user) = q.user {
        params.push(SqlValue::Text(user.to_string()));
        sql.push_str(&format!(" AND user_id = ?{}", params.len()));
        zone_clause(&mut sql, &mut params, q);
    }
    sql.push_str(" ORDER BY pos LIMIT ?3)");
    (sql, params)
}

fn zone_clause(sql: &mut String, params: &mut Vec<SqlValue>, q: &EventQuery) {
    if let Some(zones) = &q.zones {
        let list =
            placeholders(params, zones.iter().map(|z| SqlValue::Blob(z.to_bytes().to_vec())));
        sql.push_str(&format!(" AND zone_id IN ({list})"));
    }
}

/// A user's events are read through their own index, named so that the
/// read can never fall back to walking the organization's feed (no
/// ANALYZE steers the planner; see `open`).
fn user_index(by_user: bool) -> &'static str {
    if by_user { " INDEXED BY events_user" } else { "" }
}

/// SQLite's positions: one sequence, `tx` always 0.
pub fn position(pos: i64) -> FeedPosition {
    FeedPosition { tx: 0, seq: u64::try_from(pos).unwrap_or(0) }
}

const EVENT_COLUMNS: &str =
    "pos, id, org_id, zone_id, type, occurred_at, actor_type, actor_id, object, changed_fields";

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, EventRow)> {
    let micros: i64 = r.get(5)?;
    Ok((
        r.get::<_, i64>(0)?,
        EventRow {
            id: blob16(r.get(1)?)?,
            org: blob16(r.get(2)?)?,
            zone: blob16(r.get(3)?)?,
            kind: r.get(4)?,
            occurred_at: Timestamp::from_micros(micros).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    5,
                    rusqlite::types::Type::Integer,
                    "timestamp out of range".into(),
                )
            })?,
            actor_type: r.get(6)?,
            actor_id: r.get(7)?,
            object: r.get(8)?,
            changed_fields: r.get(9)?,
        },
    ))
}

/// The event at a position of the organization's feed.
pub fn event_at(conn: &Connection, org: &OrgId, at: FeedPosition) -> StoreResult<Event> {
    let pos = i64::try_from(at.seq).map_err(|_| StoreError::NotFound)?;
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE pos = ?1 AND org_id = ?2");
    let row = conn
        .prepare_cached(&sql)
        .and_then(|mut s| s.query_row((pos, org.to_bytes().as_slice()), event_row).optional())
        .map_err(from_sqlite)?;
    row.ok_or(StoreError::NotFound)?.1.decode()
}

fn placeholders(params: &mut Vec<SqlValue>, values: impl Iterator<Item = SqlValue>) -> String {
    let mut list = Vec::new();
    for v in values {
        params.push(v);
        list.push(format!("?{}", params.len()));
    }
    list.join(", ")
}

/// Deletes the oldest events that occurred before `before`, as a prefix
/// of the feed (up to the first event kept) and at most `PURGE_CHUNK` at a
/// time so the writer is never held long, and remembers the last position
/// deleted: a cursor before it has missed events and is refused.
pub fn purge(conn: &Connection, before: Timestamp) -> StoreResult<u64> {
    let mut stmt = conn
        .prepare_cached("SELECT pos, occurred_at FROM events ORDER BY pos LIMIT ?1")
        .map_err(from_sqlite)?;
    let mut rows = stmt.query([PURGE_CHUNK]).map_err(from_sqlite)?;
    let mut last_gone = None;
    while let Some(row) = rows.next().map_err(from_sqlite)? {
        let (pos, at): (i64, i64) =
            (row.get(0).map_err(from_sqlite)?, row.get(1).map_err(from_sqlite)?);
        if at >= before.as_micros() {
            break;
        }
        last_gone = Some(pos);
    }
    drop(rows);
    let Some(last_gone) = last_gone else { return Ok(0) };
    let n = db::execute(conn, "DELETE FROM events WHERE pos <= ?1", [last_gone])
        .map_err(from_sqlite)?;
    db::execute(
        conn,
        "INSERT INTO meta (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
        rusqlite::params![HORIZON, last_gone],
    )
    .map_err(from_sqlite)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use roster_domain::{UserId, ZoneId};

    use super::*;

    fn migrated() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::users::register_functions(&conn).unwrap();
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).unwrap();
        crate::open::migrate(&mut conn).unwrap();
        conn
    }

    fn plan(conn: &Connection, (sql, params): (String, Vec<SqlValue>)) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows =
            stmt.query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    }

    /// A user's activity must cost what that user has, not what the
    /// organization has: both reads of a page under the `user_id` filter
    /// search the user's index by organization, user and position, with
    /// every other filter on top.
    #[test]
    fn a_user_filter_reads_only_that_users_index_entries() {
        let conn = migrated();
        let q = EventQuery {
            org: OrgId::from_bytes([1; 16]),
            after: None,
            limit: 10,
            zones: Some(vec![ZoneId::from_bytes([2; 16])]),
            types: Some(vec![roster_domain::events::EventType::UserUpdated]),
            user: Some(UserId::from_bytes([3; 16])),
        };
        let window = plan(&conn, window_statement(&q, SqlValue::Null, 0));
        assert!(
            window.contains("USING COVERING INDEX events_user (org_id=? AND user_id=? AND pos>?)"),
            "{window}"
        );
        let page = plan(&conn, page_statement(&q, SqlValue::Null, 0, 0));
        assert!(
            page.contains("USING INDEX events_user (org_id=? AND user_id=? AND pos>? AND pos<?)"),
            "{page}"
        );
        assert!(!page.contains("SCAN") && !page.contains("TEMP B-TREE"), "{page}");
    }
}
