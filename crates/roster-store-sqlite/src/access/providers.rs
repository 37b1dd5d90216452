//! Identity providers in SQLite.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::ProviderId;
use roster_domain::access::Provider;
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey, found};

use crate::db;
use crate::error::{from_sqlite, identifier_conflict};
use crate::page::page_by_id;
use crate::row::{id16, ts};

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
    db::execute(
        conn,
        "INSERT INTO providers (id, zone, identifier, issuer, user_identifier_claim, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            p.id.to_bytes().as_slice(),
            zone.seq,
            p.identifier,
            p.issuer,
            p.user_identifier_claim,
            p.created_at.as_micros(),
            p.updated_at.as_micros(),
        ],
    )
    .map_err(identifier_conflict("providers_identifier"))?;
    Ok(())
}

pub fn update_provider(conn: &Connection, zone: &ZoneKey, p: &Provider) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "UPDATE providers SET identifier = ?3, issuer = ?4, user_identifier_claim = ?5, \
         updated_at = ?6 WHERE zone = ?1 AND id = ?2",
        rusqlite::params![
            zone.seq,
            p.id.to_bytes().as_slice(),
            p.identifier,
            p.issuer,
            p.user_identifier_claim,
            p.updated_at.as_micros(),
        ],
    )
    .map_err(identifier_conflict("providers_identifier"))?;
    found(n)
}

pub fn delete_provider(conn: &Connection, zone: &ZoneKey, id: &ProviderId) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "DELETE FROM providers WHERE zone = ?1 AND id = ?2",
        (zone.seq, id.to_bytes().as_slice()),
    )
    .map_err(from_sqlite)?;
    found(n)?;
    // The users stay; their link to the provider goes. Each such user
    // changes, so its version moves and its ETag with it. A user's
    // `provider_id` is the text it was given, the ULID in either case (ids
    // parse case-insensitively), so every spelling is unlinked, as in
    // PostgreSQL; `IS NOT NULL` keeps the walk on the partial index
    // `users_provider`, over the zone's linked users only.
    let text = id.to_string();
    db::execute(
        conn,
        "UPDATE users SET provider_id = NULL, version = version + 1 \
         WHERE zone = ?1 AND provider_id IS NOT NULL AND upper(provider_id) = upper(?2)",
        (zone.seq, &text),
    )
    .map_err(from_sqlite)?;
    // A session's provider is stored as the id's canonical text (it is a
    // `ProviderId`, not client text), so one spelling finds them all.
    db::execute(
        conn,
        "UPDATE sessions SET provider_id = NULL WHERE provider_id = ?1 \
         AND user_seq IN (SELECT seq FROM users WHERE zone = ?2)",
        (&text, zone.seq),
    )
    .map_err(from_sqlite)?;
    Ok(())
}
