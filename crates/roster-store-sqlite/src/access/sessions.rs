//! Sessions and delegated grants in SQLite: both belong to a user, are
//! revoked rather than deleted, and go when the user is disabled.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::access::{Grant, Session};
use roster_domain::{GrantId, ProviderId, SessionId, Timestamp, UserId, UserStatus};
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey};

use super::providers::provider_exists;
use crate::db;
use crate::error::from_sqlite;
use crate::page::page_by_id;
use crate::row::{id16, opt_ts, ts};
use crate::users::locate_user;

/// Sessions and grants alike: a user's rows, listed, read and revoked (never
/// deleted) the same way. `select` reads the table as `alias`.
struct Held<T> {
    table: &'static str,
    alias: &'static str,
    select: &'static str,
    from_row: fn(&Row<'_>) -> rusqlite::Result<T>,
}

impl<T> Held<T> {
    fn list(
        &self,
        conn: &Connection,
        zone: &ZoneKey,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<T>> {
        let (seq, _) = locate_user(conn, zone, user)?;
        let base = format!("{} WHERE {}.user_seq = ?1", self.select, self.alias);
        page_by_id(conn, &base, vec![SqlValue::Integer(seq)], window, self.from_row)
    }

    fn get(
        &self,
        conn: &Connection,
        zone: &ZoneKey,
        user: &UserId,
        id: [u8; 16],
    ) -> StoreResult<T> {
        let (user_seq, _) = locate_user(conn, zone, user)?;
        self.of(conn, user_seq, id)
    }

    /// The row `id` of the user at `user_seq`.
    fn of(&self, conn: &Connection, user_seq: i64, id: [u8; 16]) -> StoreResult<T> {
        let Held { select, alias, .. } = self;
        let sql = format!("{select} WHERE {alias}.user_seq = ?1 AND {alias}.id = ?2");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row((user_seq, id.as_slice()), self.from_row).optional())
            .map_err(from_sqlite)?
            .ok_or(StoreError::NotFound)
    }

    /// Revokes the row (a second revocation keeps the first time) and
    /// returns it.
    fn revoke(
        &self,
        conn: &Connection,
        zone: &ZoneKey,
        user: &UserId,
        id: [u8; 16],
        at: Timestamp,
    ) -> StoreResult<(T, bool)> {
        let (user_seq, _) = locate_user(conn, zone, user)?;
        let sql = format!(
            "UPDATE {} SET revoked_at = ?3 WHERE user_seq = ?1 AND id = ?2 AND revoked_at IS NULL",
            self.table
        );
        let n = db::execute(conn, &sql, (user_seq, id.as_slice(), at.as_micros()))
            .map_err(from_sqlite)?;
        Ok((self.of(conn, user_seq, id)?, n > 0))
    }
}

const SESSIONS: Held<Session> = Held {
    table: "sessions",
    alias: "s",
    select: "SELECT s.id AS id, u.id, s.provider_id, s.created_at, s.expires_at, s.revoked_at, \
             s.created_by FROM sessions s JOIN users u ON u.seq = s.user_seq",
    from_row: session_from_row,
};

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    let provider: Option<String> = r.get(2)?;
    Ok(Session {
        id: SessionId::from_bytes(id16(r.get(0)?)?),
        user_id: UserId::from_bytes(id16(r.get(1)?)?),
        provider_id: provider.as_deref().and_then(ProviderId::parse),
        created_at: ts(r.get(3)?)?,
        expires_at: opt_ts(r.get(4)?)?,
        revoked_at: opt_ts(r.get(5)?)?,
        created_by: r.get(6)?,
    })
}

