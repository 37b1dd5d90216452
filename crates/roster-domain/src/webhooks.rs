//! Webhook endpoints and their deliveries: what an endpoint asks for, when
//! a failed delivery is tried again, and when an endpoint is given up on.
//! (Signatures and the outbound address policy live in `roster-webhooks`.)

use std::time::Duration;

use crate::error::ValidationError;
use crate::events::{EventType, TypeFilter};
use crate::ids::{DeliveryId, EventId, WebhookEndpointId};
use crate::{OrgId, Timestamp, ZoneId, text};

/// Where events are POSTed, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub organization_id: OrgId,
    pub url: String,
    /// As given: types and `<resource>.*` forms; empty takes every type.
    pub event_types: Vec<String>,
    /// `None`: every zone the creating key may see (all, for an
    /// unrestricted key).
    pub zones: Option<Vec<ZoneId>>,
    pub enabled: bool,
    pub description: Option<String>,
    /// `whsec_…`: signs every delivery.
    pub secret: String,
    /// The secret before the last rotation, signing alongside until
    /// `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<Timestamp>,
    /// Whether the key that last set the URL had `users:metadata`: the
    /// rule its deliveries are rendered under.
    pub metadata: bool,
    /// Why delivery stopped by itself (`failing`); cleared when re-enabled.
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl WebhookEndpoint {
    /// The filter its event types make (they were checked when set).
    pub fn type_filter(&self) -> TypeFilter {
        TypeFilter::parse(self.event_types.iter().map(String::as_str)).unwrap_or_default()
    }

    /// The secrets that sign a delivery at `now`: the current one, and the
    /// previous one during its grace period.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(old), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && now < until
        {
            secrets.push(old);
        }
        secrets
    }
}

/// Checks an endpoint URL's shape: http or https, a host, no credentials,
/// at most 2 048 characters. (Where it points is checked by the address
/// policy, when it is set and at every delivery.)
pub fn check_webhook_url(field: &str, url: &str) -> Result<(), ValidationError> {
    let bad = |why: &str| Err(ValidationError::new(field, why));
    if url.len() > 2048 {
        return bad("must be at most 2048 characters");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("must be an absolute http or https URL");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return bad("must be an http or https URL");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return bad("must name a host");
    }
    if authority.contains('@') {
        return bad("must not carry credentials");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces or control characters");
    }
    Ok(())
}

/// The most items an endpoint's `event_types` may list.
pub const MAX_EVENT_TYPES: usize = 64;

/// Checks an endpoint's `event_types`: each a type or a `<resource>.*`.
pub fn check_event_types(field: &str, types: &[String]) -> Result<(), ValidationError> {
    if types.len() > MAX_EVENT_TYPES {
        return Err(ValidationError::new(field, "lists too many event types"));
    }
    TypeFilter::parse(types.iter().map(String::as_str)).map(drop).map_err(|unknown| {
        ValidationError::new(
            field,
            format!(
                "{:?} is not an event type; use a type such as user.created, or user.* for \
                 every type of a resource",
                unknown.0
            ),
        )
    })
}

pub fn check_webhook_description(field: &str, s: &str) -> Result<(), ValidationError> {
    text::check_text(field, s, 1024)
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: EventId,
    pub event_type: EventType,
    /// 1 for the first attempt at this event, counting retries.
    pub attempt: u32,
    /// The receiver's status, when it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed without a status (timeout, refused address).
    pub error: Option<String>,
    pub duration_ms: u64,
    pub succeeded: bool,
    /// Asked for through the retry endpoint.
    pub manual: bool,
    pub created_at: Timestamp,
}

/// How long to wait before trying an event again after failures in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the
    /// first attempt's failure; eight attempts over about 27.6 hours.
    fn default() -> Self {
        let m = 60;
        let h = 3600;
        Self::new([5, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h].map(Duration::from_secs).into())
    }
}

impl RetrySchedule {
    pub fn new(delays: Vec<Duration>) -> Self {
        Self { delays }
    }

    /// The wait after `failures` failed attempts in a row, or `None` when
    /// they used up the schedule and the endpoint is given up on.
    pub fn delay_after(&self, failures: u32) -> Option<Duration> {
        let i = usize::try_from(failures).ok()?.checked_sub(1)?;
        self.delays.get(i).copied()
    }

    /// The attempts an event gets in all.
    pub fn attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// The time from the first attempt to the last.
    pub fn span(&self) -> Duration {
        self.delays.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_retries_for_more_than_a_day_then_gives_up() {
        let s = RetrySchedule::default();
        assert_eq!(s.delay_after(1), Some(Duration::from_secs(5)));
        assert_eq!(s.delay_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(s.delay_after(8), None, "eight attempts, then disabled");
        assert_eq!(s.attempts(), 8);
        assert!(s.span() >= Duration::from_secs(24 * 3600), "{:?}", s.span());
    }

    #[test]
    fn a_url_must_be_http_or_https_with_a_host_and_no_credentials() {
        for ok in ["https://hooks.example.com/roster", "http://127.0.0.1:9000/x?y=1", "HTTPS://a"] {
            assert!(check_webhook_url("url", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "hooks.example.com",
            "ftp://a/",
            "https:///path",
            "https://user:pw@a/",
            "https://a/ b",
            &format!("https://a/{}", "x".repeat(2048)),
        ] {
            assert!(check_webhook_url("url", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_previous_secret_signs_only_during_its_grace() {
        let at = Timestamp::parse_rfc3339("2026-12-07T10:00:00Z").unwrap();
        let ulid = crate::ids::Ulid::from_parts(1, 1);
        let e = WebhookEndpoint {
            id: WebhookEndpointId::from_ulid(ulid),
            organization_id: OrgId::from_ulid(ulid),
            url: "https://a/".into(),
            event_types: vec!["user.*".into()],
            zones: None,
            enabled: true,
            description: None,
            secret: "new".into(),
            previous_secret: Some("old".into()),
            previous_secret_expires_at: Some(at.plus_seconds(60)),
            metadata: false,
            disabled_reason: None,
            created_by: "key_a".into(),
            created_at: at,
            updated_at: at,
        };
        assert_eq!(e.signing_secrets(at), ["new", "old"]);
        assert_eq!(e.signing_secrets(at.plus_seconds(60)), ["new"]);
        assert!(e.type_filter().matches(EventType::UserDeleted));
        assert!(!e.type_filter().matches(EventType::RoleCreated));
    }
}
