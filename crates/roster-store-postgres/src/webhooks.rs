//! Webhook endpoints, their leases and their delivery logs in PostgreSQL.

use tokio_postgres::Row;

use roster_domain::events::EventType;
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{DeliveryId, EventId, OrgId, Timestamp, WebhookEndpointId};
use roster_store::{
    ClaimedWebhook, FeedPosition, IdWindow, Page, StoreError, StoreResult, WebhookLists,
    WebhookProgress, found,
};

use crate::db::{self, Exec};
use crate::events::position;
use crate::page::page_by_id;
use crate::row::{get, id16, opt_ts, ts};
use crate::types::{id, opt_time, time};

const COLUMNS: &str = "id, org_id, url, event_types, zones, enabled, description, secret, \
     previous_secret, previous_secret_expires_at, metadata, disabled_reason, created_by, \
     created_at, updated_at, cursor_tx, cursor_seq, failures";

fn endpoint_row(r: &Row) -> StoreResult<ClaimedWebhook> {
    let (event_types, zones) =
        WebhookLists::decode(&get::<String>(r, 3)?, get::<Option<String>>(r, 4)?.as_deref())?;
    let cursor = match (get::<Option<i64>>(r, 15)?, get::<Option<i64>>(r, 16)?) {
        (Some(tx), Some(seq)) => Some(position(tx, seq)),
        _ => None,
    };
    Ok(ClaimedWebhook {
        endpoint: WebhookEndpoint {
            id: WebhookEndpointId::from_bytes(id16(r, 0)?),
            organization_id: OrgId::from_bytes(id16(r, 1)?),
            url: get(r, 2)?,
            event_types,
            zones,
            enabled: get(r, 5)?,
            description: get(r, 6)?,
            secret: get(r, 7)?,
            previous_secret: get(r, 8)?,
            previous_secret_expires_at: opt_ts(r, 9)?,
            metadata: get(r, 10)?,
            disabled_reason: get(r, 11)?,
            created_by: get(r, 12)?,
            created_at: ts(r, 13)?,
            updated_at: ts(r, 14)?,
        },
        cursor,
        failures: u32::try_from(get::<i32>(r, 17)?).unwrap_or(0),
    })
}

pub async fn insert<C: Exec>(c: &C, e: &WebhookEndpoint) -> StoreResult<()> {
    let lists = WebhookLists::of(e)?;
    // The cursor starts at the newest settled event: the endpoint gets what
    // is recorded after it was made.
    db::execute(
        c,
        "INSERT INTO webhook_endpoints (id, org_id, url, event_types, zones, enabled, \
         description, secret, previous_secret, previous_secret_expires_at, metadata, \
         disabled_reason, created_by, created_at, updated_at, cursor_tx, cursor_seq, failures, \
         next_attempt_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, h.tx, h.seq, 0, $14 FROM (SELECT NULL) AS one LEFT JOIN (SELECT tx::text::bigint \
         AS tx, seq FROM events WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY tx DESC, seq DESC LIMIT 1) AS h ON true",
        &[
            &id(e.id.to_bytes()),
            &id(e.organization_id.to_bytes()),
            &e.url,
            &lists.event_types,
            &lists.zones,
            &e.enabled,
            &e.description,
            &e.secret,
            &e.previous_secret,
            &opt_time(e.previous_secret_expires_at),
            &e.metadata,
            &e.disabled_reason,
            &e.created_by,
            &time(e.created_at),
            &time(e.updated_at),
        ],
    )
    .await?;
    Ok(())
}

pub async fn get_one<C: Exec>(
    c: &C,
    org: &OrgId,
    wid: &WebhookEndpointId,
) -> StoreResult<WebhookEndpoint> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND id = $2");
    let row = db::query_opt(c, &sql, &[&id(org.to_bytes()), &id(wid.to_bytes())]).await?;
    Ok(endpoint_row(&row.ok_or(StoreError::NotFound)?)?.endpoint)
}

