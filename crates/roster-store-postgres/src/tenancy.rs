//! Organizations, zones and API keys in PostgreSQL.

use crate::db::{Conn, Exec};
use tokio_postgres::Row;

use roster_domain::events::NewEvent;
use roster_domain::{
    ApiKey, ApiKeyId, OrgId, Organization, Scope, ScopeSet, Timestamp, Zone, ZoneId, ZoneRef,
};
use roster_store::{IdWindow, Page, StoreError, StoreResult};

use crate::db;
use crate::error::{from_pg, unique_violation};
use crate::page::page_by_id;
use crate::row::get;
use crate::types::{PgId, PgTime, id, time};

/// Advisory lock key serializing `bootstrap` across nodes ("roster" +
/// "bo"), so two nodes starting on an empty database make one organization.
const BOOTSTRAP_LOCK: i64 = 0x726f_7374_6572_626f;

/// Creates the first organization, zone and admin key unless the database
/// holds an organization already; returns whether it did.
pub async fn bootstrap(
    client: &mut Conn,
    org: &Organization,
    zone: &Zone,
    key: &ApiKey,
    key_hash: &[u8; 32],
    event: &NewEvent,
) -> StoreResult<bool> {
    let tx = client.transaction().await?;
    db::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&BOOTSTRAP_LOCK]).await?;
    if any_organization(&tx).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    insert_organization(&tx, org).await?;
    insert_zone(&tx, zone).await?;
    insert_key(&tx, key, key_hash).await?;
    crate::events::record(&tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

async fn insert_organization<C: Exec>(c: &C, org: &Organization) -> StoreResult<()> {
    db::execute(
        c,
        "INSERT INTO organizations (id, identifier, created_at) VALUES ($1, $2, $3)",
        &[&id(org.id.to_bytes()), &org.identifier, &time(org.created_at)],
    )
    .await?;
    Ok(())
}

async fn any_organization<C: Exec>(c: &C) -> StoreResult<bool> {
    let row = db::query_one(c, "SELECT EXISTS (SELECT 1 FROM organizations)", &[]).await?;
    get(&row, 0)
}

pub async fn first_organization<C: Exec>(c: &C) -> StoreResult<Organization> {
    let row = db::query_opt(
        c,
        "SELECT id, identifier, created_at FROM organizations ORDER BY seq LIMIT 1",
        &[],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Organization {
        id: OrgId::from_bytes(get::<PgId>(&row, 0)?.0),
        identifier: get(&row, 1)?,
        created_at: get::<PgTime>(&row, 2)?.0,
    })
}

const ZONE_COLUMNS: &str = "seq, id, org_id, identifier, name, created_at, updated_at";

fn zone_from_row(r: &Row) -> StoreResult<(i64, Zone)> {
    Ok((
        get(r, 0)?,
        Zone {
            id: ZoneId::from_bytes(get::<PgId>(r, 1)?.0),
            organization_id: OrgId::from_bytes(get::<PgId>(r, 2)?.0),
            identifier: get(r, 3)?,
            name: get(r, 4)?,
            created_at: get::<PgTime>(r, 5)?.0,
            updated_at: get::<PgTime>(r, 6)?.0,
        },
    ))
}

/// The zone and its surrogate key, if it belongs to `org`.
pub async fn find_zone<C: Exec>(c: &C, org: &OrgId, zone: &ZoneRef) -> StoreResult<(i64, Zone)> {
    let org = id(org.to_bytes());
    let row = match zone {
        ZoneRef::Id(zone_id) => {
            let sql = format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = $1 AND id = $2");
            db::query_opt(c, &sql, &[&org, &id(zone_id.to_bytes())]).await?
        }
        ZoneRef::Identifier(ident) => {
            let sql =
                format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = $1 AND identifier = $2");
            db::query_opt(c, &sql, &[&org, ident]).await?
        }
    };
    zone_from_row(&row.ok_or(StoreError::NotFound)?)
}

fn zone_conflict(e: tokio_postgres::Error) -> StoreError {
    match unique_violation(&e).as_deref() {
        Some("zones_identifier") => StoreError::Conflict { field: "identifier" },
        _ => from_pg(e),
    }
}

pub async fn insert_zone<C: Exec>(c: &C, zone: &Zone) -> StoreResult<()> {
    db::execute_raw(
        c,
        "INSERT INTO zones (id, org_id, identifier, name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &id(zone.id.to_bytes()),
            &id(zone.organization_id.to_bytes()),
            &zone.identifier,
            &zone.name,
            &time(zone.created_at),
            &time(zone.updated_at),
        ],
    )
    .await
    .map_err(zone_conflict)?;
    Ok(())
}

