//! The change feed in PostgreSQL: events written in the transaction of
//! their change, read in (transaction id, seq) order below the oldest
//! running transaction (migration 0006 says why).

use tokio_postgres::types::ToSql;

use roster_domain::events::{Event, NewEvent};
use roster_domain::{OrgId, Timestamp};
use roster_store::{
    EventPage, EventQuery, EventRow, EventText, FEED_SCAN_LIMIT, FeedPosition, StoreError,
    StoreResult,
};

use crate::db::{self, Exec, Tx};
use crate::row::{get, id16, ts};
use crate::types::{PgId, PgTime, id, time};

/// The `meta` key of the position of the newest event retention deleted.
const HORIZON: &str = "events_horizon";

/// The most events one purge deletes; the caller repeats while it is full.
const PURGE_CHUNK: i64 = 10_000;

/// The columns an event insert names, in the order of `EventParams`.
pub const EVENT_COLUMNS: &str = "id, org_id, zone_id, type, occurred_at, actor_type, actor_id, \
     object, changed_fields, user_id";

/// An event's statement parameters, kept alive while a statement uses them.
pub struct EventParams<'a> {
    id: PgId,
    org: PgId,
    zone: PgId,
    kind: &'static str,
    occurred_at: PgTime,
    actor_type: &'static str,
    actor_id: Option<&'a str>,
    text: EventText,
}

impl<'a> EventParams<'a> {
    pub fn new(event: &'a NewEvent) -> StoreResult<Self> {
        Ok(Self {
            id: id(event.id.to_bytes()),
            org: id(event.organization_id.to_bytes()),
            zone: id(event.zone.to_bytes()),
            kind: event.kind.as_str(),
            occurred_at: time(event.occurred_at),
            actor_type: event.actor.kind(),
            actor_id: event.actor.id(),
            text: EventText::of(event)?,
        })
    }

    pub fn params(&self) -> [&(dyn ToSql + Sync); 10] {
        [
            &self.id,
            &self.org,
            &self.zone,
            &self.kind,
            &self.occurred_at,
            &self.actor_type,
            &self.actor_id,
            &self.text.object,
            &self.text.changed_fields,
            &self.text.user_id,
        ]
    }

    /// `$first, …, $first+9`: the placeholders of these parameters when
    /// they follow others in a statement.
    pub fn placeholders(first: usize) -> String {
        (first..first + 10).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
    }
}

pub async fn record<C: Exec>(c: &C, event: &NewEvent) -> StoreResult<()> {
    let p = EventParams::new(event)?;
    let sql =
        format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES ({})", EventParams::placeholders(1));
    db::execute(c, &sql, &p.params()).await?;
    Ok(())
}

/// Records the change's event and commits: how every write ends.
pub async fn commit_with(tx: Tx<'_>, event: &NewEvent) -> StoreResult<()> {
    record(&tx, event).await?;
    tx.commit().await
}

/// Columns 2.. of a feed row (after tx and seq) as an event.
fn event_row(row: &tokio_postgres::Row) -> StoreResult<Event> {
    EventRow {
        id: id16(row, 2)?,
        org: id16(row, 3)?,
        zone: id16(row, 4)?,
        kind: get(row, 5)?,
        occurred_at: ts(row, 6)?,
        actor_type: get(row, 7)?,
        actor_id: get(row, 8)?,
        object: get(row, 9)?,
        changed_fields: get(row, 10)?,
    }
    .decode()
}

/// The event at a position of the organization's feed.
pub async fn event_at<C: Exec>(c: &C, org: &OrgId, at: FeedPosition) -> StoreResult<Event> {
    let seq = i64::try_from(at.seq).map_err(|_| StoreError::NotFound)?;
    let row = db::query_opt(
        c,
        "SELECT tx::text::bigint, seq, id, org_id, zone_id, type, occurred_at, actor_type, \
         actor_id, object, changed_fields FROM events \
         WHERE tx = $1::text::xid8 AND seq = $2 AND org_id = $3",
        &[&at.tx.to_string(), &seq, &id(org.to_bytes())],
    )
    .await?;
    event_row(&row.ok_or(StoreError::NotFound)?)
}