/// The endpoint, its row locked until the transaction ends.
pub async fn get_for_update<C: Exec>(
    c: &C,
    org: &OrgId,
    wid: &WebhookEndpointId,
) -> StoreResult<WebhookEndpoint> {
    let sql =
        format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND id = $2 FOR UPDATE");
    let row = db::query_opt(c, &sql, &[&id(org.to_bytes()), &id(wid.to_bytes())]).await?;
    Ok(endpoint_row(&row.ok_or(StoreError::NotFound)?)?.endpoint)
}

pub async fn list<C: Exec>(
    c: &C,
    org: &OrgId,
    window: &IdWindow,
) -> StoreResult<Page<WebhookEndpoint>> {
    let base = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = $1");
    page_by_id(c, &base, &[&id(org.to_bytes())], window, |r| endpoint_row(r).map(|w| w.endpoint))
        .await
}

pub async fn update<C: Exec>(c: &C, e: &WebhookEndpoint) -> StoreResult<()> {
    let lists = WebhookLists::of(e)?;
    // Enabled again: failures forgotten and due at once; the cursor stays.
    let n = db::execute(
        c,
        "UPDATE webhook_endpoints SET url = $3, event_types = $4, zones = $5, \
         failures = CASE WHEN NOT enabled AND $6 THEN 0 ELSE failures END, \
         next_attempt_at = CASE WHEN NOT enabled AND $6 THEN $12 ELSE next_attempt_at END, \
         enabled = $6, description = $7, secret = $8, previous_secret = $9, \
         previous_secret_expires_at = $10, disabled_reason = $11, updated_at = $12, \
         metadata = $13 WHERE org_id = $1 AND id = $2",
        &[
            &id(e.organization_id.to_bytes()),
            &id(e.id.to_bytes()),
            &e.url,
            &lists.event_types,
            &lists.zones,
            &e.enabled,
            &e.description,
            &e.secret,
            &e.previous_secret,
            &opt_time(e.previous_secret_expires_at),
            &e.disabled_reason,
            &time(e.updated_at),
            &e.metadata,
        ],
    )
    .await?;
    found(n)
}

pub async fn delete<C: Exec>(c: &C, org: &OrgId, wid: &WebhookEndpointId) -> StoreResult<()> {
    let n = db::execute(
        c,
        "DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2",
        &[&id(org.to_bytes()), &id(wid.to_bytes())],
    )
    .await?;
    found(n)
}

/// `SKIP LOCKED`: nodes claiming at once take different endpoints instead
/// of waiting on each other's rows.
pub async fn claim<C: Exec>(
    c: &C,
    now: Timestamp,
    until: Timestamp,
    token: i64,
    limit: usize,
) -> StoreResult<Vec<ClaimedWebhook>> {
    let sql = format!(
        "UPDATE webhook_endpoints w SET lease_token = $1, lease_until = $2 FROM \
         (SELECT seq FROM webhook_endpoints WHERE enabled AND next_attempt_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at LIMIT $4 \
         FOR UPDATE SKIP LOCKED) AS due WHERE w.seq = due.seq RETURNING {}",
        COLUMNS.split(", ").map(|c| format!("w.{c}")).collect::<Vec<_>>().join(", ")
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = db::query(c, &sql, &[&token, &time(until), &time(now), &limit]).await?;
    rows.iter().map(endpoint_row).collect()
}

/// Deletes the attempts made before `before` among the oldest 10 000 (ids
/// are time-ordered): each call's work is bounded however long the log is.
pub async fn purge_deliveries<C: Exec>(c: &C, before: Timestamp) -> StoreResult<u64> {
    db::execute(
        c,
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
         ORDER BY id LIMIT 10000) AND created_at < $1",
        &[&time(before)],
    )
    .await
}

pub async fn save_progress<C: Exec>(
    c: &C,
    wid: &WebhookEndpointId,
    token: i64,
    p: &WebhookProgress,
) -> StoreResult<bool> {
    let (tx, seq) = match p.cursor {
        Some(c) => {
            (Some(i64::try_from(c.tx).unwrap_or(0)), Some(i64::try_from(c.seq).unwrap_or(0)))
        }
        None => (None, None),
    };
    let failures = i32::try_from(p.failures).unwrap_or(i32::MAX);
    let n = db::execute(
        c,
        "UPDATE webhook_endpoints SET cursor_tx = $3, cursor_seq = $4, failures = $5, \
         next_attempt_at = $6, enabled = CASE WHEN $7::text IS NULL THEN enabled ELSE false END, \
         disabled_reason = coalesce($7, disabled_reason), lease_token = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_token = $2",
        &[&id(wid.to_bytes()), &token, &tx, &seq, &failures, &time(p.next_attempt_at), &p.disable],
    )
    .await?;
    Ok(n > 0)
}

