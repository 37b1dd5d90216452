//! Roles, role assignments, sessions, grants and providers in PostgreSQL.
//!
//! The answers are the SQLite backend's (`roster-store-sqlite/src/access.rs`).
//! What PostgreSQL adds is concurrency between nodes, handled with row locks
//! rather than a single writer:
//!
//! - a session or grant is recorded under a lock on its user's row, and
//!   disabling a user (`users::update_user`) locks that row too, so no
//!   session or grant made concurrently survives the revocation;
//! - a user's `provider_id` is checked under `FOR KEY SHARE` on the
//!   provider, and `delete_provider` unlinks users in a statement that runs
//!   after its delete got the provider's lock, so it sees every user linked
//!   while it waited; locks go users first, then providers, everywhere;
//! - two first sign-ins of one subject serialize on an advisory lock of
//!   (zone, issuer, subject): the loser waits for the winner's commit and
//!   finds the winner's user (see `sign_in`).

use std::collections::HashMap;

use tokio_postgres::Row;

use roster_domain::access::{
    AssignmentScope, Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session,
};
use roster_domain::{
    GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, Timestamp, User, UserId, UserStatus,
};
use roster_store::{ExpandRequest, IdWindow, Page, SignedIn, StoreError, StoreResult};

use crate::db::{self, Conn, Exec};
use crate::error::{decode, foreign_key_violation, from_pg, unique_violation};
use crate::tenancy::{get, page_by_id};
use crate::types::{PgId, PgTime, id, opt_time, time};
use crate::users::{USER_COLUMNS, ZoneKey, insert_user_unless_subject_taken, user_from_row};

fn ts(row: &Row, i: usize) -> StoreResult<Timestamp> {
    Ok(get::<PgTime>(row, i)?.0)
}

fn opt_ts(row: &Row, i: usize) -> StoreResult<Option<Timestamp>> {
    Ok(get::<Option<PgTime>>(row, i)?.map(|t| t.0))
}

fn id16(row: &Row, i: usize) -> StoreResult<[u8; 16]> {
    Ok(get::<PgId>(row, i)?.0)
}

/// How `locate_user` locks the row it finds.
#[derive(Clone, Copy)]
enum Lock {
    None,
    /// Against a concurrent disabling (grants).
    Share,
    /// The row is about to be updated (sessions move `authenticated_at`).
    NoKeyUpdate,
}

