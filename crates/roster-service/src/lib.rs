//! Roster's use cases. Each public method checks who may do what (scopes,
//! zones), applies the domain rules and calls the store; none knows HTTP or
//! SQL.

pub mod access;
pub mod auth;
pub mod batch;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod scim;
pub mod tenancy;
pub mod users;
pub mod webhooks;

use roster_domain::EventId;
use roster_domain::events::{Actor, EventStamp};
use std::sync::Arc;
use std::time::Duration;

use roster_domain::tenancy::{check_bootstrap_secret, generate_api_key_secret};
use roster_domain::{Clock, CursorCodec, IdGenerator, Timestamp};
use roster_store::Store;

pub use crate::auth::{KeyCache, Principal};
pub use crate::error::{ServiceError, ServiceResult};
pub use crate::idempotency::Inflight;
/// A stored response to replay, as the service hands it to the edge to fill.
pub use roster_store::IdempotencyRecord;
/// The database's health as the store reports it, for `/metrics`.
pub use roster_store::{HistogramSnapshot, PoolStats, StoreStats, WriterStats};

/// Settings of the service that an operator may change.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long an API key (and a zone identifier's id) stays cached before
    /// it is read again; bounds how late another node sees a revocation or a
    /// zone's new identifier.
    pub key_cache_ttl: Duration,
    /// How long a key found unknown (or revoked) is refused without a
    /// database read; 0 turns the negative cache off.
    pub unknown_key_cache_ttl: Duration,
    pub idempotency_ttl: Duration,
    /// How long events stay in the feed (`ROSTER_EVENT_RETENTION`).
    pub event_retention: Duration,
    pub webhooks: webhooks::WebhookConfig,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            key_cache_ttl: Duration::from_secs(5),
            unknown_key_cache_ttl: Duration::from_secs(30),
            idempotency_ttl: Duration::from_secs(86_400),
            event_retention: Duration::from_secs(30 * 86_400),
            webhooks: webhooks::WebhookConfig::default(),
        }
    }
}

/// Counters of the work sent to the database since the server started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreCounters {
    pub statements: u64,
    pub queries_abandoned: u64,
}

/// One operational counter, named for export: the names are public (they
/// are scraped and alerted on), so they are kept here, next to what they
/// count, rather than spelled by each exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub name: &'static str,
    pub help: &'static str,
    pub value: u64,
}

impl StoreCounters {
    pub fn counters(&self) -> [Counter; 2] {
        [
            Counter {
                name: "roster_store_statements_total",
                help: "Statements sent to the database.",
                value: self.statements,
            },
            Counter {
                name: "roster_store_queries_abandoned_total",
                help: "Queries stopped because their client went away.",
                value: self.queries_abandoned,
            },
        ]
    }
}

pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: IdGenerator,
    pub(crate) cursors: CursorCodec,
    pub(crate) keys: KeyCache,
    pub(crate) auth_counters: Arc<auth::AuthCounters>,
    pub(crate) zone_ids: auth::ZoneIdCache,
    pub(crate) inflight: Inflight,
    pub(crate) config: ServiceConfig,
}

/// What the first start made, to report once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// The database already had an organization.
    Existing,
    /// A fresh organization, `default` zone and admin key; `secret` is the
    /// key, which exists nowhere else.
    Created { secret: String, from_env: bool },
}

impl Service {
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: ServiceConfig,
    ) -> ServiceResult<Self> {
        let secret = store.cursor_secret().await?;
        Ok(Self {
            store,
            clock,
            ids: IdGenerator::new(),
            cursors: CursorCodec::new(&secret),
            keys: KeyCache::with_negative_ttl(config.key_cache_ttl, config.unknown_key_cache_ttl),
            auth_counters: Arc::default(),
            zone_ids: auth::ZoneIdCache::new(config.key_cache_ttl),
            inflight: Inflight::default(),
            config,
        })
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn next_ulid(&self) -> roster_domain::ids::Ulid {
        self.ids.next(self.now().as_millis())
    }

    /// The stamp of a change the principal is making now: its event's id,
    /// time and actor.
    pub(crate) fn stamp(&self, principal: &Principal) -> EventStamp {
        self.stamp_as(Actor::ApiKey(principal.actor()))
    }

    pub(crate) fn stamp_as(&self, actor: Actor) -> EventStamp {
        EventStamp { id: EventId::from_ulid(self.next_ulid()), at: self.now(), actor }
    }

    /// The database's operational counters, for `/metrics`.
    pub fn store_counters(&self) -> StoreCounters {
        StoreCounters {
            statements: self.store.statements_executed(),
            queries_abandoned: self.store.queries_abandoned(),
        }
    }

    /// The database's connections, queues and waits now, for `/metrics`.
    pub fn store_stats(&self) -> StoreStats {
        self.store.stats()
    }

    /// Creates organization `default`, zone `default` and an admin key on an
    /// empty database. With `env_secret` that exact value becomes the key.
    pub async fn bootstrap(&self, env_secret: Option<&str>) -> ServiceResult<Bootstrap> {
        if let Some(secret) = env_secret {
            check_bootstrap_secret(secret)
                .map_err(|why| ServiceError::invalid_parameter("ROSTER_BOOTSTRAP_API_KEY", why))?;
        }
        let now = self.now();
        let (org, zone, key) =
            roster_domain::first_tenancy(|| self.next_ulid(), now, "bootstrap admin");
        let secret = env_secret.map(str::to_owned).unwrap_or_else(generate_api_key_secret);
        let stamp = EventStamp { at: now, ..self.stamp_as(Actor::System) };
        let created =
            self.store.bootstrap(&org, &zone, &key, &KeyCache::hash(&secret), &stamp).await?;
        Ok(if created {
            Bootstrap::Created { secret, from_env: env_secret.is_some() }
        } else {
            Bootstrap::Existing
        })
    }

    /// The database answers (for `/readyz`).
    pub async fn ready(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }
}
