//! Expansions of a page of users in PostgreSQL.

use std::collections::HashMap;

use roster_domain::access::Expansion;
use roster_domain::{Timestamp, UserId};
use roster_store::{Counted, ExpandRequest, Expansions, StoreResult, ZoneKey};

use super::roles::{ASSIGNMENT_SELECT, assignment_from_row};
use crate::db::{self, Exec};
use crate::row::{get, id16};
use crate::types::{PgId, id, time};

/// One statement per kind of extra, whatever the page size: the ids go in
/// as one `uuid[]`. Users not in the zone get empty extras.
pub async fn expand_users<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    users: &[UserId],
    what: ExpandRequest,
    now: Timestamp,
) -> StoreResult<HashMap<UserId, Expansion>> {
    let mut out = Expansions::new(users);
    if users.is_empty() {
        return Ok(out.into_map());
    }
    let ids: Vec<PgId> = users.iter().map(|u| id(u.to_bytes())).collect();
    if what.role_assignments {
        let sql = format!(
            "{ASSIGNMENT_SELECT} JOIN users u ON u.id = ra.user_id \
             WHERE u.zone = $1 AND ra.user_id = ANY($2::uuid[]) ORDER BY ra.user_id, ra.id"
        );
        for row in db::query(c, &sql, &[&zone.seq, &ids]).await? {
            out.add_assignment(assignment_from_row(&row)?);
        }
    }
    for counted in what.counts() {
        let table = match counted {
            Counted::Sessions => "sessions",
            Counted::Grants => "grants",
        };
        let sql = format!(
            "SELECT t.user_id, count(*) FROM {table} t JOIN users u ON u.id = t.user_id \
             WHERE u.zone = $1 AND t.user_id = ANY($2::uuid[]) AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $3) GROUP BY t.user_id"
        );
        for row in db::query(c, &sql, &[&zone.seq, &ids, &time(now)]).await? {
            let uid = UserId::from_bytes(id16(&row, 0)?);
            out.set_count(counted, &uid, u64::try_from(get::<i64>(&row, 1)?).unwrap_or(0));
        }
    }
    Ok(out.into_map())
}
