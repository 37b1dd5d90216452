//! Delivering events to webhook endpoints: each node claims due endpoints
//! under a lease (one node per endpoint at a time), sends their next
//! events in feed order, one at a time, and saves where it got to under
//! the same lease. A failure stops the endpoint's queue there and tries
//! the same event again on the retry schedule; when the schedule is used
//! up, the endpoint is disabled with its place kept. State lives in the
//! database, so a restart (or another node) goes on where it stopped.

use std::sync::Arc;
use std::time::Duration;

use roster_domain::events::Event;
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{DeliveryId, Timestamp};
use roster_store::{ClaimedWebhook, EventQuery, FeedPosition, WebhookProgress};
use roster_webhooks::{Secret, Sender, signature_header};

use crate::error::{ServiceError, ServiceResult};
use crate::{Principal, Service};

/// Renders an event as its delivery body, under a metadata rule: the
/// API's event view (the same JSON `GET /v1/events` answers).
pub type RenderEvent = Arc<dyn Fn(&Event, bool) -> Vec<u8> + Send + Sync>;

/// Events one lease delivers at most before it lets the endpoint go.
const EVENTS_PER_LEASE: usize = 10;
/// Endpoints one node claims per round.
const CLAIMS_PER_ROUND: usize = 8;

pub struct Dispatcher {
    service: Arc<Service>,
    sender: Sender,
    render: RenderEvent,
}

fn later(now: Timestamp, by: Duration) -> Timestamp {
    let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
    Timestamp::from_micros(now.as_micros().saturating_add(micros)).unwrap_or(now)
}

impl Dispatcher {
    pub fn new(service: Arc<Service>, render: RenderEvent) -> Result<Self, String> {
        let config = &service.config.webhooks;
        let sender = Sender::new(config.timeout, config.allow_private_urls)?;
        Ok(Self { service, sender, render })
    }

