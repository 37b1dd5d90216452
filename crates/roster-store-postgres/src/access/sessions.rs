//! Sessions and delegated grants in PostgreSQL, each recorded under a
//! lock on its user's row (see the module above).

use tokio_postgres::Row;

use roster_domain::access::{Grant, Session};
use roster_domain::{GrantId, ProviderId, SessionId, Timestamp, User, UserId, UserStatus};
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey};

use super::{Lock, locate_user};
use crate::db::{self, Conn, Exec};
use crate::error::{foreign_key_violation, from_pg};
use crate::page::page_by_id;
use crate::row::get;
use crate::row::{id16, opt_ts, ts};
use crate::types::{PgId, id, opt_time, time};
use crate::users::{USER_COLUMNS, user_from_row};

const SESSION_COLUMNS: &str =
    "s.id, s.user_id, s.provider_id, s.created_at, s.expires_at, s.revoked_at, s.created_by";

fn session_from_row(r: &Row) -> StoreResult<Session> {
    Ok(Session {
        id: SessionId::from_bytes(id16(r, 0)?),
        user_id: UserId::from_bytes(id16(r, 1)?),
        provider_id: get::<Option<PgId>>(r, 2)?.map(|p| ProviderId::from_bytes(p.0)),
        created_at: ts(r, 3)?,
        expires_at: opt_ts(r, 4)?,
        revoked_at: opt_ts(r, 5)?,
        created_by: get(r, 6)?,
    })
}

pub async fn list_sessions<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<Session>> {
    locate_user(c, zone, user, Lock::None).await?;
    let base = format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1");
    page_by_id(c, &base, &[&id(user.to_bytes())], window, session_from_row).await
}

/// Inserts the session for `s.user_id` (whose row the caller has locked
/// and found with `status`) and moves the user's `authenticated_at`
/// forward, its version with it, in one statement. Returns the user as
/// updated.
pub(super) async fn record_session<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    status: UserStatus,
    s: &Session,
) -> StoreResult<User> {
    if status == UserStatus::Disabled {
        return Err(StoreError::UserDisabled);
    }
    let sql = format!(
        "WITH ins AS (\
           INSERT INTO sessions (id, user_id, provider_id, created_at, expires_at, revoked_at, \
           created_by) \
           SELECT $1::uuid, $2::uuid, $3::uuid, $4::timestamptz, $5::timestamptz, NULL, $6::text \
           WHERE $3::uuid IS NULL \
              OR EXISTS (SELECT 1 FROM providers WHERE zone = $7 AND id = $3::uuid) \
           RETURNING user_id) \
         UPDATE users u SET authenticated_at = greatest(u.authenticated_at, $4::timestamptz), \
           version = u.version + 1 \
         WHERE u.id IN (SELECT user_id FROM ins) RETURNING {USER_COLUMNS}"
    );
    let rows = db::query_raw(
        c,
        &sql,
        &[
            &id(s.id.to_bytes()),
            &id(s.user_id.to_bytes()),
            &s.provider_id.map(|p| id(p.to_bytes())),
            &time(s.created_at),
            &opt_time(s.expires_at),
            &s.created_by,
            &zone.seq,
        ],
    )
    .await
    .map_err(|e| {
        // The provider was deleted after the statement's snapshot.
        if foreign_key_violation(&e).as_deref() == Some("sessions_provider_fkey") {
            StoreError::MissingReference { field: "provider_id" }
        } else {
            from_pg(e)
        }
    })?;
    match rows.first() {
        Some(row) => user_from_row(row, zone),
        // Nothing inserted: the provider is not the zone's.
        None => Err(StoreError::MissingReference { field: "provider_id" }),
    }
}

pub async fn insert_session(conn: &mut Conn, zone: &ZoneKey, s: &Session) -> StoreResult<()> {
    let tx = conn.transaction().await?;
    let status = locate_user(&tx, zone, &s.user_id, Lock::NoKeyUpdate).await?;
    record_session(&tx, zone, status, s).await?;
    tx.commit().await
}

