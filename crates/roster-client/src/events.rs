//! The change feed, webhook endpoints, batch writes, and checking a
//! delivery's signature (`verify_webhook`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::Stream;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::models::{Page, User};
use crate::{Call, Client, Error, ListParams, Result, seg};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct EventActor {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct EventData {
    /// The object as `GET` returned it at the change.
    pub object: Value,
    #[serde(default)]
    pub changed_fields: Option<Vec<String>>,
}

/// A change, from the feed or a webhook delivery.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: String,
    pub organization_id: String,
    pub zone_id: String,
    pub actor: EventActor,
    pub data: EventData,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct EventPageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct EventPage {
    pub data: Vec<Event>,
    pub page_info: EventPageInfo,
}

/// What to read from the feed.
#[derive(Debug, Clone, Default)]
pub struct ListEvents {
    pub after: Option<String>,
    pub limit: Option<u32>,
    /// A comma list of types; `user.*` takes a whole resource.
    pub types: Option<String>,
    pub zone: Option<String>,
    /// Only the events about this user: its own, and its sessions',
    /// grants' and role assignments'.
    pub user_id: Option<String>,
}

impl ListEvents {
    fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                q.push((k.to_owned(), v));
            }
        };
        put("after", self.after.clone());
        put("limit", self.limit.map(|l| l.to_string()));
        put("type", self.types.clone());
        put("zone", self.zone.clone());
        put("user_id", self.user_id.clone());
        q
    }
}

#[derive(Clone, Copy)]
pub struct Events<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Events<'a> {
    pub async fn list(&self, params: &ListEvents) -> Result<EventPage> {
        self.client.json(Call::new(Method::GET, "/v1/events".into()).query(params.to_query())).await
    }

    /// Every event from `params.after` to the end of the feed as it stands,
    /// in commit order. Keep the last event's page cursor (`list`) to poll
    /// on from there.
    pub fn stream(&self, params: ListEvents) -> impl Stream<Item = Result<Event>> + 'a {
        let events = *self;
        futures_util::stream::try_unfold(
            (params, Vec::<Event>::new().into_iter(), false),
            move |(mut params, mut buffer, mut done)| async move {
                loop {
                    if let Some(e) = buffer.next() {
                        return Ok(Some((e, (params, buffer, done))));
                    }
                    if done {
                        return Ok(None);
                    }
                    let page = events.list(&params).await?;
                    done = !page.page_info.has_next_page;
                    if page.page_info.end_cursor.is_some() {
                        params.after = page.page_info.end_cursor;
                    }
                    buffer = page.data.into_iter();
                }
            },
        )
    }
}

/// A webhook endpoint; `secret` only in the answers of create and
/// rotate-secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub zones: Option<Vec<String>>,
    pub enabled: bool,
    pub description: Option<String>,
    pub disabled_reason: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct WebhookDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
    pub succeeded: bool,
    pub manual: bool,
    pub created_at: String,
}

#[derive(Clone, Copy)]
pub struct WebhookEndpoints<'a> {
    pub(crate) client: &'a Client,
}

impl WebhookEndpoints<'_> {
    fn path(id: Option<&str>) -> String {
        match id {
            Some(id) => format!("/v1/webhook-endpoints/{}", seg(id)),
            None => "/v1/webhook-endpoints".into(),
        }
    }

    pub async fn list(&self, params: &ListParams) -> Result<Page<WebhookEndpoint>> {
        self.client.json(Call::new(Method::GET, Self::path(None)).query(params.to_query())).await
    }

    /// `{"url", "event_types"?, "zones"?, "enabled"?, "description"?}`;
    /// the answer's `secret` is shown only here.
    pub async fn create(&self, body: &impl Serialize) -> Result<WebhookEndpoint> {
        self.client.json(Call::new(Method::POST, Self::path(None)).json(body)?).await
    }

    pub async fn retrieve(&self, id: &str) -> Result<WebhookEndpoint> {
        self.client.json(Call::new(Method::GET, Self::path(Some(id)))).await
    }

    pub async fn update(&self, id: &str, patch: &impl Serialize) -> Result<WebhookEndpoint> {
        self.client.json(Call::new(Method::PATCH, Self::path(Some(id))).json(patch)?).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        self.client.empty(Call::new(Method::DELETE, Self::path(Some(id)))).await
    }

    /// A new secret; the previous one signs beside it for 24 hours.
    pub async fn rotate_secret(&self, id: &str) -> Result<WebhookEndpoint> {
        let path = format!("{}/rotate-secret", Self::path(Some(id)));
        self.client.json(Call::new(Method::POST, path).json(&serde_json::json!({}))?).await
    }

    pub async fn deliveries(&self, id: &str, params: &ListParams) -> Result<Page<WebhookDelivery>> {
        let path = format!("{}/deliveries", Self::path(Some(id)));
        self.client.json(Call::new(Method::GET, path).query(params.to_query())).await
    }

    /// Sends a delivery's event again now; answers the new attempt.
    pub async fn retry(&self, id: &str, delivery: &str) -> Result<WebhookDelivery> {
        let path = format!("{}/deliveries/{}/retry", Self::path(Some(id)), seg(delivery));
        self.client.json(Call::new(Method::POST, path).json(&serde_json::json!({}))?).await
    }
}

/// One operation's result in a batch.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct BatchResult {
    pub status: u16,
    #[serde(default)]
    pub body: Option<User>,
    #[serde(default)]
    pub problem: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct BatchResponse {
    pub results: Vec<BatchResult>,
}

/// How far a delivery's timestamp may be from now (either way): five
/// minutes, as the Standard Webhooks libraries use.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// Checks a webhook delivery: `headers` holds `webhook-id`,
/// `webhook-timestamp` and `webhook-signature`; `secret` is the endpoint's
/// `whsec_…`. Returns the event when one signature matches (in constant
/// time) and the timestamp is within five minutes of now.
pub fn verify_webhook(
    body: &[u8],
    headers: &reqwest::header::HeaderMap,
    secret: &str,
) -> Result<Event> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    verify_webhook_at(body, headers, secret, now)
}

/// `verify_webhook` as of `now` (Unix seconds).
pub fn verify_webhook_at(
    body: &[u8],
    headers: &reqwest::header::HeaderMap,
    secret: &str,
    now: i64,
) -> Result<Event> {
    let bad = |why: &str| Error::Webhook(why.to_owned());
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| bad(&format!("no {name} header")))
    };
    let (id, timestamp, signatures) =
        (header("webhook-id")?, header("webhook-timestamp")?, header("webhook-signature")?);
    let ts: i64 = timestamp.parse().map_err(|_| bad("webhook-timestamp is not a number"))?;
    if (now - ts).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(bad("webhook-timestamp is too far from now"));
    }
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| bad("the secret is not whsec_ followed by base64"))?;
    let mut signed = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    signed.extend_from_slice(format!("{id}.{timestamp}.").as_bytes());
    signed.extend_from_slice(body);
    let matches = signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|given| {
        let Ok(given) = STANDARD.decode(given) else { return false };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return false };
        mac.update(&signed);
        mac.verify_slice(&given).is_ok()
    });
    if !matches {
        return Err(bad("no signature matches the secret"));
    }
    serde_json::from_slice(body).map_err(|e| bad(&format!("the body is not an event: {e}")))
}
