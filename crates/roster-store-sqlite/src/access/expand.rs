//! Expansions of a page of users in SQLite: role assignments, grant and
//! session counts, in one statement each.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

use super::roles::{ASSIGNMENT_SELECT, assignment_from_row};
use roster_domain::access::Expansion;
use roster_domain::{Timestamp, UserId};
use roster_store::{Counted, ExpandRequest, Expansions, StoreError, StoreResult, ZoneKey};

use crate::error::from_sqlite;
use crate::row::id16;

pub fn expand_users(
    conn: &Connection,
    zone: &ZoneKey,
    users: &[UserId],
    what: ExpandRequest,
    now: Timestamp,
) -> StoreResult<HashMap<UserId, Expansion>> {
    let mut out = Expansions::new(users);
    if users.is_empty() {
        return Ok(out.into_map());
    }
    // One statement per kind of extra, whatever the page size: the ids go in
    // as one JSON array.
    let ids: Vec<String> = users.iter().map(|u| hex(&u.to_bytes())).collect();
    let ids_json = serde_json::to_string(&ids).map_err(|e| StoreError::Internal(e.to_string()))?;
    // Looked up by id; the unary `+` keeps the planner from walking the
    // whole zone instead.
    let page = "SELECT seq FROM users WHERE +zone = ?1 AND id IN \
                (SELECT unhex(value) FROM json_each(?2))";
    if what.role_assignments {
        let sql = format!(
            "{ASSIGNMENT_SELECT} WHERE ra.user_seq IN ({page}) ORDER BY ra.user_seq, ra.id"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
        let rows = stmt
            .query_map(
                params_from_iter([SqlValue::Integer(zone.seq), SqlValue::Text(ids_json.clone())]),
                assignment_from_row,
            )
            .map_err(from_sqlite)?;
        for row in rows {
            out.add_assignment(row.map_err(from_sqlite)?);
        }
    }
    for counted in what.counts() {
        let table = match counted {
            Counted::Sessions => "sessions",
            Counted::Grants => "grants",
        };
        let sql = format!(
            "SELECT u.id, count(*) FROM {table} t JOIN users u ON u.seq = t.user_seq \
             WHERE t.user_seq IN ({page}) AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > ?3) GROUP BY t.user_seq"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
        let rows = stmt
            .query_map(
                params_from_iter([
                    SqlValue::Integer(zone.seq),
                    SqlValue::Text(ids_json.clone()),
                    SqlValue::Integer(now.as_micros()),
                ]),
                |r| Ok((UserId::from_bytes(id16(r.get(0)?)?), r.get::<_, i64>(1)?)),
            )
            .map_err(from_sqlite)?;
        for row in rows {
            let (id, n) = row.map_err(from_sqlite)?;
            out.set_count(counted, &id, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(out.into_map())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