/// Revokes the session unless it already is, and returns it. One
/// statement: a revoked session keeps its first `revoked_at`.
pub async fn revoke_session<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    sid: &SessionId,
    at: Timestamp,
) -> StoreResult<Session> {
    let sql = format!(
        "UPDATE sessions s SET revoked_at = coalesce(s.revoked_at, $3) FROM users u \
         WHERE s.user_id = $1 AND s.id = $2 AND u.id = s.user_id AND u.zone = $4 \
         RETURNING {SESSION_COLUMNS}"
    );
    let row =
        db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(sid.to_bytes()), &time(at), &zone.seq])
            .await?
            .ok_or(StoreError::NotFound)?;
    session_from_row(&row)
}

pub async fn get_session<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    sid: &SessionId,
) -> StoreResult<Session> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.user_id = $1 AND s.id = $2 AND u.zone = $3"
    );
    let row = db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(sid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    session_from_row(&row)
}

// ---------------------------------------------------------------------------
// Grants

const GRANT_COLUMNS: &str = "g.id, g.user_id, g.client_id, g.resource, g.scopes, g.created_at, \
     g.expires_at, g.revoked_at, g.created_by";

fn grant_from_row(r: &Row) -> StoreResult<Grant> {
    Ok(Grant {
        id: GrantId::from_bytes(id16(r, 0)?),
        user_id: UserId::from_bytes(id16(r, 1)?),
        client_id: get(r, 2)?,
        resource: get(r, 3)?,
        scopes: get(r, 4)?,
        created_at: ts(r, 5)?,
        expires_at: opt_ts(r, 6)?,
        revoked_at: opt_ts(r, 7)?,
        created_by: get(r, 8)?,
    })
}

pub async fn list_grants<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<Grant>> {
    locate_user(c, zone, user, Lock::None).await?;
    let base = format!("SELECT {GRANT_COLUMNS} FROM grants g WHERE g.user_id = $1");
    page_by_id(c, &base, &[&id(user.to_bytes())], window, grant_from_row).await
}

pub async fn insert_grant(conn: &mut Conn, zone: &ZoneKey, g: &Grant) -> StoreResult<()> {
    let tx = conn.transaction().await?;
    if locate_user(&tx, zone, &g.user_id, Lock::Share).await? == UserStatus::Disabled {
        tx.rollback().await?;
        return Err(StoreError::UserDisabled);
    }
    db::execute(
        &tx,
        "INSERT INTO grants (id, user_id, client_id, resource, scopes, created_at, expires_at, \
         revoked_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)",
        &[
            &id(g.id.to_bytes()),
            &id(g.user_id.to_bytes()),
            &g.client_id,
            &g.resource,
            &g.scopes,
            &time(g.created_at),
            &opt_time(g.expires_at),
            &g.created_by,
        ],
    )
    .await?;
    tx.commit().await
}

pub async fn revoke_grant<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    gid: &GrantId,
    at: Timestamp,
) -> StoreResult<Grant> {
    let sql = format!(
        "UPDATE grants g SET revoked_at = coalesce(g.revoked_at, $3) FROM users u \
         WHERE g.user_id = $1 AND g.id = $2 AND u.id = g.user_id AND u.zone = $4 \
         RETURNING {GRANT_COLUMNS}"
    );
    let row =
        db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(gid.to_bytes()), &time(at), &zone.seq])
            .await?
            .ok_or(StoreError::NotFound)?;
    grant_from_row(&row)
}

pub async fn get_grant<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    gid: &GrantId,
) -> StoreResult<Grant> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS} FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.user_id = $1 AND g.id = $2 AND u.zone = $3"
    );
    let row = db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(gid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    grant_from_row(&row)
}

/// Revokes every live session and grant of a user (it was just disabled),
/// in one statement.
pub async fn revoke_everything<C: Exec>(c: &C, user: &UserId, at: Timestamp) -> StoreResult<()> {
    db::execute(
        c,
        "WITH s AS (UPDATE sessions SET revoked_at = $2 \
                    WHERE user_id = $1 AND revoked_at IS NULL) \
         UPDATE grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        &[&id(user.to_bytes()), &time(at)],
    )
    .await?;
    Ok(())
}