/// The status of the user, if it lives in the zone.
async fn locate_user<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    lock: Lock,
) -> StoreResult<UserStatus> {
    let sql = match lock {
        Lock::None => "SELECT status FROM users WHERE id = $1 AND zone = $2",
        Lock::Share => "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR SHARE",
        Lock::NoKeyUpdate => {
            "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR NO KEY UPDATE"
        }
    };
    let row = db::query_opt(c, sql, &[&id(user.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    let status: String = get(&row, 0)?;
    UserStatus::parse(&status).ok_or_else(|| decode("status", &status))
}

/// A unique violation of `constraint` is an identifier clash; a missing zone
/// (deleted after its key was cached) is `NotFound`.
fn identifier_conflict(
    constraint: &'static str,
    zone_fkey: &'static str,
) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| {
        if unique_violation(&e).as_deref() == Some(constraint) {
            return StoreError::Conflict { field: "identifier" };
        }
        if foreign_key_violation(&e).as_deref() == Some(zone_fkey) {
            return StoreError::NotFound;
        }
        from_pg(e)
    }
}

fn found(n: u64) -> StoreResult<()> {
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

// ---------------------------------------------------------------------------
// Roles

const ROLE_COLUMNS: &str = "id, identifier, name, description, created_at, updated_at";

fn role_from_row(r: &Row) -> StoreResult<Role> {
    Ok(Role {
        id: RoleId::from_bytes(id16(r, 0)?),
        identifier: get(r, 1)?,
        name: get(r, 2)?,
        description: get(r, 3)?,
        created_at: ts(r, 4)?,
        updated_at: ts(r, 5)?,
    })
}

pub async fn list_roles<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    window: &IdWindow,
) -> StoreResult<Page<Role>> {
    let base = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE zone = $1");
    page_by_id(c, &base, &[&zone.seq], window, role_from_row).await
}

pub async fn get_role<C: Exec>(c: &C, zone: &ZoneKey, role: &RoleRef) -> StoreResult<Role> {
    let row = match role {
        RoleRef::Id(rid) => {
            let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE zone = $1 AND id = $2");
            db::query_opt(c, &sql, &[&zone.seq, &id(rid.to_bytes())]).await?
        }
        RoleRef::Identifier(ident) => {
            let sql =
                format!("SELECT {ROLE_COLUMNS} FROM roles WHERE zone = $1 AND identifier = $2");
            db::query_opt(c, &sql, &[&zone.seq, ident]).await?
        }
    };
    role_from_row(&row.ok_or(StoreError::NotFound)?)
}

pub async fn insert_role<C: Exec>(c: &C, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    db::execute_raw(
        c,
        "INSERT INTO roles (id, zone, identifier, name, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &id(role.id.to_bytes()),
            &zone.seq,
            &role.identifier,
            &role.name,
            &role.description,
            &time(role.created_at),
            &time(role.updated_at),
        ],
    )
    .await
    .map_err(identifier_conflict("roles_identifier", "roles_zone_fkey"))?;
    Ok(())
}

pub async fn update_role<C: Exec>(c: &C, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    let n = db::execute_raw(
        c,
        "UPDATE roles SET identifier = $3, name = $4, description = $5, updated_at = $6 \
         WHERE zone = $1 AND id = $2",
        &[
            &zone.seq,
            &id(role.id.to_bytes()),
            &role.identifier,
            &role.name,
            &role.description,
            &time(role.updated_at),
        ],
    )
    .await
    .map_err(identifier_conflict("roles_identifier", "roles_zone_fkey"))?;
    found(n)
}

/// Its assignments go with it (ON DELETE CASCADE).
pub async fn delete_role<C: Exec>(c: &C, zone: &ZoneKey, rid: &RoleId) -> StoreResult<()> {
    let n = db::execute(
        c,
        "DELETE FROM roles WHERE zone = $1 AND id = $2",
        &[&zone.seq, &id(rid.to_bytes())],
    )
    .await?;
    found(n)
}

// ---------------------------------------------------------------------------
// Role assignments

const ASSIGNMENT_SELECT: &str = "SELECT ra.id, ra.user_id, ra.role_id, r.identifier, \
     ra.scope_type, ra.scope_id, ra.created_at, ra.created_by \
     FROM role_assignments ra JOIN roles r ON r.id = ra.role_id";

fn assignment_from_row(r: &Row) -> StoreResult<RoleAssignment> {
    let kind: String = get(r, 4)?;
    let scope_id: String = get(r, 5)?;
    Ok(RoleAssignment {
        id: RoleAssignmentId::from_bytes(id16(r, 0)?),
        user_id: UserId::from_bytes(id16(r, 1)?),
        role_id: RoleId::from_bytes(id16(r, 2)?),
        role_identifier: get(r, 3)?,
        scope: (!kind.is_empty()).then_some(AssignmentScope { kind, id: scope_id }),
        created_at: ts(r, 6)?,
        created_by: get(r, 7)?,
    })
}

pub async fn list_role_assignments<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<RoleAssignment>> {
    locate_user(c, zone, user, Lock::None).await?;
    let base = format!("{ASSIGNMENT_SELECT} WHERE ra.user_id = $1");
    page_by_id(c, &base, &[&id(user.to_bytes())], window, assignment_from_row).await
}

pub async fn get_role_assignment<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    ra: &RoleAssignmentId,
) -> StoreResult<RoleAssignment> {
    let sql = format!(
        "{ASSIGNMENT_SELECT} JOIN users u ON u.id = ra.user_id \
         WHERE ra.user_id = $1 AND ra.id = $2 AND u.zone = $3"
    );
    let row = db::query_opt(c, &sql, &[&id(user.to_bytes()), &id(ra.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    assignment_from_row(&row)
}

pub async fn insert_role_assignment<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    a: &RoleAssignment,
) -> StoreResult<RoleAssignment> {
    let (uid, rid) = (id(a.user_id.to_bytes()), id(a.role_id.to_bytes()));
    // The user, then the role, in one round trip.
    let row = db::query_one(
        c,
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND zone = $2), \
         (SELECT identifier FROM roles WHERE id = $3 AND zone = $2)",
        &[&uid, &zone.seq, &rid],
    )
    .await?;
    if !get::<bool>(&row, 0)? {
        return Err(StoreError::NotFound);
    }
    let role_identifier: String =
        get::<Option<String>>(&row, 1)?.ok_or(StoreError::MissingReference { field: "role_id" })?;
    let (kind, scope_id) = a.scope.as_ref().map_or(("", ""), |s| (s.kind.as_str(), s.id.as_str()));
    db::execute_raw(
        c,
        "INSERT INTO role_assignments (id, user_id, role_id, scope_type, scope_id, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&id(a.id.to_bytes()), &uid, &rid, &kind, &scope_id, &time(a.created_at), &a.created_by],
    )
    .await
    .map_err(|e| {
        if unique_violation(&e).is_some() {
            return StoreError::Conflict { field: "role_id" };
        }
        // The user or the role was deleted since it was found.
        match foreign_key_violation(&e).as_deref() {
            Some("role_assignments_role_fkey") => StoreError::MissingReference { field: "role_id" },
            Some("role_assignments_user_fkey") => StoreError::NotFound,
            _ => from_pg(e),
        }
    })?;
    Ok(RoleAssignment { role_identifier, ..a.clone() })
}

pub async fn delete_role_assignment<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    ra: &RoleAssignmentId,
) -> StoreResult<()> {
    let n = db::execute(
        c,
        "DELETE FROM role_assignments ra USING users u \
         WHERE ra.user_id = $1 AND ra.id = $2 AND u.id = ra.user_id AND u.zone = $3",
        &[&id(user.to_bytes()), &id(ra.to_bytes()), &zone.seq],
    )
    .await?;
    found(n)
}

