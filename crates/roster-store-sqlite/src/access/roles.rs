//! Roles and role assignments in SQLite.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::access::{AssignmentScope, Role, RoleAssignment, RoleRef};
use roster_domain::{RoleAssignmentId, RoleId, UserId};
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey, found};

use crate::db;
use crate::error::{from_sqlite, identifier_conflict, violated_unique_index};
use crate::page::page_by_id;
use crate::row::{id16, ts};
use crate::users::locate_user;

const ROLE_COLUMNS: &str = "id, identifier, name, description, created_at, updated_at, external_id";

fn role_from_row(r: &Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: RoleId::from_bytes(id16(r.get(0)?)?),
        identifier: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        created_at: ts(r.get(4)?)?,
        updated_at: ts(r.get(5)?)?,
        external_id: r.get(6)?,
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
            external_id: r.get(7)?,
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

pub fn insert_role(conn: &Connection, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    db::execute(
        conn,
        "INSERT INTO roles (id, zone, identifier, name, description, created_at, updated_at, \
         external_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            role.id.to_bytes().as_slice(),
            zone.seq,
            role.identifier,
            role.name,
            role.description,
            role.created_at.as_micros(),
            role.updated_at.as_micros(),
            role.external_id,
        ],
    )
    .map_err(identifier_conflict("roles_identifier"))?;
    Ok(())
}

pub fn update_role(conn: &Connection, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "UPDATE roles SET identifier = ?3, name = ?4, description = ?5, updated_at = ?6, \
         external_id = ?7 WHERE zone = ?1 AND id = ?2",
        rusqlite::params![
            zone.seq,
            role.id.to_bytes().as_slice(),
            role.identifier,
            role.name,
            role.description,
            role.updated_at.as_micros(),
            role.external_id,
        ],
    )
    .map_err(identifier_conflict("roles_identifier"))?;
    found(n)
}

pub fn delete_role(conn: &Connection, zone: &ZoneKey, id: &RoleId) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "DELETE FROM roles WHERE zone = ?1 AND id = ?2",
        (zone.seq, id.to_bytes().as_slice()),
    )
    .map_err(from_sqlite)?;
    found(n)
}

// Role assignments.

pub(super) const ASSIGNMENT_SELECT: &str = "SELECT ra.id AS id, u.id, r.id, r.identifier, ra.scope_type, \
     ra.scope_id, ra.created_at, ra.created_by \
     FROM role_assignments ra JOIN roles r ON r.seq = ra.role_seq \
     JOIN users u ON u.seq = ra.user_seq";

pub(super) fn assignment_from_row(r: &Row<'_>) -> rusqlite::Result<RoleAssignment> {
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
    db::execute(
        conn,
        "INSERT INTO role_assignments (id, user_seq, role_seq, scope_type, scope_id, created_at, \
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            a.id.to_bytes().as_slice(),
            user_seq,
            role_seq,
            kind,
            scope_id,
            a.created_at.as_micros(),
            a.created_by,
        ],
    )
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
    let n = db::execute(
        conn,
        "DELETE FROM role_assignments WHERE user_seq = ?1 AND id = ?2",
        (user_seq, id.to_bytes().as_slice()),
    )
    .map_err(from_sqlite)?;
    found(n)
}
