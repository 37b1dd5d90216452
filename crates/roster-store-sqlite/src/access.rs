//! Roles, role assignments, sessions, grants and providers in SQLite.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

use roster_domain::access::{
    AssignmentScope, Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session,
};
use roster_domain::{
    GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, Timestamp, User, UserId, UserStatus,
};
use roster_store::{ExpandRequest, IdWindow, Page, SignedIn, StoreError, StoreResult};

use crate::error::{from_sqlite, violated_unique_index};
use crate::row::{id16, opt_ts, ts};
use crate::tenancy::page_by_id;
use crate::users::{USER_COLUMNS, ZoneKey, insert_user, user_from_row};

/// The user's rowid and status, if it lives in the zone.
pub fn locate_user(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
) -> StoreResult<(i64, UserStatus)> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, status FROM users WHERE id = ?1 AND zone = ?2")
        .map_err(from_sqlite)?;
    let row: Option<(i64, String)> = stmt
        .query_row((user.to_bytes().as_slice(), zone.seq), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(from_sqlite)?;
    let (seq, status) = row.ok_or(StoreError::NotFound)?;
    Ok((seq, UserStatus::parse(&status).unwrap_or_default()))
}

// Roles.

const ROLE_COLUMNS: &str = "id, identifier, name, description, created_at, updated_at";

fn role_from_row(r: &Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: RoleId::from_bytes(id16(r.get(0)?)?),
        identifier: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        created_at: ts(r.get(4)?)?,
        updated_at: ts(r.get(5)?)?,
    })
}

pub fn list_roles(conn: &Connection, zone: &ZoneKey, window: &IdWindow) -> StoreResult<Page<Role>> {
    let base = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE zone = ?1");
    page_by_id(conn, &base, vec![SqlValue::Integer(zone.seq)], window, role_from_row)
}

fn find_role(conn: &Connection, zone: &ZoneKey, role: &RoleRef) -> StoreResult<(i64, Role)> {
    let (sql, key): (String, SqlValue) = match role {
        RoleRef::Id(id) => (
            format!("SELECT seq, {ROLE_COLUMNS} FROM roles WHERE zone = ?1 AND id = ?2"),
            SqlValue::Blob(id.to_bytes().to_vec()),
        ),
        RoleRef::Identifier(ident) => (
            format!("SELECT seq, {ROLE_COLUMNS} FROM roles WHERE zone = ?1 AND identifier = ?2"),
            SqlValue::Text(ident.clone()),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((zone.seq, key), |r| {
        let seq: i64 = r.get(0)?;
        let role = Role {
            id: RoleId::from_bytes(id16(r.get(1)?)?),
            identifier: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            created_at: ts(r.get(5)?)?,
            updated_at: ts(r.get(6)?)?,
        };
        Ok((seq, role))
    })
    .optional()
    .map_err(from_sqlite)?
    .ok_or(StoreError::NotFound)
}

pub fn get_role(conn: &Connection, zone: &ZoneKey, role: &RoleRef) -> StoreResult<Role> {
    find_role(conn, zone, role).map(|(_, r)| r)
}

fn identifier_conflict(index: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match violated_unique_index(&e) {
        Some(name) if name == index || name.ends_with(".identifier") => {
            StoreError::Conflict { field: "identifier" }
        }
        _ => from_sqlite(e),
    }
}

pub fn insert_role(conn: &Connection, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO roles (id, zone, identifier, name, description, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            role.id.to_bytes().as_slice(),
            zone.seq,
            role.identifier,
            role.name,
            role.description,
            role.created_at.as_micros(),
            role.updated_at.as_micros(),
        ])
    })
    .map_err(identifier_conflict("roles_identifier"))?;
    Ok(())
}

