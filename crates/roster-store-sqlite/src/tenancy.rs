//! Organizations, zones and API keys in SQLite.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::{
    ApiKey, ApiKeyId, OrgId, Organization, Scope, ScopeSet, Timestamp, Zone, ZoneId, ZoneRef,
};
use roster_store::{IdWindow, Page, StoreError, StoreResult, found};

use crate::db;
use crate::error::{from_sqlite, violated_unique_index};
use crate::page::page_by_id;
use crate::row::{id16, ts};

/// Creates the first organization, zone and admin key unless the database
/// holds an organization already; returns whether it did.
pub fn bootstrap(
    conn: &Connection,
    org: &Organization,
    zone: &Zone,
    key: &ApiKey,
    hash: &[u8; 32],
) -> StoreResult<bool> {
    if any_organization(conn)? {
        return Ok(false);
    }
    insert_organization(conn, org)?;
    insert_zone(conn, zone)?;
    insert_key(conn, key, hash)?;
    Ok(true)
}

fn insert_organization(conn: &Connection, org: &Organization) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO organizations (id, identifier, created_at) VALUES (?1, ?2, ?3)",
        (org.id.to_bytes().as_slice(), &org.identifier, org.created_at.as_micros()),
    )
    .map_err(from_sqlite)?;
    Ok(())
}

fn any_organization(conn: &Connection) -> StoreResult<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM organizations)", [], |r| r.get(0))
        .map_err(from_sqlite)
}

pub fn first_organization(conn: &Connection) -> StoreResult<Organization> {
    conn.query_row(
        "SELECT id, identifier, created_at FROM organizations ORDER BY seq LIMIT 1",
        [],
        |r| {
            Ok(Organization {
                id: OrgId::from_bytes(id16(r.get(0)?)?),
                identifier: r.get(1)?,
                created_at: ts(r.get(2)?)?,
            })
        },
    )
    .optional()
    .map_err(from_sqlite)?
    .ok_or(StoreError::NotFound)
}

const ZONE_COLUMNS: &str = "seq, id, org_id, identifier, name, created_at, updated_at";

fn zone_from_row(r: &Row<'_>) -> rusqlite::Result<(i64, Zone)> {
    Ok((
        r.get(0)?,
        Zone {
            id: ZoneId::from_bytes(id16(r.get(1)?)?),
            organization_id: OrgId::from_bytes(id16(r.get(2)?)?),
            identifier: r.get(3)?,
            name: r.get(4)?,
            created_at: ts(r.get(5)?)?,
            updated_at: ts(r.get(6)?)?,
        },
    ))
}

/// The zone and its rowid, if it belongs to `org`.
pub fn find_zone(conn: &Connection, org: &OrgId, zone: &ZoneRef) -> StoreResult<(i64, Zone)> {
    let (sql, key): (String, SqlValue) = match zone {
        ZoneRef::Id(id) => (
            format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = ?1 AND id = ?2"),
            SqlValue::Blob(id.to_bytes().to_vec()),
        ),
        ZoneRef::Identifier(ident) => (
            format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = ?1 AND identifier = ?2"),
            SqlValue::Text(ident.clone()),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((org.to_bytes().as_slice(), key), zone_from_row)
        .optional()
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

fn zone_conflict(e: rusqlite::Error) -> StoreError {
    match violated_unique_index(&e).as_deref() {
        // SQLite names a plain-column index by its columns.
        Some("zones_identifier" | "zones.org_id, zones.identifier") => {
            StoreError::Conflict { field: "identifier" }
        }
        _ => from_sqlite(e),
    }
}

pub fn insert_zone(conn: &Connection, zone: &Zone) -> StoreResult<()> {
    db::execute(
        conn,
        "INSERT INTO zones (id, org_id, identifier, name, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            zone.id.to_bytes().as_slice(),
            zone.organization_id.to_bytes().as_slice(),
            &zone.identifier,
            &zone.name,
            zone.created_at.as_micros(),
            zone.updated_at.as_micros(),
        ),
    )
    .map_err(zone_conflict)?;
    Ok(())
}

pub fn update_zone(conn: &Connection, zone: &Zone) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "UPDATE zones SET identifier = ?3, name = ?4, updated_at = ?5 \
         WHERE id = ?1 AND org_id = ?2",
        (
            zone.id.to_bytes().as_slice(),
            zone.organization_id.to_bytes().as_slice(),
            &zone.identifier,
            &zone.name,
            zone.updated_at.as_micros(),
        ),
    )
    .map_err(zone_conflict)?;
    found(n)
}

pub fn delete_zone(conn: &Connection, org: &OrgId, zone: &ZoneId) -> StoreResult<()> {
    let (seq, _) = find_zone(conn, org, &ZoneRef::Id(*zone))?;
    let has_users: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM users WHERE zone = ?1)", [seq], |r| r.get(0))
        .map_err(from_sqlite)?;
    if has_users {
        return Err(StoreError::ZoneNotEmpty);
    }
    // Roles and providers go with their zone (assignments and sessions went
    // with the users, which are gone already).
    for sql in [
        "DELETE FROM user_counts WHERE zone = ?1",
        "DELETE FROM roles WHERE zone = ?1",
        "DELETE FROM providers WHERE zone = ?1",
        "DELETE FROM zones WHERE seq = ?1",
    ] {
        conn.execute(sql, [seq]).map_err(from_sqlite)?;
    }
    Ok(())
}

