//! Identity providers in PostgreSQL: a user's `provider_id` is checked
//! under `FOR KEY SHARE` on the provider (see the module above).

use tokio_postgres::Row;

use roster_domain::ProviderId;
use roster_domain::access::Provider;
use roster_store::{IdWindow, Page, StoreError, StoreResult, ZoneKey, found};

use crate::db::{self, Exec};
use crate::error::identifier_conflict;
use crate::page::page_by_id;
use crate::row::{get, id16, ts};
use crate::types::{id, time};

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
///
/// Run it in a transaction; returns the provider as it was.
pub async fn delete_provider<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    pid: &ProviderId,
) -> StoreResult<Provider> {
    // A user's `provider_id` is the text it was given: the ULID may be in
    // either case (ids parse case-insensitively), and every spelling links.
    const LINKED: &str = "zone = $1 AND provider_id IS NOT NULL AND upper(provider_id) = upper($2)";
    let text = pid.to_string();
    db::execute(
        c,
        &format!("SELECT 1 FROM users WHERE {LINKED} ORDER BY id FOR NO KEY UPDATE"),
        &[&zone.seq, &text],
    )
    .await?;
    let sql =
        format!("DELETE FROM providers WHERE zone = $1 AND id = $2 RETURNING {PROVIDER_COLUMNS}");
    let row = db::query_opt(c, &sql, &[&zone.seq, &id(pid.to_bytes())]).await?;
    let gone = provider_from_row(&row.ok_or(StoreError::NotFound)?)?;
    db::execute(
        c,
        &format!("UPDATE users SET provider_id = NULL, version = version + 1 WHERE {LINKED}"),
        &[&zone.seq, &text],
    )
    .await?;
    Ok(gone)
}