/// The window of a page: how many events it looks through and the last
/// one's position. Parameters: org, after (tx, seq), scan limit, then what
/// `$user` adds (the user and the reader's zones).
macro_rules! window_sql {
    ($user:literal) => {
        concat!(
            "SELECT count(*), (array_agg(tx::text ORDER BY tx DESC, seq DESC))[1], \
             (array_agg(seq ORDER BY tx DESC, seq DESC))[1] FROM (SELECT tx, seq FROM events \
             WHERE org_id = $1",
            $user,
            " AND (tx, seq) > ($2::text::xid8, $3) \
             AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx, seq LIMIT $4) w"
        )
    };
}

/// The read of a page's matches in the window. Parameters: org, after
/// (tx, seq), end (tx, seq), zones, types, limit, then what `$user` adds.
macro_rules! page_sql {
    ($user:literal) => {
        concat!(
            "SELECT tx::text::bigint, seq, id, org_id, zone_id, type, occurred_at, actor_type, \
             actor_id, object, changed_fields FROM events WHERE org_id = $1",
            $user,
            " AND (tx, seq) > ($2::text::xid8, $3) AND (tx, seq) <= ($4::text::xid8, $5) \
             AND ($6::uuid[] IS NULL OR zone_id = ANY($6)) \
             AND ($7::text[] IS NULL OR type = ANY($7)) \
             ORDER BY tx, seq LIMIT $8"
        )
    };
}

/// The user is a statement of its own, not a `$n IS NULL OR user_id = $n`
/// clause: a generic plan could not use `events_user` (organization, user,
/// position) for that, and the user's events are then found through it
/// alone.
pub fn window_sql(by_user: bool) -> &'static str {
    if by_user {
        window_sql!(" AND user_id = $5 AND ($6::uuid[] IS NULL OR zone_id = ANY($6))")
    } else {
        window_sql!("")
    }
}

pub fn page_sql(by_user: bool) -> &'static str {
    if by_user { page_sql!(" AND user_id = $9") } else { page_sql!("") }
}

pub fn position(tx: i64, seq: i64) -> FeedPosition {
    FeedPosition { tx: u64::try_from(tx).unwrap_or(0), seq: u64::try_from(seq).unwrap_or(0) }
}

async fn horizon<C: Exec>(c: &C) -> StoreResult<FeedPosition> {
    let row = db::query_opt(c, "SELECT value FROM meta WHERE key = $1", &[&HORIZON]).await?;
    let Some(row) = row else { return Ok(FeedPosition::default()) };
    let bytes: Vec<u8> = get(&row, 0)?;
    let bytes: [u8; 16] =
        bytes.try_into().map_err(|_| StoreError::Internal("bad events horizon".into()))?;
    Ok(FeedPosition::from_bytes(bytes))
}