pub fn update_role(conn: &Connection, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "UPDATE roles SET identifier = ?3, name = ?4, description = ?5, updated_at = ?6 \
             WHERE zone = ?1 AND id = ?2",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                zone.seq,
                role.id.to_bytes().as_slice(),
                role.identifier,
                role.name,
                role.description,
                role.updated_at.as_micros(),
            ])
        })
        .map_err(identifier_conflict("roles_identifier"))?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub fn delete_role(conn: &Connection, zone: &ZoneKey, id: &RoleId) -> StoreResult<()> {
    let n = conn
        .prepare_cached("DELETE FROM roles WHERE zone = ?1 AND id = ?2")
        .and_then(|mut s| s.execute((zone.seq, id.to_bytes().as_slice())))
        .map_err(from_sqlite)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

// Role assignments.

const ASSIGNMENT_SELECT: &str = "SELECT ra.id AS id, u.id, r.id, r.identifier, ra.scope_type, \
     ra.scope_id, ra.created_at, ra.created_by \
     FROM role_assignments ra JOIN roles r ON r.seq = ra.role_seq \
     JOIN users u ON u.seq = ra.user_seq";

fn assignment_from_row(r: &Row<'_>) -> rusqlite::Result<RoleAssignment> {
    let kind: String = r.get(4)?;
    let scope_id: String = r.get(5)?;
    Ok(RoleAssignment {
        id: RoleAssignmentId::from_bytes(id16(r.get(0)?)?),
        user_id: UserId::from_bytes(id16(r.get(1)?)?),
        role_id: RoleId::from_bytes(id16(r.get(2)?)?),
        role_identifier: r.get(3)?,
        scope: (!kind.is_empty()).then_some(AssignmentScope { kind, id: scope_id }),
        created_at: ts(r.get(6)?)?,
        created_by: r.get(7)?,
    })
}

pub fn list_role_assignments(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    window: &IdWindow,
) -> StoreResult<Page<RoleAssignment>> {
    let (seq, _) = locate_user(conn, zone, user)?;
    let base = format!("{ASSIGNMENT_SELECT} WHERE ra.user_seq = ?1");
    page_by_id(conn, &base, vec![SqlValue::Integer(seq)], window, assignment_from_row)
}

pub fn insert_role_assignment(
    conn: &Connection,
    zone: &ZoneKey,
    a: &RoleAssignment,
) -> StoreResult<RoleAssignment> {
    let (user_seq, _) = locate_user(conn, zone, &a.user_id)?;
    let (role_seq, role) = match find_role(conn, zone, &RoleRef::Id(a.role_id)) {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(StoreError::MissingReference { field: "role_id" }),
        Err(e) => return Err(e),
    };
    let (kind, scope_id) =
        a.scope.as_ref().map(|s| (s.kind.as_str(), s.id.as_str())).unwrap_or(("", ""));
    conn.prepare_cached(
        "INSERT INTO role_assignments (id, user_seq, role_seq, scope_type, scope_id, created_at, \
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            a.id.to_bytes().as_slice(),
            user_seq,
            role_seq,
            kind,
            scope_id,
            a.created_at.as_micros(),
            a.created_by,
        ])
    })
    .map_err(|e| match violated_unique_index(&e) {
        Some(_) => StoreError::Conflict { field: "role_id" },
        None => from_sqlite(e),
    })?;
    Ok(RoleAssignment { role_identifier: role.identifier, ..a.clone() })
}

pub fn get_role_assignment(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &RoleAssignmentId,
) -> StoreResult<RoleAssignment> {
    let (user_seq, _) = locate_user(conn, zone, user)?;
    let sql = format!("{ASSIGNMENT_SELECT} WHERE ra.user_seq = ?1 AND ra.id = ?2");
    conn.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row((user_seq, id.to_bytes().as_slice()), assignment_from_row).optional()
        })
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

pub fn delete_role_assignment(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &RoleAssignmentId,
) -> StoreResult<()> {
    let (user_seq, _) = locate_user(conn, zone, user)?;
    let n = conn
        .prepare_cached("DELETE FROM role_assignments WHERE user_seq = ?1 AND id = ?2")
        .and_then(|mut s| s.execute((user_seq, id.to_bytes().as_slice())))
        .map_err(from_sqlite)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

// Providers.

const PROVIDER_COLUMNS: &str =
    "id, identifier, issuer, user_identifier_claim, created_at, updated_at";

fn provider_from_row(r: &Row<'_>) -> rusqlite::Result<Provider> {
    Ok(Provider {
        id: ProviderId::from_bytes(id16(r.get(0)?)?),
        identifier: r.get(1)?,
        issuer: r.get(2)?,
        user_identifier_claim: r.get(3)?,
        created_at: ts(r.get(4)?)?,
        updated_at: ts(r.get(5)?)?,
    })
}

pub fn list_providers(
    conn: &Connection,
    zone: &ZoneKey,
    window: &IdWindow,
) -> StoreResult<Page<Provider>> {
    let base = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = ?1");
    page_by_id(conn, &base, vec![SqlValue::Integer(zone.seq)], window, provider_from_row)
}

pub fn get_provider(conn: &Connection, zone: &ZoneKey, provider: &str) -> StoreResult<Provider> {
    let (sql, key): (String, SqlValue) = match ProviderId::parse(provider) {
        Some(id) => (
            format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = ?1 AND id = ?2"),
            SqlValue::Blob(id.to_bytes().to_vec()),
        ),
        None => (
            format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE zone = ?1 AND identifier = ?2"),
            SqlValue::Text(provider.to_owned()),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((zone.seq, key), provider_from_row)
        .optional()
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

/// Whether `provider` (an `idp_…` id) names a provider of the zone.
pub fn provider_exists(conn: &Connection, zone: i64, provider: &str) -> StoreResult<bool> {
    let Some(id) = ProviderId::parse(provider) else { return Ok(false) };
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM providers WHERE zone = ?1 AND id = ?2)")
        .and_then(|mut s| s.query_row((zone, id.to_bytes().as_slice()), |r| r.get(0)))
        .map_err(from_sqlite)
}

pub fn insert_provider(conn: &Connection, zone: &ZoneKey, p: &Provider) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO providers (id, zone, identifier, issuer, user_identifier_claim, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            p.id.to_bytes().as_slice(),
            zone.seq,
            p.identifier,
            p.issuer,
            p.user_identifier_claim,
            p.created_at.as_micros(),
            p.updated_at.as_micros(),
        ])
    })
    .map_err(identifier_conflict("providers_identifier"))?;
    Ok(())
}