    /// Delivers until `stop` turns true, looking for due endpoints every
    /// poll interval.
    pub async fn run(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.service.config.webhooks.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = self.deliver_due().await {
                        tracing::warn!(error = %e, "webhook delivery round failed");
                    }
                }
                _ = stop.changed() => return,
            }
        }
    }

    /// One round: claims the endpoints due now and serves them side by
    /// side (each in its own order). Returns how many it served.
    pub async fn deliver_due(&self) -> ServiceResult<usize> {
        let config = &self.service.config.webhooks;
        let now = self.service.now();
        let lease = config.timeout * (EVENTS_PER_LEASE as u32 + 1) + Duration::from_secs(30);
        let token = rand::random::<i64>();
        let claimed = self
            .service
            .store
            .claim_webhooks(now, later(now, lease), token, CLAIMS_PER_ROUND)
            .await?;
        let n = claimed.len();
        let serving = claimed.into_iter().map(|c| self.serve(c, token));
        for result in futures::future::join_all(serving).await {
            result?;
        }
        Ok(n)
    }

    /// Sends a claimed endpoint's next events and saves where it got to.
    async fn serve(&self, claimed: ClaimedWebhook, token: i64) -> ServiceResult<()> {
        let config = &self.service.config.webhooks;
        let ClaimedWebhook { endpoint, mut cursor, mut failures } = claimed;
        let query = EventQuery {
            org: endpoint.organization_id,
            after: cursor,
            limit: EVENTS_PER_LEASE,
            zones: endpoint.zones.clone(),
            types: endpoint.type_filter().types().map(<[_]>::to_vec),
            user: None,
        };
        let page = match self.service.store.events_after(&query).await {
            Ok(page) => page,
            // The endpoint fell behind the retention (disabled for longer):
            // what it missed is gone. It goes on from the oldest event kept
            // rather than stay stuck.
            Err(roster_store::StoreError::CursorExpired) => {
                tracing::warn!(endpoint = %endpoint.id, "webhook endpoint's place is past retention; going on from the oldest event kept");
                let query = EventQuery { after: None, ..query };
                cursor = None;
                self.service.store.events_after(&query).await?
            }
            Err(e) => return Err(e.into()),
        };
        let mut progress = None;
        for (event, at) in page.events.iter().zip(&page.positions) {
            let delivery = self.attempt(&endpoint, event, *at, failures + 1, false).await;
            if delivery.succeeded {
                cursor = Some(*at);
                failures = 0;
                continue;
            }
            failures += 1;
            let now = self.service.now();
            progress = Some(match config.retry.delay_after(failures) {
                Some(wait) => WebhookProgress {
                    cursor,
                    failures,
                    next_attempt_at: later(now, wait),
                    disable: None,
                },
                None => {
                    tracing::warn!(endpoint = %endpoint.id, "webhook endpoint disabled: its retries are used up");
                    WebhookProgress {
                        cursor,
                        failures,
                        next_attempt_at: now,
                        disable: Some("failing".into()),
                    }
                }
            });
            break;
        }
        let progress = progress.unwrap_or_else(|| {
            // Everything sent: on past what the filter skipped too. With
            // more waiting, come back at once; else at the next poll.
            let now = self.service.now();
            let next = if page.has_more || page.events.len() == EVENTS_PER_LEASE {
                now
            } else {
                later(now, config.poll)
            };
            WebhookProgress {
                cursor: page.next.or(cursor),
                failures: 0,
                next_attempt_at: next,
                disable: None,
            }
        });
        if !self.service.store.save_webhook_progress(&endpoint.id, token, &progress).await? {
            tracing::warn!(endpoint = %endpoint.id, "a webhook lease ran out before its work was saved");
        }
        Ok(())
    }

    /// Sends one event once, and logs the attempt.
    async fn attempt(
        &self,
        endpoint: &WebhookEndpoint,
        event: &Event,
        at: FeedPosition,
        attempt: u32,
        manual: bool,
    ) -> Delivery {
        let body = (self.render)(event, endpoint.metadata);
        let now = self.service.now();
        let timestamp = now.as_micros().div_euclid(1_000_000);
        let secrets: Vec<Secret> = endpoint
            .signing_secrets(now)
            .into_iter()
            .filter_map(|s| Secret::parse(s).ok())
            .collect();
        let refs: Vec<&Secret> = secrets.iter().collect();
        let id = event.id.to_string();
        let signature = signature_header(&refs, &id, timestamp, &body);
        let outcome = self.sender.post(&endpoint.url, &id, timestamp, &signature, body).await;
        let delivery = Delivery {
            id: DeliveryId::from_ulid(self.service.next_ulid()),
            endpoint_id: endpoint.id,
            event_id: event.id,
            event_type: event.kind,
            attempt,
            status_code: outcome.status,
            error: outcome.error.clone(),
            duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
            succeeded: outcome.succeeded(),
            manual,
            created_at: now,
        };
        if let Err(e) = self.service.store.record_delivery(&delivery, at).await {
            tracing::warn!(error = %e, "logging a webhook delivery failed");
        }
        delivery
    }

    /// Sends a logged delivery's event again, now, once: the endpoint's
    /// place in the feed and its retry state do not change.
    pub async fn retry(
        &self,
        principal: &Principal,
        endpoint: &str,
        delivery: &str,
    ) -> ServiceResult<Delivery> {
        let (endpoint, logged, at) =
            self.service.find_delivery(principal, endpoint, delivery).await?;
        let event = self.service.store.event_at(&endpoint.organization_id, at).await.map_err(
            |e| match e {
                roster_store::StoreError::NotFound => ServiceError::invalid_parameter(
                    "delivery",
                    "the delivery's event is older than the event retention and is gone",
                ),
                other => other.into(),
            },
        )?;
        Ok(self.attempt(&endpoint, &event, at, logged.attempt + 1, true).await)
    }
}
