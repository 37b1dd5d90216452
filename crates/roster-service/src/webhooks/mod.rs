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

    /// Checks the fields a create or update sets, resolving zones.
    async fn settle_fields(
        &self,
        principal: &Principal,
        fields: &WebhookFields,
        endpoint: &mut WebhookEndpoint,
    ) -> ServiceResult<()> {
        if let Some(url) = &fields.url {
            check_webhook_url("url", url)?;
            check_destination(url, self.config.webhooks.allow_private_urls)
                .await
                .map_err(|why| ServiceError::invalid_body("url", format!("url {why}")))?;
            endpoint.url = url.clone();
        }
        if let Some(types) = &fields.event_types {
            check_event_types("event_types", types)?;
            endpoint.event_types = types.clone();
        }
        if let Some(zones) = &fields.zones {
            endpoint.zones = match zones {
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
            };
        }
        if let Some(enabled) = fields.enabled {
            if enabled && !endpoint.enabled {
                endpoint.disabled_reason = None;
            }
            endpoint.enabled = enabled;
        }
        if let Some(description) = &fields.description {
            if let Some(d) = description {
                check_webhook_description("description", d)?;
            }
            endpoint.description = description.clone();
        }
        Ok(())
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
            metadata: principal.sees_metadata(),
            disabled_reason: None,
            created_by: principal.actor(),
            created_at: now,
            updated_at: now,
        };
        self.settle_fields(principal, &fields, &mut endpoint).await?;
        self.store.create_webhook(&endpoint).await?;
        Ok(endpoint)
    }

    pub async fn get_webhook(
        &self,
        principal: &Principal,
        id: &str,
    ) -> ServiceResult<WebhookEndpoint> {
        self.may_manage_webhooks(principal)?;
        let id = WebhookEndpointId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.get_webhook(&principal.org, &id).await?)
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
        let mut endpoint = self.get_webhook(principal, id).await?;
        self.settle_fields(principal, &fields, &mut endpoint).await?;
        endpoint.updated_at = self.now();
        self.store.update_webhook(&endpoint).await?;
        Ok(endpoint)
    }

    pub async fn delete_webhook(&self, principal: &Principal, id: &str) -> ServiceResult<()> {
        let endpoint = self.get_webhook(principal, id).await?;
        Ok(self.store.delete_webhook(&principal.org, &endpoint.id).await?)
    }

    /// A new secret; the current one keeps signing (beside it) for the
    /// grace period, so receivers can switch without missing a delivery.
    pub async fn rotate_webhook_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> ServiceResult<WebhookEndpoint> {
        let mut endpoint = self.get_webhook(principal, id).await?;
        let now = self.now();
        let grace = i64::try_from(self.config.webhooks.secret_grace.as_secs()).unwrap_or(i64::MAX);
        endpoint.previous_secret =
            Some(std::mem::replace(&mut endpoint.secret, Secret::generate().to_string()));
        endpoint.previous_secret_expires_at = Some(now.plus_seconds(grace));
        endpoint.updated_at = now;
        self.store.update_webhook(&endpoint).await?;
        Ok(endpoint)
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