pub async fn record_delivery<C: Exec>(c: &C, d: &Delivery, at: FeedPosition) -> StoreResult<()> {
    // No row when the endpoint was deleted while the attempt ran.
    db::execute(
        c,
        "INSERT INTO webhook_deliveries (id, endpoint_seq, event_id, event_type, event_tx, \
         event_seq, attempt, status_code, error, duration_ms, succeeded, manual, created_at) \
         SELECT $1, seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM webhook_endpoints \
         WHERE id = $2",
        &[
            &id(d.id.to_bytes()),
            &id(d.endpoint_id.to_bytes()),
            &id(d.event_id.to_bytes()),
            &d.event_type.as_str(),
            &i64::try_from(at.tx).unwrap_or(0),
            &i64::try_from(at.seq).unwrap_or(0),
            &i32::try_from(d.attempt).unwrap_or(i32::MAX),
            &d.status_code.map(i32::from),
            &d.error,
            &i64::try_from(d.duration_ms).unwrap_or(i64::MAX),
            &d.succeeded,
            &d.manual,
            &time(d.created_at),
        ],
    )
    .await?;
    Ok(())
}

const DELIVERY_COLUMNS: &str = "d.id, e.id AS endpoint_id, d.event_id, d.event_type, d.attempt, \
     d.status_code, d.error, d.duration_ms, d.succeeded, d.manual, d.created_at, d.event_tx, \
     d.event_seq";

fn delivery_row(r: &Row) -> StoreResult<(Delivery, FeedPosition)> {
    let kind: String = get(r, 3)?;
    Ok((
        Delivery {
            id: DeliveryId::from_bytes(id16(r, 0)?),
            endpoint_id: WebhookEndpointId::from_bytes(id16(r, 1)?),
            event_id: EventId::from_bytes(id16(r, 2)?),
            event_type: EventType::parse(&kind)
                .ok_or_else(|| StoreError::Internal("a delivery has a bad event type".into()))?,
            attempt: u32::try_from(get::<i32>(r, 4)?).unwrap_or(0),
            status_code: get::<Option<i32>>(r, 5)?.and_then(|s| u16::try_from(s).ok()),
            error: get(r, 6)?,
            duration_ms: u64::try_from(get::<i64>(r, 7)?).unwrap_or(0),
            succeeded: get(r, 8)?,
            manual: get(r, 9)?,
            created_at: ts(r, 10)?,
        },
        position(get(r, 11)?, get(r, 12)?),
    ))
}

pub async fn list_deliveries<C: Exec>(
    c: &C,
    org: &OrgId,
    endpoint: &WebhookEndpointId,
    window: &IdWindow,
) -> StoreResult<Page<Delivery>> {
    get_one(c, org, endpoint).await?;
    let base = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.seq = d.endpoint_seq WHERE e.org_id = $1 AND e.id = $2"
    );
    let (org, endpoint) = (id(org.to_bytes()), id(endpoint.to_bytes()));
    page_by_id(c, &base, &[&org, &endpoint], window, |r| delivery_row(r).map(|(d, _)| d)).await
}

pub async fn get_delivery<C: Exec>(
    c: &C,
    org: &OrgId,
    endpoint: &WebhookEndpointId,
    did: &DeliveryId,
) -> StoreResult<(Delivery, FeedPosition)> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.seq = d.endpoint_seq \
         WHERE e.org_id = $1 AND e.id = $2 AND d.id = $3"
    );
    let row = db::query_opt(
        c,
        &sql,
        &[&id(org.to_bytes()), &id(endpoint.to_bytes()), &id(did.to_bytes())],
    )
    .await?;
    delivery_row(&row.ok_or(StoreError::NotFound)?)
}