pub fn list_sessions(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<Session>> {
    SESSIONS.list(conn, zone, user, window)
}

/// Inserts a session for the user at `user_seq` and moves its
/// `authenticated_at` (and version) forward.
pub(super) fn record_session(
    conn: &Connection,
    zone: &ZoneKey,
    user_seq: i64,
    status: UserStatus,
    s: &Session,
) -> StoreResult<()> {
    if status == UserStatus::Disabled {
        return Err(StoreError::UserDisabled);
    }
    if let Some(provider) = &s.provider_id
        && !provider_exists(conn, zone.seq, &provider.to_string())?
    {
        return Err(StoreError::MissingReference { field: "provider_id" });
    }
    db::execute(
        conn,
        "INSERT INTO sessions (id, user_seq, provider_id, created_at, expires_at, revoked_at, \
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)",
        rusqlite::params![
            s.id.to_bytes().as_slice(),
            user_seq,
            s.provider_id.map(|p| p.to_string()),
            s.created_at.as_micros(),
            s.expires_at.map(Timestamp::as_micros),
            s.created_by,
        ],
    )
    .map_err(from_sqlite)?;
    db::execute(
        conn,
        "UPDATE users SET authenticated_at = max(coalesce(authenticated_at, ?2), ?2), \
         version = version + 1 WHERE seq = ?1",
        (user_seq, s.created_at.as_micros()),
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub fn insert_session(conn: &Connection, zone: &ZoneKey, s: &Session) -> StoreResult<()> {
    let (user_seq, status) = locate_user(conn, zone, &s.user_id)?;
    record_session(conn, zone, user_seq, status, s)
}

pub fn revoke_session(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &SessionId,
    at: Timestamp,
) -> StoreResult<(Session, bool)> {
    SESSIONS.revoke(conn, zone, user, id.to_bytes(), at)
}

pub fn get_session(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &SessionId,
) -> StoreResult<Session> {
    SESSIONS.get(conn, zone, user, id.to_bytes())
}

// Grants.

const GRANTS: Held<Grant> = Held {
    table: "grants",
    alias: "g",
    select: "SELECT g.id AS id, u.id, g.client_id, g.resource, g.scopes, g.created_at, \
             g.expires_at, g.revoked_at, g.created_by \
             FROM grants g JOIN users u ON u.seq = g.user_seq",
    from_row: grant_from_row,
};

fn grant_from_row(r: &Row<'_>) -> rusqlite::Result<Grant> {
    let scopes: String = r.get(4)?;
    Ok(Grant {
        id: GrantId::from_bytes(id16(r.get(0)?)?),
        user_id: UserId::from_bytes(id16(r.get(1)?)?),
        client_id: r.get(2)?,
        resource: r.get(3)?,
        scopes: serde_json::from_str(&scopes).unwrap_or_default(),
        created_at: ts(r.get(5)?)?,
        expires_at: opt_ts(r.get(6)?)?,
        revoked_at: opt_ts(r.get(7)?)?,
        created_by: r.get(8)?,
    })
}

pub fn list_grants(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<Grant>> {
    GRANTS.list(conn, zone, user, window)
}

pub fn insert_grant(conn: &Connection, zone: &ZoneKey, g: &Grant) -> StoreResult<()> {
    let (user_seq, status) = locate_user(conn, zone, &g.user_id)?;
    if status == UserStatus::Disabled {
        return Err(StoreError::UserDisabled);
    }
    let scopes =
        serde_json::to_string(&g.scopes).map_err(|e| StoreError::Internal(e.to_string()))?;
    db::execute(
        conn,
        "INSERT INTO grants (id, user_seq, client_id, resource, scopes, created_at, expires_at, \
         revoked_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)",
        rusqlite::params![
            g.id.to_bytes().as_slice(),
            user_seq,
            g.client_id,
            g.resource,
            scopes,
            g.created_at.as_micros(),
            g.expires_at.map(Timestamp::as_micros),
            g.created_by,
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub fn revoke_grant(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &GrantId,
    at: Timestamp,
) -> StoreResult<(Grant, bool)> {
    GRANTS.revoke(conn, zone, user, id.to_bytes(), at)
}

pub fn get_grant(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &GrantId,
) -> StoreResult<Grant> {
    GRANTS.get(conn, zone, user, id.to_bytes())
}