pub fn update_provider(conn: &Connection, zone: &ZoneKey, p: &Provider) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "UPDATE providers SET identifier = ?3, issuer = ?4, user_identifier_claim = ?5, \
             updated_at = ?6 WHERE zone = ?1 AND id = ?2",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                zone.seq,
                p.id.to_bytes().as_slice(),
                p.identifier,
                p.issuer,
                p.user_identifier_claim,
                p.updated_at.as_micros(),
            ])
        })
        .map_err(identifier_conflict("providers_identifier"))?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub fn delete_provider(conn: &Connection, zone: &ZoneKey, id: &ProviderId) -> StoreResult<()> {
    let n = conn
        .prepare_cached("DELETE FROM providers WHERE zone = ?1 AND id = ?2")
        .and_then(|mut s| s.execute((zone.seq, id.to_bytes().as_slice())))
        .map_err(from_sqlite)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    // The users stay; their link to the provider goes. Each such user
    // changes, so its version moves and its ETag with it.
    let text = id.to_string();
    conn.prepare_cached(
        "UPDATE users SET provider_id = NULL, version = version + 1 \
         WHERE zone = ?1 AND provider_id = ?2",
    )
    .and_then(|mut s| s.execute((zone.seq, &text)))
    .map_err(from_sqlite)?;
    conn.prepare_cached(
        "UPDATE sessions SET provider_id = NULL WHERE provider_id = ?1 \
         AND user_seq IN (SELECT seq FROM users WHERE zone = ?2)",
    )
    .and_then(|mut s| s.execute((&text, zone.seq)))
    .map_err(from_sqlite)?;
    Ok(())
}

// Sessions.

const SESSION_SELECT: &str = "SELECT s.id AS id, u.id, s.provider_id, s.created_at, s.expires_at, \
     s.revoked_at, s.created_by FROM sessions s JOIN users u ON u.seq = s.user_seq";

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
    let (seq, _) = locate_user(conn, zone, user)?;
    let base = format!("{SESSION_SELECT} WHERE s.user_seq = ?1");
    page_by_id(conn, &base, vec![SqlValue::Integer(seq)], window, session_from_row)
}

/// Inserts a session for the user at `user_seq` and moves its
/// `authenticated_at` (and version) forward.
fn record_session(
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
    conn.prepare_cached(
        "INSERT INTO sessions (id, user_seq, provider_id, created_at, expires_at, revoked_at, \
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)",
    )
    .and_then(|mut st| {
        st.execute(rusqlite::params![
            s.id.to_bytes().as_slice(),
            user_seq,
            s.provider_id.map(|p| p.to_string()),
            s.created_at.as_micros(),
            s.expires_at.map(Timestamp::as_micros),
            s.created_by,
        ])
    })
    .map_err(from_sqlite)?;
    conn.prepare_cached(
        "UPDATE users SET authenticated_at = max(coalesce(authenticated_at, ?2), ?2), \
         version = version + 1 WHERE seq = ?1",
    )
    .and_then(|mut st| st.execute((user_seq, s.created_at.as_micros())))
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
) -> StoreResult<Session> {
    revoke_child(
        conn,
        zone,
        user,
        "sessions",
        SESSION_SELECT,
        "s",
        id.to_bytes(),
        at,
        session_from_row,
    )
}

pub fn get_session(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &SessionId,
) -> StoreResult<Session> {
    let (user_seq, _) = locate_user(conn, zone, user)?;
    child(conn, user_seq, SESSION_SELECT, "s", id.to_bytes(), session_from_row)
}