// ---------------------------------------------------------------------------
// Providers

const PROVIDER_COLUMNS: &str =
    "id, identifier, issuer, user_identifier_claim, created_at, updated_at";

fn provider_from_row(r: &Row) -> StoreResult<Provider> {
    Ok(Provider {
        id: ProviderId::from_bytes(id16(r, 0)?),
        identifier: get(r, 1)?,
        issuer: get(r, 2)?,
        user_identifier_claim: get(r, 3)?,
        created_at: ts(r, 4)?,
        updated_at: ts(r, 5)?,
    })
}

pub async fn list_providers<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    window: &IdWindow,
) -> StoreResult<Page<Provider>> {
    let base = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = $1");
    page_by_id(c, &base, &[&zone.seq], window, provider_from_row).await
}

/// By id (`idp_…`) or identifier.
pub async fn get_provider<C: Exec>(c: &C, zone: &ZoneKey, provider: &str) -> StoreResult<Provider> {
    let row = match ProviderId::parse(provider) {
        Some(pid) => {
            let sql =
                format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = $1 AND id = $2");
            db::query_opt(c, &sql, &[&zone.seq, &id(pid.to_bytes())]).await?
        }
        None => {
            let sql = format!(
                "SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = $1 AND identifier = $2"
            );
            db::query_opt(c, &sql, &[&zone.seq, &provider]).await?
        }
    };
    provider_from_row(&row.ok_or(StoreError::NotFound)?)
}

/// Whether `provider` (an `idp_…` id, in either case) names a provider of
/// the zone; if so, the provider is locked against deletion (`FOR KEY
/// SHARE`) until the caller's transaction ends.
pub async fn lock_provider<C: Exec>(c: &C, zone: i64, provider: &str) -> StoreResult<bool> {
    let Some(pid) = ProviderId::parse(provider) else {
        return Ok(false);
    };
    let row = db::query_opt(
        c,
        "SELECT 1 FROM providers WHERE zone = $1 AND id = $2 FOR KEY SHARE",
        &[&zone, &id(pid.to_bytes())],
    )
    .await?;
    Ok(row.is_some())
}

