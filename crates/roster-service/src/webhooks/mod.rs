//! Webhook endpoints: who may manage them, what a URL may point at, secret
//! rotation, and the delivery log. Delivery itself is `dispatch.rs`.

mod dispatch;

pub use dispatch::{Dispatcher, RenderEvent};

use std::time::Duration;

use roster_domain::webhooks::{
    Delivery, RetrySchedule, WebhookEndpoint, check_event_types, check_webhook_description,
    check_webhook_url,
};
use roster_domain::{DeliveryId, Scope, WebhookEndpointId, ZoneId};
use roster_webhooks::{Secret, check_destination};

use crate::error::{ServiceError, ServiceResult};
use crate::tenancy::{IdPage, IdPageRequest};
use crate::{Principal, Service};

/// How webhooks are delivered (`roster serve` flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Deliver to loopback, private and link-local addresses too
    /// (`ROSTER_WEBHOOK_ALLOW_PRIVATE_URLS`): for tests and private setups.
    pub allow_private_urls: bool,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// The waits between attempts at one event; when used up, the
    /// endpoint is disabled.
    pub retry: RetrySchedule,
    /// How often a node looks for endpoints with something to deliver.
    pub poll: Duration,
    /// How long the previous secret keeps signing after a rotation.
    pub secret_grace: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_private_urls: false,
            timeout: Duration::from_secs(10),
            retry: RetrySchedule::default(),
            poll: Duration::from_secs(1),
            secret_grace: Duration::from_secs(86_400),
        }
    }
}

/// An endpoint as a create or update asks for it; `None` keeps (or, on
/// create, defaults) a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookFields {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `Some(None)`: every zone.
    pub zones: Option<Option<Vec<String>>>,
    pub enabled: Option<bool>,
    pub description: Option<Option<String>>,
}

/// The checked fields of a create or update. An update applies them to
/// the endpoint as stored when it writes, so the fields it does not set
/// keep whatever a concurrent write left there.
#[derive(Debug, Default)]
struct Settled {
    /// The URL, and whether the key that set it sees `users:metadata`.
    url: Option<(String, bool)>,
    event_types: Option<Vec<String>>,
    zones: Option<Option<Vec<ZoneId>>>,
    enabled: Option<bool>,
    description: Option<Option<String>>,
}

impl Settled {
    fn apply(self, endpoint: &mut WebhookEndpoint) {
        if let Some((url, metadata)) = self.url {
            endpoint.url = url;
            endpoint.metadata = metadata;
        }
        if let Some(types) = self.event_types {
            endpoint.event_types = types;
        }
        if let Some(zones) = self.zones {
            endpoint.zones = zones;
        }
        if let Some(enabled) = self.enabled {
            if enabled && !endpoint.enabled {
                endpoint.disabled_reason = None;
            }
            endpoint.enabled = enabled;
        }
        if let Some(description) = self.description {
            endpoint.description = description;
        }
    }
}

impl Service {
    /// Webhook endpoints belong to the whole organization: only a key
    /// valid for every zone manages them.
    fn may_manage_webhooks(&self, principal: &Principal) -> ServiceResult<()> {
        principal.require(Scope::WebhooksWrite)?;
        if principal.zones.is_some() {
            return Err(ServiceError::InsufficientScope {
                scope: Scope::WebhooksWrite,
                param: None,
                detail: Some("only a key valid for every zone may manage webhook endpoints".into()),
            });
        }
        Ok(())
    }

    /// Checks the fields a create or update sets, resolving zones. Setting
    /// the URL decides who receives the feed: it takes `events:read`, and
    /// the deliveries carry metadata as the key that set it may see it.
    async fn settle_fields(
        &self,
        principal: &Principal,
        fields: &WebhookFields,
    ) -> ServiceResult<Settled> {
        let mut settled = Settled::default();
        if let Some(url) = &fields.url {
            principal.require(Scope::EventsRead)?;
            check_webhook_url("url", url)?;
            check_destination(url, self.config.webhooks.allow_private_urls)
                .await
                .map_err(|why| ServiceError::invalid_body("url", format!("url {why}")))?;
            settled.url = Some((url.clone(), principal.sees_metadata()));
        }
        if let Some(types) = &fields.event_types {
            check_event_types("event_types", types)?;
            settled.event_types = Some(types.clone());
        }
        if let Some(zones) = &fields.zones {
            settled.zones = Some(match zones {
                None => None,
                Some(names) => {
                    let mut ids: Vec<ZoneId> = Vec::with_capacity(names.len());
                    for (i, name) in names.iter().enumerate() {
                        let zone = self.find_zone(&principal.org, name).await.map_err(|_| {
                            ServiceError::invalid_body(
                                format!("zones[{i}]"),
                                format!("zones[{i}] does not name a zone of the organization"),
                            )
                        })?;
                        if !ids.contains(&zone.id) {
                            ids.push(zone.id);
                        }
                    }
                    Some(ids)
                }
            });
        }
        if let Some(description) = &fields.description {
            if let Some(d) = description {
                check_webhook_description("description", d)?;
            }
            settled.description = Some(description.clone());
        }
        settled.enabled = fields.enabled;
        Ok(settled)
    }

