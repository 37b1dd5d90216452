//! Sign-in through an identity provider in SQLite: the user found by
//! (issuer, subject) or created, and a session, in one transaction.

use rusqlite::{Connection, OptionalExtension};

use roster_domain::User;
use roster_domain::access::Session;
use roster_store::{SignedIn, StoreError, StoreResult, ZoneKey};

use super::sessions::record_session;
use crate::error::from_sqlite;
use crate::users::{AFTER_USER_COLUMNS, USER_COLUMNS, insert_user, user_from_row};

pub fn sign_in(
    conn: &Connection,
    zone: &ZoneKey,
    issuer: &str,
    subject: &str,
    new_user: Option<&User>,
    session: &Session,
) -> StoreResult<SignedIn> {
    ensure_zone(conn, zone)?;
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.seq FROM users u \
         WHERE u.zone = ?1 AND u.issuer = ?2 AND u.subject = ?3"
    );
    let found = conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row((zone.seq, issuer, subject), |r| {
                Ok((r.get::<_, i64>(AFTER_USER_COLUMNS)?, user_from_row(r, zone)?))
            })
            .optional()
        })
        .map_err(from_sqlite)?;
    let (user_seq, created) = match found {
        Some((seq, user)) => {
            let session = Session { user_id: user.id, ..session.clone() };
            record_session(conn, zone, seq, user.status, &session)?;
            (seq, false)
        }
        None => {
            let user = new_user.ok_or(StoreError::NotFound)?;
            let seq = insert_user(conn, zone, user, None)?;
            let session = Session { user_id: user.id, ..session.clone() };
            record_session(conn, zone, seq, user.status, &session)?;
            (seq, true)
        }
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.seq = ?1");
    let user = conn
        .prepare_cached(&sql)
        .and_then(|mut s| s.query_row([user_seq], |r| user_from_row(r, zone)))
        .map_err(from_sqlite)?;
    Ok(SignedIn { session: Session { user_id: user.id, ..session.clone() }, user, created })
}

/// A sign-in must find the zone still there before it looks for the user:
/// a missing user there means "create one", not "no such zone".
fn ensure_zone(conn: &Connection, zone: &ZoneKey) -> StoreResult<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM zones WHERE seq = ?1)")
        .and_then(|mut s| s.query_row([zone.seq], |r| r.get(0)))
        .map_err(from_sqlite)?;
    if exists { Ok(()) } else { Err(StoreError::NotFound) }
}