pub async fn insert_provider<C: Exec>(c: &C, zone: &ZoneKey, p: &Provider) -> StoreResult<()> {
    db::execute_raw(
        c,
        "INSERT INTO providers (id, zone, identifier, issuer, user_identifier_claim, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &id(p.id.to_bytes()),
            &zone.seq,
            &p.identifier,
            &p.issuer,
            &p.user_identifier_claim,
            &time(p.created_at),
            &time(p.updated_at),
        ],
    )
    .await
    .map_err(identifier_conflict("providers_identifier", "providers_zone_fkey"))?;
    Ok(())
}

pub async fn update_provider<C: Exec>(c: &C, zone: &ZoneKey, p: &Provider) -> StoreResult<()> {
    let n = db::execute_raw(
        c,
        "UPDATE providers SET identifier = $3, issuer = $4, user_identifier_claim = $5, \
         updated_at = $6 WHERE zone = $1 AND id = $2",
        &[
            &zone.seq,
            &id(p.id.to_bytes()),
            &p.identifier,
            &p.issuer,
            &p.user_identifier_claim,
            &time(p.updated_at),
        ],
    )
    .await
    .map_err(identifier_conflict("providers_identifier", "providers_zone_fkey"))?;
    found(n)
}

/// Deletes the provider; its sessions lose their provider (ON DELETE SET
/// NULL) and its users their `provider_id`, each user's version moving on.
///
/// Locks are taken users first, then the provider, the order every other
/// writer takes them in (a user's row, then its provider's: `update_user`,
/// sessions, sign-in), so none of them can deadlock with it. The unlinking `UPDATE`
/// is a statement of its own after the `DELETE`: its snapshot is taken once
/// the provider's lock is held, i.e. after every transaction that linked a
/// new user to it (under `FOR KEY SHARE`) has committed, so it sees them.
pub async fn delete_provider(conn: &mut Conn, zone: &ZoneKey, pid: &ProviderId) -> StoreResult<()> {
    // A user's `provider_id` is the text it was given: the ULID may be in
    // either case (ids parse case-insensitively), and every spelling links.
    const LINKED: &str = "zone = $1 AND provider_id IS NOT NULL AND upper(provider_id) = upper($2)";
    let text = pid.to_string();
    let tx = conn.transaction().await?;
    db::execute(
        &tx,
        &format!("SELECT 1 FROM users WHERE {LINKED} ORDER BY id FOR NO KEY UPDATE"),
        &[&zone.seq, &text],
    )
    .await?;
    let n = db::execute(
        &tx,
        "DELETE FROM providers WHERE zone = $1 AND id = $2",
        &[&zone.seq, &id(pid.to_bytes())],
    )
    .await?;
    if n == 0 {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    }
    db::execute(
        &tx,
        &format!("UPDATE users SET provider_id = NULL, version = version + 1 WHERE {LINKED}"),
        &[&zone.seq, &text],
    )
    .await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------
// Sessions

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
async fn record_session<C: Exec>(
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

// ---------------------------------------------------------------------------
// Sign-in

/// How often a sign-in looks for its user. The first miss takes the
/// subject's lock and looks again; after that, only a user inserted by
/// someone else than a sign-in (a plain create) and deleted in between can
/// make it miss.
const SIGN_IN_ATTEMPTS: usize = 4;

/// Finds the zone's user with (`issuer`, `subject`) or inserts `new_user`,
/// then records the session, in one transaction.
///
/// Two nodes signing in a new subject at once must make one user. A plain
/// `ON CONFLICT DO NOTHING` on the subject index is not enough: both inserts
/// may pass its check together, and the loser then fails on another unique
/// index (the email the claims gave both) instead of yielding. So the first
/// miss takes a transaction-scoped advisory lock on (zone, issuer, subject)
/// and looks again: the loser waits for the winner's commit and finds its
/// user. The insert still yields on a subject conflict (a user made outside
/// sign-in), and the search goes on.
pub async fn sign_in(
    conn: &mut Conn,
    zone: &ZoneKey,
    issuer: &str,
    subject: &str,
    new_user: Option<&User>,
    session: &Session,
) -> StoreResult<SignedIn> {
    let tx = conn.transaction().await?;
    let find = format!(
        "SELECT {USER_COLUMNS} FROM users u \
         WHERE u.zone = $1 AND u.issuer = $2 AND u.subject = $3 FOR NO KEY UPDATE"
    );
    let mut locked = false;
    for _ in 0..SIGN_IN_ATTEMPTS {
        let found = db::query_opt(&tx, &find, &[&zone.seq, &issuer, &subject]).await?;
        let (user, created) = match found {
            Some(row) => (user_from_row(&row, zone)?, false),
            None => {
                let Some(user) = new_user else {
                    tx.rollback().await?;
                    return Err(StoreError::NotFound);
                };
                if !locked {
                    // The two-key form: its key space is not the one of the
                    // migration and bootstrap locks.
                    db::execute(
                        &tx,
                        "SELECT pg_advisory_xact_lock(\
                           hashtext($1::bigint::text || ' ' || $2::text), hashtext($3::text))",
                        &[&zone.seq, &issuer, &subject],
                    )
                    .await?;
                    locked = true;
                    continue;
                }
                if !insert_user_unless_subject_taken(&tx, zone, user).await? {
                    continue;
                }
                (user.clone(), true)
            }
        };
        let session = Session { user_id: user.id, ..session.clone() };
        let user = record_session(&tx, zone, user.status, &session).await?;
        tx.commit().await?;
        return Ok(SignedIn { user, session, created });
    }
    Err(StoreError::Unavailable("the signed-in user kept appearing and vanishing; retry".into()))
}

// ---------------------------------------------------------------------------
// Expansions

/// One statement per kind of extra, whatever the page size: the ids go in
/// as one `uuid[]`. Users not in the zone get empty extras.
pub async fn expand_users<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    users: &[UserId],
    what: ExpandRequest,
    now: Timestamp,
) -> StoreResult<HashMap<UserId, Expansion>> {
    let mut out: HashMap<UserId, Expansion> =
        users.iter().map(|u| (*u, Expansion::default())).collect();
    if users.is_empty() {
        return Ok(out);
    }
    let ids: Vec<PgId> = users.iter().map(|u| id(u.to_bytes())).collect();
    if what.role_assignments {
        let sql = format!(
            "{ASSIGNMENT_SELECT} JOIN users u ON u.id = ra.user_id \
             WHERE u.zone = $1 AND ra.user_id = ANY($2::uuid[]) ORDER BY ra.user_id, ra.id"
        );
        for row in db::query(c, &sql, &[&zone.seq, &ids]).await? {
            let a = assignment_from_row(&row)?;
            if let Some(e) = out.get_mut(&a.user_id) {
                e.role_assignments.push(a);
            }
        }
    }
    let counts = [(what.session_count, "sessions", true), (what.grant_count, "grants", false)];
    for (wanted, table, sessions) in counts {
        if !wanted {
            continue;
        }
        let sql = format!(
            "SELECT t.user_id, count(*) FROM {table} t JOIN users u ON u.id = t.user_id \
             WHERE u.zone = $1 AND t.user_id = ANY($2::uuid[]) AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $3) GROUP BY t.user_id"
        );
        for row in db::query(c, &sql, &[&zone.seq, &ids, &time(now)]).await? {
            let uid = UserId::from_bytes(id16(&row, 0)?);
            let n = u64::try_from(get::<i64>(&row, 1)?).unwrap_or(0);
            if let Some(e) = out.get_mut(&uid) {
                if sessions {
                    e.session_count = n;
                } else {
                    e.grant_count = n;
                }
            }
        }
    }
    Ok(out)
}