pub async fn events_after<C: Exec>(c: &C, q: &EventQuery) -> StoreResult<EventPage> {
    // No cursor: from the oldest event kept, wherever that is now.
    let after = q.after.unwrap_or_default();
    if q.after.is_some() && after < horizon(c).await? {
        return Err(StoreError::CursorExpired);
    }
    let org = id(q.org.to_bytes());
    let tx = after.tx.to_string();
    let seq = i64::try_from(after.seq).map_err(|_| StoreError::CursorExpired)?;
    let scan = i64::try_from(FEED_SCAN_LIMIT).unwrap_or(i64::MAX);
    let user: Option<String> = q.user.map(|u| u.to_string());
    let zones: Option<Vec<PgId>> =
        q.zones.as_ref().map(|z| z.iter().map(|z| id(z.to_bytes())).collect());
    // First the window this page looks through: settled rows only (below
    // the oldest running transaction), fixed by its last position. Every
    // row up to that position is settled, so the filtered read below sees
    // exactly the window, whatever commits meanwhile. With a user, only
    // that user's events the reader may see: a user of a zone it may not
    // see then moves no cursor, answering as a user without events would.
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&org, &tx, &seq, &scan];
    if let Some(user) = &user {
        params.extend([user as &(dyn ToSql + Sync), &zones]);
    }
    let row = db::query_one(c, window_sql(user.is_some()), &params).await?;
    let looked_at: i64 = get(&row, 0)?;
    let (end_tx, end_seq) = match (get::<Option<String>>(&row, 1)?, get::<Option<i64>>(&row, 2)?) {
        (Some(tx), Some(seq)) => (tx, seq),
        _ => {
            return Ok(EventPage {
                events: Vec::new(),
                positions: Vec::new(),
                next: q.after,
                has_more: false,
            });
        }
    };
    let end = position(end_tx.parse().unwrap_or(0), end_seq);
    let types: Option<Vec<&str>> = q.types.as_ref().map(|t| t.iter().map(|t| t.as_str()).collect());
    let limit = i64::try_from(q.limit + 1).unwrap_or(i64::MAX);
    let mut params: Vec<&(dyn ToSql + Sync)> =
        vec![&org, &tx, &seq, &end_tx, &end_seq, &zones, &types, &limit];
    if let Some(user) = &user {
        params.push(user);
    }
    let rows = db::query(c, page_sql(user.is_some()), &params).await?;
    // A purge may have committed between the check above and these reads
    // (each statement has a snapshot of its own): if it reached past the
    // cursor, the rows just read miss events, and the answer is the 410.
    if q.after.is_some() && after < horizon(c).await? {
        return Err(StoreError::CursorExpired);
    }
    let full = rows.len() > q.limit;
    let mut events = Vec::with_capacity(rows.len().min(q.limit));
    let mut positions = Vec::with_capacity(events.capacity());
    for row in rows.iter().take(q.limit) {
        positions.push(position(get(row, 0)?, get(row, 1)?));
        events.push(event_row(row)?);
    }
    Ok(if full {
        let next = positions.last().copied();
        EventPage { events, positions, next, has_more: true }
    } else {
        // The whole window was looked at: the next page starts after it,
        // whether or not its last row matched.
        let has_more = usize::try_from(looked_at).unwrap_or(0) >= FEED_SCAN_LIMIT;
        EventPage { events, positions, next: Some(end), has_more }
    })
}

/// Deletes the oldest events that occurred before `before`, as a prefix of
/// the feed (up to the first event kept, among settled rows only) and at
/// most `PURGE_CHUNK` at a time, and remembers the last position deleted:
/// a cursor before it has missed events and is refused.
pub async fn purge(client: &mut db::Conn, before: Timestamp) -> StoreResult<u64> {
    let tx = client.transaction().await?;
    let rows = db::query(
        &tx,
        "SELECT tx::text::bigint, seq, occurred_at < $1 FROM events \
         WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx, seq LIMIT $2",
        &[&time(before), &PURGE_CHUNK],
    )
    .await?;
    let mut last_gone = None;
    for row in &rows {
        if !get::<bool>(row, 2)? {
            break;
        }
        last_gone = Some(position(get(row, 0)?, get(row, 1)?));
    }
    let Some(last_gone) = last_gone else { return Ok(0) };
    let (gone_tx, gone_seq) = (last_gone.tx.to_string(), i64::try_from(last_gone.seq).unwrap_or(0));
    let n = db::execute(
        &tx,
        "DELETE FROM events WHERE (tx, seq) <= ($1::text::xid8, $2)",
        &[&gone_tx, &gone_seq],
    )
    .await?;
    db::execute(
        &tx,
        "INSERT INTO meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value, excluded.value)",
        &[&HORIZON, &last_gone.to_bytes().as_slice()],
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}
