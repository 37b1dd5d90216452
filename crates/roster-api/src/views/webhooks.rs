//! Webhook endpoints and their deliveries as the API returns them.

use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::Timestamp;
use roster_domain::webhooks::{Delivery, WebhookEndpoint};

/// Where events are POSTed. The `secret` appears only when the endpoint is
/// created and when its secret is rotated.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookEndpoint)]
pub struct WebhookEndpointView {
    #[schema(example = "we_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub url: String,
    /// Event types and `<resource>.*` forms; empty: every type.
    pub event_types: Vec<String>,
    /// Zone ids; null: every zone.
    pub zones: Option<Vec<String>>,
    pub enabled: bool,
    pub description: Option<String>,
    /// Why delivery stopped by itself: `failing` once an event's retries
    /// ran out. Null while enabled, or when disabled by hand.
    pub disabled_reason: Option<String>,
    /// `whsec_…`, only in the answers of create and rotate-secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl WebhookEndpointView {
    pub fn new(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.to_string(),
            url: e.url.clone(),
            event_types: e.event_types.clone(),
            zones: e.zones.as_ref().map(|z| z.iter().map(ToString::to_string).collect()),
            enabled: e.enabled,
            description: e.description.clone(),
            disabled_reason: e.disabled_reason.clone(),
            secret: None,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }

    /// With its secret (create, rotate-secret).
    pub fn with_secret(e: &WebhookEndpoint) -> Self {
        Self { secret: Some(e.secret.clone()), ..Self::new(e) }
    }
}

/// One attempt to deliver an event.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct DeliveryView {
    #[schema(example = "whd_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    #[schema(example = "user.created")]
    pub event_type: &'static str,
    /// 1 for the first attempt at the event; retries count on.
    pub attempt: u32,
    /// The receiver's status; null when it did not answer.
    pub status_code: Option<u16>,
    /// Why there is no status: a timeout, a refused address, a connection
    /// failure.
    pub error: Option<String>,
    pub duration_ms: u64,
    /// A 2xx within the timeout.
    pub succeeded: bool,
    /// Asked for through the retry endpoint.
    pub manual: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl DeliveryView {
    pub fn new(d: &Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            endpoint_id: d.endpoint_id.to_string(),
            event_id: d.event_id.to_string(),
            event_type: d.event_type.as_str(),
            attempt: d.attempt,
            status_code: d.status_code,
            error: d.error.clone(),
            duration_ms: d.duration_ms,
            succeeded: d.succeeded,
            manual: d.manual,
            created_at: d.created_at,
        }
    }
}
