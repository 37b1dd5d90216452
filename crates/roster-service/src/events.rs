//! The change feed: who may read which events, cursors, and retention.

use roster_domain::events::{Event, TypeFilter};
use roster_domain::{Scope, Timestamp, UserId, ZoneId};
use roster_store::{EventQuery, FeedPosition};

use crate::error::{CursorParam, ServiceError, ServiceResult};
use crate::{Principal, Service};

/// A feed request in domain terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFeedRequest {
    pub after: Option<String>,
    pub limit: usize,
    pub types: TypeFilter,
    /// A zone by id or identifier.
    pub zone: Option<String>,
    /// Only the events about this user: its own, and those of its
    /// sessions, grants and role assignments.
    pub user: Option<UserId>,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFeed {
    pub events: Vec<Event>,
    /// Where the next page starts; null only when the feed is empty and
    /// no `after` was given.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

/// A feed position as a cursor: 32 hex digits. Any position is a valid
/// place to read from (the feed is filtered by the reader's organization
/// and zones whatever it says), so it is not signed.
pub fn encode_cursor(p: FeedPosition) -> String {
    format!("{:016x}{:016x}", p.tx, p.seq)
}

pub fn decode_cursor(s: &str) -> Option<FeedPosition> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let tx = u64::from_str_radix(&s[..16], 16).ok()?;
    let seq = u64::from_str_radix(&s[16..], 16).ok()?;
    Some(FeedPosition { tx, seq })
}

impl Service {
    pub async fn list_events(
        &self,
        principal: &Principal,
        request: &EventFeedRequest,
    ) -> ServiceResult<EventFeed> {
        principal.require(Scope::EventsRead)?;
        let after = match &request.after {
            None => None,
            Some(text) => Some(
                decode_cursor(text)
                    .ok_or(ServiceError::InvalidCursor { at: CursorParam::After })?,
            ),
        };
        let zones = match &request.zone {
            None => principal.zones.clone(),
            Some(zone) => Some(vec![self.feed_zone(principal, zone).await?]),
        };
        let query = EventQuery {
            org: principal.org,
            after,
            limit: request.limit,
            zones,
            types: request.types.types().map(<[_]>::to_vec),
            // Taken as it is, never looked up, as a zone id is: a deleted
            // user's events stay reachable, and the key's zones above
            // still bound what it reads. So a user the key may not see
            // answers exactly as a user with no events (an empty page),
            // where a 404 would tell a zone-limited key that the user
            // exists in another zone.
            user: request.user,
        };
        let page = self.store.events_after(&query).await?;
        Ok(EventFeed {
            events: page.events,
            end_cursor: page.next.map(encode_cursor),
            has_next_page: page.has_more,
        })
    }

    /// The zone a `zone` filter names. An id is taken as it is, so the
    /// events of a deleted zone stay reachable; an identifier names a zone
    /// that exists. Either way, one the key may not see is not found.
    async fn feed_zone(&self, principal: &Principal, zone: &str) -> ServiceResult<ZoneId> {
        let id = match ZoneId::parse(zone) {
            Some(id) => id,
            None => self.find_zone(&principal.org, zone).await?.id,
        };
        if principal.may_see_zone(&id) { Ok(id) } else { Err(ServiceError::NotFound) }
    }

    /// Drops the events older than the retention period, a chunk at a
    /// time; returns how many went.
    pub async fn purge_events(&self) -> ServiceResult<u64> {
        self.drain(|before| self.store.purge_events(before)).await
    }

    /// Drops webhook delivery attempts older than the event retention (an
    /// attempt is only worth keeping while its event is), a chunk at a
    /// time; returns how many went.
    pub async fn purge_deliveries(&self) -> ServiceResult<u64> {
        self.drain(|before| self.store.purge_deliveries(before)).await
    }

    /// Runs `purge` with the start of the retention period until it
    /// deletes nothing more.
    async fn drain<F, Fut>(&self, purge: F) -> ServiceResult<u64>
    where
        F: Fn(Timestamp) -> Fut,
        Fut: std::future::Future<Output = roster_store::StoreResult<u64>>,
    {
        let keep = i64::try_from(self.config.event_retention.as_secs()).unwrap_or(i64::MAX);
        let before: Timestamp = self.now().plus_seconds(-keep);
        let mut total = 0;
        loop {
            let n = purge(before).await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_its_position_and_nothing_else_does() {
        let p = FeedPosition { tx: 0x1234, seq: u64::MAX };
        assert_eq!(decode_cursor(&encode_cursor(p)), Some(p));
        for bad in ["", "xyz", &"0".repeat(31), &"g".repeat(32), &"0".repeat(33)] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
