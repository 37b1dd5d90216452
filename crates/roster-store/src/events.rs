//! The change feed as every backend reads it: a position in commit order,
//! what a reader asks for, and the page it gets.

use roster_domain::events::{Actor, Event, EventType, NewEvent};
use roster_domain::{EventId, OrgId, Timestamp, UserId, ZoneId};

use crate::{StoreError, StoreResult};

/// A place in the feed, in the backend's commit order: SQLite numbers
/// events in one sequence (`tx` is 0); PostgreSQL orders them by the
/// writing transaction's id, then by the event's number. Opaque above the
/// store: the API only encodes it into a cursor and hands it back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPosition {
    pub tx: u64,
    pub seq: u64,
}

impl FeedPosition {
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.tx.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    pub fn from_bytes(b: [u8; 16]) -> Self {
        let (tx, seq) = b.split_at(8);
        let word = |s: &[u8]| u64::from_be_bytes(s.try_into().unwrap_or([0; 8]));
        Self { tx: word(tx), seq: word(seq) }
    }
}

/// What a feed reader asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub org: OrgId,
    /// Events strictly after this position; `None` from the oldest kept.
    pub after: Option<FeedPosition>,
    pub limit: usize,
    /// Only these zones (a key limited to zones, or the `zone` filter).
    pub zones: Option<Vec<ZoneId>>,
    /// Only these types (`None`: every type).
    pub types: Option<Vec<EventType>>,
    /// Only the events about this user (`NewEvent::user_id`). The page
    /// then looks through this user's events in `zones` alone, found by an
    /// index of (organization, user, position): `FEED_SCAN_LIMIT` counts
    /// them, not the organization's, so a user's activity is never a scan
    /// of the feed however busy the rest of the organization is, and a
    /// user of zones the reader may not see moves no cursor.
    pub user: Option<UserId>,
}

/// How many stored events one request may look through for matches of a
/// filter: a sparse filter answers a short (even empty) page whose cursor
/// still moves past what was looked at, so a walk always advances and no
/// request scans the whole feed.
pub const FEED_SCAN_LIMIT: usize = 5_000;

/// A page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// Each event's position, in the same order.
    pub positions: Vec<FeedPosition>,
    /// Where the next page starts: the last event returned, or the last
    /// one looked at when a filter skipped the rest; `None` when nothing
    /// was looked at and no `after` was given.
    pub next: Option<FeedPosition>,
    /// More stored events lie beyond `next` (for this reader's filter,
    /// or unexamined).
    pub has_more: bool,
}

/// The text columns of an event row, as both backends store them.
pub struct EventText {
    pub object: String,
    pub changed_fields: Option<String>,
    /// The user the event is about, as its id's text: the form the stored
    /// JSON holds it in, so the migrations could fill the column for older
    /// rows in SQL alone.
    pub user_id: Option<String>,
}

impl EventText {
    pub fn of(event: &NewEvent) -> StoreResult<Self> {
        let internal = |e: serde_json::Error| StoreError::Internal(format!("event encoding: {e}"));
        Ok(Self {
            object: serde_json::to_string(&event.object).map_err(internal)?,
            changed_fields: match &event.changed_fields {
                Some(fields) => Some(serde_json::to_string(fields).map_err(internal)?),
                None => None,
            },
            user_id: event.user_id().map(|u| u.to_string()),
        })
    }
}

/// An event row as both backends read it back.
pub struct EventRow {
    pub id: [u8; 16],
    pub org: [u8; 16],
    pub zone: [u8; 16],
    pub kind: String,
    pub occurred_at: Timestamp,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub object: String,
    pub changed_fields: Option<String>,
}

impl EventRow {
    pub fn decode(self) -> StoreResult<Event> {
        let bad = |what: &str| StoreError::Internal(format!("stored event has a bad {what}"));
        Ok(Event {
            id: EventId::from_bytes(self.id),
            kind: EventType::parse(&self.kind).ok_or_else(|| bad("type"))?,
            occurred_at: self.occurred_at,
            organization_id: OrgId::from_bytes(self.org),
            zone: ZoneId::from_bytes(self.zone),
            actor: Actor::from_parts(&self.actor_type, self.actor_id)
                .ok_or_else(|| bad("actor"))?,
            object: serde_json::from_str(&self.object).map_err(|_| bad("object"))?,
            changed_fields: match self.changed_fields {
                Some(text) => Some(serde_json::from_str(&text).map_err(|_| bad("changed_fields"))?),
                None => None,
            },
        })
    }
}
