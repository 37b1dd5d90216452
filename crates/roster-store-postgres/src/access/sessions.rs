//! Sessions and delegated grants in PostgreSQL, each recorded under a
//! lock on its user's row (see the module above).

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use roster_domain::access::{Grant, Session};
use roster_domain::{GrantId, ProviderId, SessionId, Timestamp, User, UserId, UserStatus};
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey};

use crate::db::{self, Exec};
use crate::error::{foreign_key_violation, from_pg};
use crate::page::page_by_id;
use crate::row::{get, id16, opt_ts, ts};
use crate::types::{PgId, id, opt_time, time};
use crate::users::{Lock, USER_COLUMNS, locate_user, user_from_row};

/// Sessions and grants alike: a user's rows, listed, read and revoked (never
/// deleted) the same way.
struct Held<T> {
    table: &'static str,
    alias: &'static str,
    columns: &'static str,
    from_row: fn(&Row) -> StoreResult<T>,
}

impl<T> Held<T> {
    async fn list<C: Exec>(
        &self,
        c: &C,
        zone: &ZoneKey,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<T>> {
        locate_user(c, zone, user, Lock::None).await?;
        let Held { table, alias: a, columns, from_row } = self;
        let base = format!("SELECT {columns} FROM {table} {a} WHERE {a}.user_id = $1");
        page_by_id(c, &base, &[&id(user.to_bytes())], window, from_row).await
    }

    async fn get<C: Exec>(
        &self,
        c: &C,
        zone: &ZoneKey,
        user: &UserId,
        held: [u8; 16],
    ) -> StoreResult<T> {
        let Held { table, alias: a, columns, from_row } = self;
        let sql = format!(
            "SELECT {columns} FROM {table} {a} JOIN users u ON u.id = {a}.user_id \
             WHERE {a}.user_id = $1 AND {a}.id = $2 AND u.zone = $3"
        );
        let row = db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(held), &zone.seq])
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Revokes the row unless it already is, and returns it. One statement:
    /// a revoked row keeps its first `revoked_at`.
    async fn revoke<C: Exec>(
        &self,
        c: &C,
        zone: &ZoneKey,
        user: &UserId,
        held: [u8; 16],
        at: Timestamp,
    ) -> StoreResult<(T, bool)> {
        let Held { table, alias: a, columns, from_row } = self;
        // `revoked_at` is `at` afterwards exactly when this revoked it.
        let sql = format!(
            "UPDATE {table} {a} SET revoked_at = coalesce({a}.revoked_at, $3) FROM users u \
             WHERE {a}.user_id = $1 AND {a}.id = $2 AND u.id = {a}.user_id AND u.zone = $4 \
             RETURNING {columns}, {a}.revoked_at = $3"
        );
        let params: [&(dyn ToSql + Sync); 4] =
            [&id(user.to_bytes()), &id(held), &time(at), &zone.seq];
        let row = db::query_opt(c, &sql, &params).await?.ok_or(StoreError::NotFound)?;
        let revoked: bool = get(&row, row.len() - 1)?;
        Ok((from_row(&row)?, revoked))
    }
}

const SESSIONS: Held<Session> = Held {
    table: "sessions",
    alias: "s",
    columns: "s.id, s.user_id, s.provider_id, s.created_at, s.expires_at, s.revoked_at, \
              s.created_by",
    from_row: session_from_row,
};

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
    SESSIONS.list(c, zone, user, window).await
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

/// Run it in a transaction: the user's row stays locked until the end.
pub async fn insert_session<C: Exec>(c: &C, zone: &ZoneKey, s: &Session) -> StoreResult<()> {
    let status = locate_user(c, zone, &s.user_id, Lock::NoKeyUpdate).await?;
    record_session(c, zone, status, s).await?;
    Ok(())
}

pub async fn revoke_session<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    sid: &SessionId,
    at: Timestamp,
) -> StoreResult<(Session, bool)> {
    SESSIONS.revoke(c, zone, user, sid.to_bytes(), at).await
}

pub async fn get_session<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    sid: &SessionId,
) -> StoreResult<Session> {
    SESSIONS.get(c, zone, user, sid.to_bytes()).await
}

// ---------------------------------------------------------------------------
// Grants

const GRANTS: Held<Grant> = Held {
    table: "grants",
    alias: "g",
    columns: "g.id, g.user_id, g.client_id, g.resource, g.scopes, g.created_at, \
              g.expires_at, g.revoked_at, g.created_by",
    from_row: grant_from_row,
};

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
    GRANTS.list(c, zone, user, window).await
}

/// Run it in a transaction: the user's row stays locked until the end.
pub async fn insert_grant<C: Exec>(c: &C, zone: &ZoneKey, g: &Grant) -> StoreResult<()> {
    if locate_user(c, zone, &g.user_id, Lock::Share).await? == UserStatus::Disabled {
        return Err(StoreError::UserDisabled);
    }
    db::execute(
        c,
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
    Ok(())
}

pub async fn revoke_grant<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    gid: &GrantId,
    at: Timestamp,
) -> StoreResult<(Grant, bool)> {
    GRANTS.revoke(c, zone, user, gid.to_bytes(), at).await
}

pub async fn get_grant<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    gid: &GrantId,
) -> StoreResult<Grant> {
    GRANTS.get(c, zone, user, gid.to_bytes()).await
}