    /// Creates an endpoint; its secret is returned here and by rotation
    /// only.
    pub async fn create_webhook(
        &self,
        principal: &Principal,
        fields: WebhookFields,
    ) -> ServiceResult<WebhookEndpoint> {
        self.may_manage_webhooks(principal)?;
        if fields.url.is_none() {
            return Err(ServiceError::invalid_body("url", "url is required"));
        }
        let now = self.now();
        let mut endpoint = WebhookEndpoint {
            id: WebhookEndpointId::from_ulid(self.next_ulid()),
            organization_id: principal.org,
            url: String::new(),
            event_types: Vec::new(),
            zones: None,
            enabled: true,
            description: None,
            secret: Secret::generate().to_string(),
            previous_secret: None,
            previous_secret_expires_at: None,
            metadata: false,
            disabled_reason: None,
            created_by: principal.actor(),
            created_at: now,
            updated_at: now,
        };
        self.settle_fields(principal, &fields).await?.apply(&mut endpoint);
        self.store.create_webhook(&endpoint).await?;
        Ok(endpoint)
    }

    pub async fn get_webhook(
        &self,
        principal: &Principal,
        id: &str,
    ) -> ServiceResult<WebhookEndpoint> {
        let id = self.endpoint_id(principal, id)?;
        Ok(self.store.get_webhook(&principal.org, &id).await?)
    }

    /// The endpoint id of a path, for a key that may manage endpoints; an
    /// id that cannot be one is not found.
    fn endpoint_id(&self, principal: &Principal, id: &str) -> ServiceResult<WebhookEndpointId> {
        self.may_manage_webhooks(principal)?;
        WebhookEndpointId::parse(id).ok_or(ServiceError::NotFound)
    }

    pub async fn list_webhooks(
        &self,
        principal: &Principal,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<WebhookEndpoint>> {
        self.may_manage_webhooks(principal)?;
        let window = self.id_window("webhook_endpoints", request)?;
        let page = self.store.list_webhooks(&principal.org, &window).await?;
        Ok(self.id_page("webhook_endpoints", request, page, |e| e.id.to_bytes()))
    }

    pub async fn update_webhook(
        &self,
        principal: &Principal,
        id: &str,
        fields: WebhookFields,
    ) -> ServiceResult<WebhookEndpoint> {
        // Read first: a missing endpoint answers 404 before its body's
        // checks (which may resolve the url's host) run.
        let endpoint = self.get_webhook(principal, id).await?;
        let settled = self.settle_fields(principal, &fields).await?;
        let now = self.now();
        let update = Box::new(move |e: &mut WebhookEndpoint| {
            settled.apply(e);
            e.updated_at = now;
        });
        Ok(self.store.update_webhook(&principal.org, &endpoint.id, update).await?)
    }

    pub async fn delete_webhook(&self, principal: &Principal, id: &str) -> ServiceResult<()> {
        let id = self.endpoint_id(principal, id)?;
        Ok(self.store.delete_webhook(&principal.org, &id).await?)
    }

    /// A new secret; the current one keeps signing (beside it) for the
    /// grace period, so receivers can switch without missing a delivery.
    pub async fn rotate_webhook_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> ServiceResult<WebhookEndpoint> {
        let id = self.endpoint_id(principal, id)?;
        let now = self.now();
        let grace = i64::try_from(self.config.webhooks.secret_grace.as_secs()).unwrap_or(i64::MAX);
        let secret = Secret::generate().to_string();
        let update = Box::new(move |e: &mut WebhookEndpoint| {
            e.previous_secret = Some(std::mem::replace(&mut e.secret, secret));
            e.previous_secret_expires_at = Some(now.plus_seconds(grace));
            e.updated_at = now;
        });
        Ok(self.store.update_webhook(&principal.org, &id, update).await?)
    }

    pub async fn list_deliveries(
        &self,
        principal: &Principal,
        id: &str,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Delivery>> {
        let endpoint = self.get_webhook(principal, id).await?;
        let window = self.id_window("webhook_deliveries", request)?;
        let page = self.store.list_deliveries(&principal.org, &endpoint.id, &window).await?;
        Ok(self.id_page("webhook_deliveries", request, page, |d| d.id.to_bytes()))
    }

    /// The logged attempt, with its endpoint, for a retry.
    pub(crate) async fn find_delivery(
        &self,
        principal: &Principal,
        id: &str,
        delivery: &str,
    ) -> ServiceResult<(WebhookEndpoint, Delivery, roster_store::FeedPosition)> {
        let endpoint = self.get_webhook(principal, id).await?;
        let delivery = DeliveryId::parse(delivery).ok_or(ServiceError::NotFound)?;
        let (d, at) = self.store.get_delivery(&principal.org, &endpoint.id, &delivery).await?;
        Ok((endpoint, d, at))
    }
}