pub async fn update_zone<C: Exec>(c: &C, zone: &Zone) -> StoreResult<()> {
    let n = db::execute_raw(
        c,
        "UPDATE zones SET identifier = $3, name = $4, updated_at = $5 \
         WHERE id = $1 AND org_id = $2",
        &[
            &id(zone.id.to_bytes()),
            &id(zone.organization_id.to_bytes()),
            &zone.identifier,
            &zone.name,
            &time(zone.updated_at),
        ],
    )
    .await
    .map_err(zone_conflict)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Deletes a zone without users, with its roles and providers. The zone
/// row is locked first: inserting a user, role or provider takes a
/// key-share lock on it (the foreign key), so none can slip in between the
/// emptiness check and the delete.
///
/// Run it in a transaction; returns the zone as it was.
pub async fn delete_zone<C: Exec>(c: &C, org: &OrgId, zone: &ZoneId) -> StoreResult<Zone> {
    let sql = format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = $1 AND id = $2 FOR UPDATE");
    let row = db::query_opt(c, &sql, &[&id(org.to_bytes()), &id(zone.to_bytes())])
        .await?
        .ok_or(StoreError::NotFound)?;
    let (seq, gone) = zone_from_row(&row)?;
    let has_users =
        db::query_one(c, "SELECT EXISTS (SELECT 1 FROM users WHERE zone = $1)", &[&seq]).await?;
    if get::<bool>(&has_users, 0)? {
        return Err(StoreError::ZoneNotEmpty);
    }
    // What else the zone holds goes with it: its roles (their assignments
    // were its users') and its providers (their sessions were its users').
    db::execute(
        c,
        "WITH r AS (DELETE FROM roles WHERE zone = $1), \
              p AS (DELETE FROM providers WHERE zone = $1) \
         DELETE FROM user_counts WHERE zone = $1",
        &[&seq],
    )
    .await?;
    db::execute(c, "DELETE FROM zones WHERE seq = $1", &[&seq]).await?;
    Ok(gone)
}

pub async fn list_zones<C: Exec>(
    c: &C,
    org: &OrgId,
    only: Option<&[ZoneId]>,
    window: &IdWindow,
) -> StoreResult<Page<Zone>> {
    let org = id(org.to_bytes());
    let map = |r: &Row| zone_from_row(r).map(|(_, z)| z);
    match only {
        None => {
            let base = format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = $1");
            page_by_id(c, &base, &[&org], window, map).await
        }
        Some(only) => {
            let ids: Vec<PgId> = only.iter().map(|z| id(z.to_bytes())).collect();
            let base =
                format!("SELECT {ZONE_COLUMNS} FROM zones WHERE org_id = $1 AND id = ANY($2)");
            page_by_id(c, &base, &[&org, &ids], window, map).await
        }
    }
}

const KEY_COLUMNS: &str =
    "id, org_id, name, scopes, zones, default_zone, created_at, last_used_at, revoked_at";

fn key_from_row(r: &Row) -> StoreResult<ApiKey> {
    let scopes: Vec<String> = get(r, 3)?;
    let zones: Option<Vec<PgId>> = get(r, 4)?;
    let default_zone: Option<PgId> = get(r, 5)?;
    Ok(ApiKey {
        id: ApiKeyId::from_bytes(get::<PgId>(r, 0)?.0),
        organization_id: OrgId::from_bytes(get::<PgId>(r, 1)?.0),
        name: get(r, 2)?,
        scopes: ScopeSet::from_scopes(scopes.iter().filter_map(|s| Scope::parse(s))),
        zones: zones.map(|z| z.into_iter().map(|i| ZoneId::from_bytes(i.0)).collect()),
        default_zone_id: default_zone.map(|z| ZoneId::from_bytes(z.0)),
        created_at: get::<PgTime>(r, 6)?.0,
        last_used_at: get::<Option<PgTime>>(r, 7)?.map(|t| t.0),
        revoked_at: get::<Option<PgTime>>(r, 8)?.map(|t| t.0),
    })
}

pub async fn insert_key<C: Exec>(c: &C, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()> {
    let zones: Option<Vec<PgId>> =
        key.zones.as_ref().map(|z| z.iter().map(|z| id(z.to_bytes())).collect());
    db::execute_raw(
        c,
        "INSERT INTO api_keys (id, org_id, name, secret_hash, scopes, zones, default_zone, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &id(key.id.to_bytes()),
            &id(key.organization_id.to_bytes()),
            &key.name,
            &hash.as_slice(),
            &key.scopes.granted_strings(),
            &zones,
            &key.default_zone_id.map(|z| id(z.to_bytes())),
            &time(key.created_at),
        ],
    )
    .await
    .map_err(|e| match unique_violation(&e).as_deref() {
        Some("api_keys_secret_hash") => StoreError::Conflict { field: "key" },
        _ => from_pg(e),
    })?;
    Ok(())
}

pub async fn find_key_by_hash<C: Exec>(c: &C, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE secret_hash = $1");
    db::query_opt(c, &sql, &[&hash.as_slice()]).await?.map(|r| key_from_row(&r)).transpose()
}

pub async fn get_key<C: Exec>(c: &C, org: &OrgId, key: &ApiKeyId) -> StoreResult<ApiKey> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL"
    );
    let row = db::query_opt(c, &sql, &[&id(org.to_bytes()), &id(key.to_bytes())])
        .await?
        .ok_or(StoreError::NotFound)?;
    key_from_row(&row)
}

pub async fn list_keys<C: Exec>(
    c: &C,
    org: &OrgId,
    within: Option<&[ZoneId]>,
    window: &IdWindow,
) -> StoreResult<Page<ApiKey>> {
    let org = id(org.to_bytes());
    let base =
        format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL");
    match within {
        None => page_by_id(c, &base, &[&org], window, key_from_row).await,
        Some(within) => {
            let ids: Vec<PgId> = within.iter().map(|z| id(z.to_bytes())).collect();
            let base = format!("{base} AND zones IS NOT NULL AND zones <@ $2::uuid[]");
            page_by_id(c, &base, &[&org, &ids], window, key_from_row).await
        }
    }
}

pub async fn revoke_key<C: Exec>(
    c: &C,
    org: &OrgId,
    key: &ApiKeyId,
    at: Timestamp,
) -> StoreResult<()> {
    let n = db::execute(
        c,
        "UPDATE api_keys SET revoked_at = $3 \
         WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
        &[&id(org.to_bytes()), &id(key.to_bytes()), &time(at)],
    )
    .await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn touch_key<C: Exec>(c: &C, key: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
    db::execute(
        c,
        "UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
        &[&id(key.to_bytes()), &time(at)],
    )
    .await?;
    Ok(())
}
