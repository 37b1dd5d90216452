//! What the webhook dispatcher keeps in the database: each endpoint's
//! place in the feed, its failures, and a lease so one node at a time
//! delivers to it.

use roster_domain::webhooks::WebhookEndpoint;
use roster_domain::{Timestamp, ZoneId};

use crate::{FeedPosition, StoreError, StoreResult};

/// An endpoint a node has leased for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedWebhook {
    pub endpoint: WebhookEndpoint,
    /// The last event delivered (or skipped by its filter).
    pub cursor: Option<FeedPosition>,
    /// Failed attempts in a row at the event after `cursor`.
    pub failures: u32,
}

/// Where a lease leaves an endpoint: its new cursor and failures, when to
/// look at it next, and whether to stop delivering (`disable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookProgress {
    pub cursor: Option<FeedPosition>,
    pub failures: u32,
    pub next_attempt_at: Timestamp,
    pub disable: Option<String>,
}

/// An endpoint's list columns as both backends store them: JSON arrays of
/// the event types and of the zone ids.
pub struct WebhookLists {
    pub event_types: String,
    pub zones: Option<String>,
}

impl WebhookLists {
    pub fn of(endpoint: &WebhookEndpoint) -> StoreResult<Self> {
        let internal =
            |e: serde_json::Error| StoreError::Internal(format!("webhook encoding: {e}"));
        let zones: Option<Vec<String>> =
            endpoint.zones.as_ref().map(|z| z.iter().map(ToString::to_string).collect());
        Ok(Self {
            event_types: serde_json::to_string(&endpoint.event_types).map_err(internal)?,
            zones: zones.map(|z| serde_json::to_string(&z)).transpose().map_err(internal)?,
        })
    }

    pub fn decode(
        event_types: &str,
        zones: Option<&str>,
    ) -> StoreResult<(Vec<String>, Option<Vec<ZoneId>>)> {
        let bad = || StoreError::Internal("a stored webhook endpoint has a bad list".into());
        let types: Vec<String> = serde_json::from_str(event_types).map_err(|_| bad())?;
        let zones = match zones {
            None => None,
            Some(text) => {
                let ids: Vec<String> = serde_json::from_str(text).map_err(|_| bad())?;
                Some(
                    ids.iter()
                        .map(|z| ZoneId::parse(z).ok_or_else(bad))
                        .collect::<Result<_, _>>()?,
                )
            }
        };
        Ok((types, zones))
    }
}
