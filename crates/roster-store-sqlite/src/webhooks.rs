//! Webhook endpoints, their leases and their delivery logs in SQLite.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::events::EventType;
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{DeliveryId, EventId, OrgId, Timestamp, WebhookEndpointId};
use roster_store::{
    ClaimedWebhook, FeedPosition, IdWindow, Page, StoreError, StoreResult, WebhookLists,
    WebhookProgress, found,
};

use crate::db;
use crate::error::from_sqlite;
use crate::events::position;
use crate::page::page_by_id;

const COLUMNS: &str = "id, org_id, url, event_types, zones, enabled, description, secret, \
     previous_secret, previous_secret_expires_at, metadata, disabled_reason, created_by, \
     created_at, updated_at, cursor, failures";

fn conversion(i: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, what.into())
}

fn bytes16(row: &Row<'_>, i: usize) -> rusqlite::Result<[u8; 16]> {
    let v: Vec<u8> = row.get(i)?;
    v.try_into().map_err(|_| conversion(i, "expected 16 bytes"))
}

fn ts(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    Timestamp::from_micros(row.get(i)?).ok_or_else(|| conversion(i, "timestamp out of range"))
}

/// An endpoint row, its lists still text (decoded by `finish`).
struct RawEndpoint {
    endpoint: WebhookEndpoint,
    event_types: String,
    zones: Option<String>,
    cursor: Option<i64>,
    failures: u32,
}

fn endpoint_row(r: &Row<'_>) -> rusqlite::Result<RawEndpoint> {
    let expires: Option<i64> = r.get(9)?;
    Ok(RawEndpoint {
        endpoint: WebhookEndpoint {
            id: WebhookEndpointId::from_bytes(bytes16(r, 0)?),
            organization_id: OrgId::from_bytes(bytes16(r, 1)?),
            url: r.get(2)?,
            event_types: Vec::new(),
            zones: None,
            enabled: r.get(5)?,
            description: r.get(6)?,
            secret: r.get(7)?,
            previous_secret: r.get(8)?,
            previous_secret_expires_at: expires.and_then(Timestamp::from_micros),
            metadata: r.get(10)?,
            disabled_reason: r.get(11)?,
            created_by: r.get(12)?,
            created_at: ts(r, 13)?,
            updated_at: ts(r, 14)?,
        },
        event_types: r.get(3)?,
        zones: r.get(4)?,
        cursor: r.get(15)?,
        failures: r.get(16)?,
    })
}

impl RawEndpoint {
    fn finish(self) -> StoreResult<ClaimedWebhook> {
        let (event_types, zones) = WebhookLists::decode(&self.event_types, self.zones.as_deref())?;
        Ok(ClaimedWebhook {
            endpoint: WebhookEndpoint { event_types, zones, ..self.endpoint },
            cursor: self.cursor.map(position),
            failures: self.failures,
        })
    }
}

pub fn insert(conn: &Connection, e: &WebhookEndpoint) -> StoreResult<()> {
    let lists = WebhookLists::of(e)?;
    db::execute(
        conn,
        "INSERT INTO webhook_endpoints (id, org_id, url, event_types, zones, enabled, \
         description, secret, previous_secret, previous_secret_expires_at, metadata, \
         disabled_reason, created_by, created_at, updated_at, cursor, failures, \
         next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
         ?15, (SELECT max(pos) FROM events), 0, ?14)",
        rusqlite::params![
            e.id.to_bytes().as_slice(),
            e.organization_id.to_bytes().as_slice(),
            e.url,
            lists.event_types,
            lists.zones,
            e.enabled,
            e.description,
            e.secret,
            e.previous_secret,
            e.previous_secret_expires_at.map(Timestamp::as_micros),
            e.metadata,
            e.disabled_reason,
            e.created_by,
            e.created_at.as_micros(),
            e.updated_at.as_micros(),
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub fn get(conn: &Connection, org: &OrgId, id: &WebhookEndpointId) -> StoreResult<WebhookEndpoint> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = ?1 AND id = ?2");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row((org.to_bytes().as_slice(), id.to_bytes().as_slice()), endpoint_row)
                .optional()
        })
        .map_err(from_sqlite)?;
    Ok(raw.ok_or(StoreError::NotFound)?.finish()?.endpoint)
}