pub fn list_zones(
    conn: &Connection,
    org: &OrgId,
    only: Option<&[ZoneId]>,
    window: &IdWindow,
) -> StoreResult<Page<Zone>> {
    let mut params = vec![SqlValue::Blob(org.to_bytes().to_vec())];
    let mut base = format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = ?1");
    if let Some(only) = only {
        let mut marks = Vec::new();
        for id in only {
            params.push(SqlValue::Blob(id.to_bytes().to_vec()));
            marks.push(format!("?{}", params.len()));
        }
        if marks.is_empty() {
            base.push_str(" AND 0");
        } else {
            base.push_str(&format!(" AND id IN ({})", marks.join(", ")));
        }
    }
    page_by_id(conn, &base, params, window, |r| zone_from_row(r).map(|(_, z)| z))
}

const KEY_COLUMNS: &str =
    "id, org_id, name, scopes, zones, default_zone, created_at, last_used_at, revoked_at";

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let scopes: String = r.get(3)?;
    let zones: Option<String> = r.get(4)?;
    let zones = match zones {
        None => None,
        Some(text) => {
            let ids: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
            })?;
            Some(ids.iter().filter_map(|s| ZoneId::parse(s)).collect())
        }
    };
    let default_zone: Option<Vec<u8>> = r.get(5)?;
    let last_used: Option<i64> = r.get(7)?;
    let revoked: Option<i64> = r.get(8)?;
    Ok(ApiKey {
        id: ApiKeyId::from_bytes(id16(r.get(0)?)?),
        organization_id: OrgId::from_bytes(id16(r.get(1)?)?),
        name: r.get(2)?,
        scopes: ScopeSet::from_scopes(scopes.split_whitespace().filter_map(Scope::parse)),
        zones,
        default_zone_id: default_zone.map(id16).transpose()?.map(ZoneId::from_bytes),
        created_at: ts(r.get(6)?)?,
        last_used_at: last_used.map(ts).transpose()?,
        revoked_at: revoked.map(ts).transpose()?,
    })
}

pub fn insert_key(conn: &Connection, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()> {
    let zones = key
        .zones
        .as_ref()
        .map(|z| serde_json::to_string(&z.iter().map(ToString::to_string).collect::<Vec<_>>()))
        .transpose()
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    db::execute(
        conn,
        "INSERT INTO api_keys (id, org_id, name, secret_hash, scopes, zones, default_zone, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            key.id.to_bytes().as_slice(),
            key.organization_id.to_bytes().as_slice(),
            key.name,
            hash.as_slice(),
            key.scopes.granted_strings().join(" "),
            zones,
            key.default_zone_id.map(|z| z.to_bytes().to_vec()),
            key.created_at.as_micros(),
        ],
    )
    .map_err(|e| match violated_unique_index(&e).as_deref() {
        Some("api_keys.secret_hash") => StoreError::Conflict { field: "key" },
        _ => from_sqlite(e),
    })?;
    Ok(())
}

pub fn find_key_by_hash(conn: &Connection, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE secret_hash = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row([hash.as_slice()], key_from_row).optional().map_err(from_sqlite)
}

pub fn get_key(conn: &Connection, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((org.to_bytes().as_slice(), id.to_bytes().as_slice()), key_from_row)
        .optional()
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

pub fn list_keys(
    conn: &Connection,
    org: &OrgId,
    within: Option<&[ZoneId]>,
    window: &IdWindow,
) -> StoreResult<Page<ApiKey>> {
    let mut params = vec![SqlValue::Blob(org.to_bytes().to_vec())];
    let mut base =
        format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE org_id = ?1 AND revoked_at IS NULL");
    if let Some(within) = within {
        // `zones` holds the key's zone ids as a JSON array of strings.
        let mut marks = Vec::new();
        for zone in within {
            params.push(SqlValue::Text(zone.to_string()));
            marks.push(format!("?{}", params.len()));
        }
        base.push_str(" AND zones IS NOT NULL");
        let outside = if marks.is_empty() {
            "1".to_owned()
        } else {
            format!("value NOT IN ({})", marks.join(", "))
        };
        base.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM json_each(api_keys.zones) WHERE {outside})"
        ));
    }
    page_by_id(conn, &base, params, window, key_from_row)
}

pub fn revoke_key(conn: &Connection, org: &OrgId, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "UPDATE api_keys SET revoked_at = ?3 \
         WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
        (org.to_bytes().as_slice(), id.to_bytes().as_slice(), at.as_micros()),
    )
    .map_err(from_sqlite)?;
    found(n)
}

pub fn touch_key(conn: &Connection, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
    db::execute(
        conn,
        "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
        (id.to_bytes().as_slice(), at.as_micros()),
    )
    .map_err(from_sqlite)?;
    Ok(())
}
