//! Roles and role assignments in PostgreSQL.

use tokio_postgres::Row;

use roster_domain::access::{AssignmentScope, Role, RoleAssignment, RoleRef};
use roster_domain::{RoleAssignmentId, RoleId, UserId};
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey, found};

use crate::db::{self, Exec};
use crate::error::{foreign_key_violation, from_pg, identifier_conflict, unique_violation};
use crate::page::page_by_id;
use crate::row::{get, id16, ts};
use crate::types::{id, time};
use crate::users::{Lock, locate_user};

const ROLE_COLUMNS: &str = "id, identifier, name, description, created_at, updated_at, external_id";

fn role_from_row(r: &Row) -> StoreResult<Role> {
    Ok(Role {
        id: RoleId::from_bytes(id16(r, 0)?),
        identifier: get(r, 1)?,
        name: get(r, 2)?,
        description: get(r, 3)?,
        created_at: ts(r, 4)?,
        updated_at: ts(r, 5)?,
        external_id: get(r, 6)?,
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
        "INSERT INTO roles (id, zone, identifier, name, description, created_at, updated_at, \
         external_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &id(role.id.to_bytes()),
            &zone.seq,
            &role.identifier,
            &role.name,
            &role.description,
            &time(role.created_at),
            &time(role.updated_at),
            &role.external_id,
        ],
    )
    .await
    .map_err(identifier_conflict("roles_identifier", "roles_zone_fkey"))?;
    Ok(())
}

pub async fn update_role<C: Exec>(c: &C, zone: &ZoneKey, role: &Role) -> StoreResult<()> {
    let n = db::execute_raw(
        c,
        "UPDATE roles SET identifier = $3, name = $4, description = $5, updated_at = $6, \
         external_id = $7 WHERE zone = $1 AND id = $2",
        &[
            &zone.seq,
            &id(role.id.to_bytes()),
            &role.identifier,
            &role.name,
            &role.description,
            &time(role.updated_at),
            &role.external_id,
        ],
    )
    .await
    .map_err(identifier_conflict("roles_identifier", "roles_zone_fkey"))?;
    found(n)
}

/// Its assignments go with it (ON DELETE CASCADE).
/// Returns the role as it was.
pub async fn delete_role<C: Exec>(c: &C, zone: &ZoneKey, rid: &RoleId) -> StoreResult<Role> {
    let sql = format!("DELETE FROM roles WHERE zone = $1 AND id = $2 RETURNING {ROLE_COLUMNS}");
    let row = db::query_opt(c, &sql, &[&zone.seq, &id(rid.to_bytes())]).await?;
    role_from_row(&row.ok_or(StoreError::NotFound)?)
}

// ---------------------------------------------------------------------------
// Role assignments

pub(super) const ASSIGNMENT_SELECT: &str = "SELECT ra.id, ra.user_id, ra.role_id, r.identifier, \
     ra.scope_type, ra.scope_id, ra.created_at, ra.created_by \
     FROM role_assignments ra JOIN roles r ON r.id = ra.role_id";

pub(super) fn assignment_from_row(r: &Row) -> StoreResult<RoleAssignment> {
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
) -> StoreResult<RoleAssignment> {
    let row = db::query_opt(
        c,
        "DELETE FROM role_assignments ra USING users u, roles r \
         WHERE ra.user_id = $1 AND ra.id = $2 AND u.id = ra.user_id AND u.zone = $3 \
         AND r.id = ra.role_id \
         RETURNING ra.id, ra.user_id, ra.role_id, r.identifier, ra.scope_type, ra.scope_id, \
         ra.created_at, ra.created_by",
        &[&id(user.to_bytes()), &id(ra.to_bytes()), &zone.seq],
    )
    .await?;
    assignment_from_row(&row.ok_or(StoreError::NotFound)?)
}