/// One session or grant (`select` aliased `alias`) of the user at
/// `user_seq`.
fn child<T>(
    conn: &Connection,
    user_seq: i64,
    select: &str,
    alias: &str,
    id: [u8; 16],
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<T> {
    let sql = format!("{select} WHERE {alias}.user_seq = ?1 AND {alias}.id = ?2");
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row((user_seq, id.as_slice()), map).optional())
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

/// Revokes a session or grant (a second revocation keeps the first time)
/// and returns it.
#[allow(clippy::too_many_arguments)]
fn revoke_child<T>(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    table: &str,
    select: &str,
    alias: &str,
    id: [u8; 16],
    at: Timestamp,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<T> {
    let (user_seq, _) = locate_user(conn, zone, user)?;
    let sql = format!(
        "UPDATE {table} SET revoked_at = ?3 WHERE user_seq = ?1 AND id = ?2 AND revoked_at IS NULL"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.execute((user_seq, id.as_slice(), at.as_micros())))
        .map_err(from_sqlite)?;
    child(conn, user_seq, select, alias, id, map)
}

// Grants.

const GRANT_SELECT: &str = "SELECT g.id AS id, u.id, g.client_id, g.resource, g.scopes, \
     g.created_at, g.expires_at, g.revoked_at, g.created_by \
     FROM grants g JOIN users u ON u.seq = g.user_seq";

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
    let (seq, _) = locate_user(conn, zone, user)?;
    let base = format!("{GRANT_SELECT} WHERE g.user_seq = ?1");
    page_by_id(conn, &base, vec![SqlValue::Integer(seq)], window, grant_from_row)
}

pub fn insert_grant(conn: &Connection, zone: &ZoneKey, g: &Grant) -> StoreResult<()> {
    let (user_seq, status) = locate_user(conn, zone, &g.user_id)?;
    if status == UserStatus::Disabled {
        return Err(StoreError::UserDisabled);
    }
    let scopes =
        serde_json::to_string(&g.scopes).map_err(|e| StoreError::Internal(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO grants (id, user_seq, client_id, resource, scopes, created_at, expires_at, \
         revoked_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            g.id.to_bytes().as_slice(),
            user_seq,
            g.client_id,
            g.resource,
            scopes,
            g.created_at.as_micros(),
            g.expires_at.map(Timestamp::as_micros),
            g.created_by,
        ])
    })
    .map_err(from_sqlite)?;
    Ok(())
}

pub fn revoke_grant(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &GrantId,
    at: Timestamp,
) -> StoreResult<Grant> {
    revoke_child(conn, zone, user, "grants", GRANT_SELECT, "g", id.to_bytes(), at, grant_from_row)
}

pub fn get_grant(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
    id: &GrantId,
) -> StoreResult<Grant> {
    let (user_seq, _) = locate_user(conn, zone, user)?;
    child(conn, user_seq, GRANT_SELECT, "g", id.to_bytes(), grant_from_row)
}

/// Revokes every live session and grant of a user (it was just disabled).
pub fn revoke_everything(conn: &Connection, user_seq: i64, at: Timestamp) -> StoreResult<()> {
    for sql in [
        "UPDATE sessions SET revoked_at = ?2 WHERE user_seq = ?1 AND revoked_at IS NULL",
        "UPDATE grants SET revoked_at = ?2 WHERE user_seq = ?1 AND revoked_at IS NULL",
    ] {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute((user_seq, at.as_micros())))
            .map_err(from_sqlite)?;
    }
    Ok(())
}

// Sign-in.

pub fn sign_in(
    conn: &Connection,
    zone: &ZoneKey,
    issuer: &str,
    subject: &str,
    new_user: Option<&User>,
    session: &Session,
) -> StoreResult<SignedIn> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.seq FROM users u \
         WHERE u.zone = ?1 AND u.issuer = ?2 AND u.subject = ?3"
    );
    let found = conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row((zone.seq, issuer, subject), |r| {
                Ok((r.get::<_, i64>(20)?, user_from_row(r, zone)?))
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

// Expansions.

pub fn expand_users(
    conn: &Connection,
    zone: &ZoneKey,
    users: &[UserId],
    what: ExpandRequest,
    now: Timestamp,
) -> StoreResult<HashMap<UserId, Expansion>> {
    let mut out: HashMap<UserId, Expansion> =
        users.iter().map(|id| (*id, Expansion::default())).collect();
    if users.is_empty() {
        return Ok(out);
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
            let a = row.map_err(from_sqlite)?;
            if let Some(e) = out.get_mut(&a.user_id) {
                e.role_assignments.push(a);
            }
        }
    }
    for (wanted, table) in [(what.session_count, "sessions"), (what.grant_count, "grants")] {
        if !wanted {
            continue;
        }
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
            if let Some(e) = out.get_mut(&id) {
                let n = u64::try_from(n).unwrap_or(0);
                if table == "sessions" {
                    e.session_count = n;
                } else {
                    e.grant_count = n;
                }
            }
        }
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