pub fn list(
    conn: &Connection,
    org: &OrgId,
    window: &IdWindow,
) -> StoreResult<Page<WebhookEndpoint>> {
    let base = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = ?1");
    let page = page_by_id(
        conn,
        &base,
        vec![SqlValue::Blob(org.to_bytes().to_vec())],
        window,
        endpoint_row,
    )?;
    let items = page.items.into_iter().map(|r| r.finish().map(|c| c.endpoint));
    Ok(Page {
        items: items.collect::<StoreResult<_>>()?,
        has_more: page.has_more,
        total: page.total,
    })
}

pub fn update(conn: &Connection, e: &WebhookEndpoint) -> StoreResult<()> {
    let lists = WebhookLists::of(e)?;
    // Enabled again: failures forgotten and due at once; the cursor stays.
    let n = db::execute(
        conn,
        "UPDATE webhook_endpoints SET url = ?3, event_types = ?4, zones = ?5, \
         failures = CASE WHEN enabled = 0 AND ?6 = 1 THEN 0 ELSE failures END, \
         next_attempt_at = CASE WHEN enabled = 0 AND ?6 = 1 THEN ?12 ELSE next_attempt_at END, \
         enabled = ?6, description = ?7, secret = ?8, previous_secret = ?9, \
         previous_secret_expires_at = ?10, disabled_reason = ?11, updated_at = ?12, \
         metadata = ?13 WHERE org_id = ?1 AND id = ?2",
        rusqlite::params![
            e.organization_id.to_bytes().as_slice(),
            e.id.to_bytes().as_slice(),
            e.url,
            lists.event_types,
            lists.zones,
            e.enabled,
            e.description,
            e.secret,
            e.previous_secret,
            e.previous_secret_expires_at.map(Timestamp::as_micros),
            e.disabled_reason,
            e.updated_at.as_micros(),
            e.metadata,
        ],
    )
    .map_err(from_sqlite)?;
    found(n)
}

pub fn delete(conn: &Connection, org: &OrgId, id: &WebhookEndpointId) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "DELETE FROM webhook_endpoints WHERE org_id = ?1 AND id = ?2",
        (org.to_bytes().as_slice(), id.to_bytes().as_slice()),
    )
    .map_err(from_sqlite)?;
    found(n)
}

/// Whether some enabled endpoint is due at `now` and not leased.
pub fn any_due(conn: &Connection, now: Timestamp) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 \
         AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until < ?1))",
    )
    .and_then(|mut s| s.query_row([now.as_micros()], |r| r.get(0)))
    .map_err(from_sqlite)
}

pub fn claim(
    conn: &Connection,
    now: Timestamp,
    until: Timestamp,
    token: i64,
    limit: usize,
) -> StoreResult<Vec<ClaimedWebhook>> {
    let sql = format!(
        "UPDATE webhook_endpoints SET lease_token = ?1, lease_until = ?2 WHERE seq IN \
         (SELECT seq FROM webhook_endpoints WHERE enabled = 1 AND next_attempt_at <= ?3 \
         AND (lease_until IS NULL OR lease_until < ?3) ORDER BY next_attempt_at LIMIT ?4) \
         RETURNING {COLUMNS}"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    let rows = stmt
        .query_map((token, until.as_micros(), now.as_micros(), limit), endpoint_row)
        .map_err(from_sqlite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(from_sqlite)?;
    rows.into_iter().map(RawEndpoint::finish).collect()
}

pub fn save_progress(
    conn: &Connection,
    id: &WebhookEndpointId,
    token: i64,
    p: &WebhookProgress,
) -> StoreResult<bool> {
    let cursor = p.cursor.map(|c| i64::try_from(c.seq).unwrap_or(i64::MAX));
    let n = db::execute(
        conn,
        "UPDATE webhook_endpoints SET cursor = ?3, failures = ?4, next_attempt_at = ?5, \
         enabled = CASE WHEN ?6 IS NULL THEN enabled ELSE 0 END, \
         disabled_reason = coalesce(?6, disabled_reason), lease_token = NULL, lease_until = NULL \
         WHERE id = ?1 AND lease_token = ?2",
        rusqlite::params![
            id.to_bytes().as_slice(),
            token,
            cursor,
            p.failures,
            p.next_attempt_at.as_micros(),
            p.disable,
        ],
    )
    .map_err(from_sqlite)?;
    Ok(n > 0)
}

/// Deletes the attempts made before `before` among the oldest
/// `PURGE_CHUNK` (in log order, which is time order): each call's work is
/// bounded however long the log is.
pub fn purge_deliveries(conn: &Connection, before: Timestamp) -> StoreResult<u64> {
    let n = db::execute(
        conn,
        "DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries \
         ORDER BY seq LIMIT ?2) AND created_at < ?1",
        (before.as_micros(), crate::events::PURGE_CHUNK),
    )
    .map_err(from_sqlite)?;
    Ok(n as u64)
}

pub fn record_delivery(conn: &Connection, d: &Delivery, at: FeedPosition) -> StoreResult<()> {
    let n = db::execute(
        conn,
        "INSERT INTO webhook_deliveries (id, endpoint_seq, event_id, event_type, event_pos, \
         attempt, status_code, error, duration_ms, succeeded, manual, created_at) \
         SELECT ?1, seq, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 FROM webhook_endpoints \
         WHERE id = ?2",
        rusqlite::params![
            d.id.to_bytes().as_slice(),
            d.endpoint_id.to_bytes().as_slice(),
            d.event_id.to_bytes().as_slice(),
            d.event_type.as_str(),
            i64::try_from(at.seq).unwrap_or(i64::MAX),
            d.attempt,
            d.status_code,
            d.error,
            i64::try_from(d.duration_ms).unwrap_or(i64::MAX),
            d.succeeded,
            d.manual,
            d.created_at.as_micros(),
        ],
    )
    .map_err(from_sqlite)?;
    // The endpoint was deleted while the attempt ran: nothing to log to.
    let _ = n;
    Ok(())
}

const DELIVERY_COLUMNS: &str = "d.id, e.id AS endpoint_id, d.event_id, d.event_type, d.attempt, d.status_code, \
     d.error, d.duration_ms, d.succeeded, d.manual, d.created_at, d.event_pos";

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<(Delivery, FeedPosition)> {
    let kind: String = r.get(3)?;
    let duration: i64 = r.get(7)?;
    Ok((
        Delivery {
            id: DeliveryId::from_bytes(bytes16(r, 0)?),
            endpoint_id: WebhookEndpointId::from_bytes(bytes16(r, 1)?),
            event_id: EventId::from_bytes(bytes16(r, 2)?),
            event_type: EventType::parse(&kind).ok_or_else(|| conversion(3, "event type"))?,
            attempt: r.get(4)?,
            status_code: r.get(5)?,
            error: r.get(6)?,
            duration_ms: u64::try_from(duration).unwrap_or(0),
            succeeded: r.get(8)?,
            manual: r.get(9)?,
            created_at: ts(r, 10)?,
        },
        position(r.get(11)?),
    ))
}

pub fn list_deliveries(
    conn: &Connection,
    org: &OrgId,
    endpoint: &WebhookEndpointId,
    window: &IdWindow,
) -> StoreResult<Page<Delivery>> {
    get(conn, org, endpoint)?;
    let base = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.seq = d.endpoint_seq WHERE e.org_id = ?1 AND e.id = ?2"
    );
    let params =
        vec![SqlValue::Blob(org.to_bytes().to_vec()), SqlValue::Blob(endpoint.to_bytes().to_vec())];
    let page = page_by_id(conn, &base, params, window, |r| delivery_row(r).map(|(d, _)| d))?;
    Ok(page)
}

pub fn get_delivery(
    conn: &Connection,
    org: &OrgId,
    endpoint: &WebhookEndpointId,
    id: &DeliveryId,
) -> StoreResult<(Delivery, FeedPosition)> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.seq = d.endpoint_seq \
         WHERE e.org_id = ?1 AND e.id = ?2 AND d.id = ?3"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(
                (
                    org.to_bytes().as_slice(),
                    endpoint.to_bytes().as_slice(),
                    id.to_bytes().as_slice(),
                ),
                delivery_row,
            )
            .optional()
        })
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}
