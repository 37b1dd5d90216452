//! Rust SDK for the Roster users API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), roster_client::Error> {
//! use futures_util::TryStreamExt;
//! let client = roster_client::Client::new("http://127.0.0.1:8080", "rk_live_…");
//! let page = client.users().list(&Default::default()).await?;
//! println!("{}", page.data[0].id);
//! let every: Vec<_> = client.users().stream(Default::default()).try_collect().await?;
//! # let _ = every; Ok(()) }
//! ```
//!
//! Requests that fail with 429 (after `Retry-After`), 503 or a connection
//! error are retried with backoff; every POST carries an `Idempotency-Key`
//! that stays the same across its retries, so a retried create never makes
//! two users.

mod events;
pub mod models;
mod resources;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crate::events::*;
pub use crate::models::*;
pub use crate::resources::*;

/// An error of a call: the API's problem+json, or the transport's.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with a problem (4xx/5xx).
    #[error("{status} {code}: {detail}")]
    Api {
        status: u16,
        /// Stable snake_case code (`not_found`, `conflict`, …).
        code: String,
        /// The parameter or field at fault, as sent.
        param: Option<String>,
        detail: String,
        /// Seconds to wait, from `Retry-After` (429 and 503).
        retry_after: Option<u64>,
    },
    #[error("could not reach the server: {0}")]
    Connection(String),
    #[error("the request timed out")]
    Timeout,
    #[error("unexpected response: {0}")]
    Decode(String),
    #[error("missing configuration: {0}")]
    Config(String),
    /// A webhook delivery failed `verify_webhook`.
    #[error("webhook refused: {0}")]
    Webhook(String),
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn param(&self) -> Option<&str> {
        match self {
            Error::Api { param, .. } => param.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    fn retryable(&self) -> bool {
        matches!(self, Error::Connection(_) | Error::Timeout)
            || matches!(self.status(), Some(429 | 503))
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// A Roster client. Cheap to clone; clones share connections.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    api_key: String,
    max_retries: u32,
}

/// Options for `Client::builder`.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_key: Option<String>,
    timeout: Duration,
    max_retries: u32,
}

impl ClientBuilder {
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Builds the client; base URL and key default to `ROSTER_BASE_URL` and
    /// `ROSTER_API_KEY`.
    pub fn build(self) -> Result<Client> {
        let base = self
            .base_url
            .or_else(|| std::env::var("ROSTER_BASE_URL").ok())
            .ok_or_else(|| Error::Config("base URL (or ROSTER_BASE_URL)".into()))?;
        let api_key = self
            .api_key
            .or_else(|| std::env::var("ROSTER_API_KEY").ok())
            .ok_or_else(|| Error::Config("API key (or ROSTER_API_KEY)".into()))?;
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            api_key,
            max_retries: self.max_retries,
        })
    }
}

/// One request to send (and maybe resend).
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Call {
    pub fn new(method: Method, path: String) -> Self {
        Self { method, path, query: Vec::new(), body: None, headers: Vec::new() }
    }

    pub fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self> {
        self.body = Some(serde_json::to_value(body).map_err(|e| Error::Decode(e.to_string()))?);
        Ok(self)
    }

    pub fn header(mut self, name: &'static str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.headers.push((name, v.to_owned()));
        }
        self
    }
}

/// A random key for a POST, kept across its retries.
fn idempotency_key() -> String {
    format!("rc-{:032x}", rand::random::<u128>())
}

/// `path` segments are ids or identifiers: keep them to one segment.
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// https through rustls on ring (no OpenSSL, no cmake): the process-wide
/// crypto provider reqwest's TLS needs, installed once.
fn install_tls_provider() {
    // ring is deprecated for lacking post-quantum key exchange; it is
    // what the PostgreSQL link uses too (see roster-store-postgres tls.rs).
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Client {
        let base: String = base_url.into();
        install_tls_provider();
        Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
            base: base.trim_end_matches('/').to_owned(),
            api_key: api_key.into(),
            max_retries: 3,
        }
    }

    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: None,
            api_key: None,
            timeout: Duration::from_secs(30),
            max_retries: 3,
        }
    }

    /// A client from `ROSTER_BASE_URL` and `ROSTER_API_KEY`.
    pub fn from_env() -> Result<Client> {
        Client::builder().build()
    }

    async fn attempt(&self, call: &Call, key: Option<&str>) -> Result<reqwest::Response> {
        let mut url = format!("{}{}", self.base, call.path);
        if !call.query.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &call.query {
                query.append_pair(k, v);
            }
            url.push('?');
            url.push_str(&query.finish());
        }
        let mut req = self.http.request(call.method.clone(), url).bearer_auth(&self.api_key);
        for (name, value) in &call.headers {
            req = req.header(*name, value);
        }
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        if let Some(body) = &call.body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        let response = req.send().await.map_err(|e| {
            if e.is_timeout() { Error::Timeout } else { Error::Connection(e.to_string()) }
        })?;
        if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let problem: Value = response.json().await.unwrap_or(Value::Null);
        let text = |k: &str| problem.get(k).and_then(Value::as_str).map(str::to_owned);
        Err(Error::Api {
            status,
            code: text("code").unwrap_or_else(|| format!("http_{status}")),
            param: text("param"),
            detail: text("detail").unwrap_or_default(),
            retry_after,
        })
    }

    /// Sends with retries; POSTs get one idempotency key for all attempts.
    pub(crate) async fn send(&self, call: Call) -> Result<reqwest::Response> {
        let explicit =
            call.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"));
        let key = (call.method == Method::POST && !explicit).then(idempotency_key);
        let mut attempt = 0;
        loop {
            match self.attempt(&call, key.as_deref()).await {
                Err(e) if e.retryable() && attempt < self.max_retries => {
                    let backoff = match &e {
                        Error::Api { retry_after: Some(secs), .. } => Duration::from_secs(*secs),
                        _ => {
                            let base = 200u64.saturating_mul(1 << attempt.min(6));
                            Duration::from_millis(base + rand::random::<u64>() % base)
                        }
                    };
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let response = self.send(call).await?;
        response.json::<T>().await.map_err(|e| Error::Decode(e.to_string()))
    }

    pub(crate) async fn empty(&self, call: Call) -> Result<()> {
        self.send(call).await.map(|_| ())
    }

    pub(crate) async fn text(&self, call: Call) -> Result<String> {
        let response = self.send(call).await?;
        response.text().await.map_err(|e| Error::Decode(e.to_string()))
    }

    /// Users of the key's default zone.
    pub fn users(&self) -> Users<'_> {
        Users { client: self, zone: None }
    }

    pub fn zones(&self) -> Zones<'_> {
        Zones { client: self }
    }

    /// Roles of the key's default zone.
    pub fn roles(&self) -> Roles<'_> {
        Roles { client: self, zone: None }
    }

    /// Identity providers of the key's default zone.
    pub fn providers(&self) -> Providers<'_> {
        Providers { client: self, zone: None }
    }

    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys { client: self }
    }

    /// The change feed (scope `events:read`).
    pub fn events(&self) -> Events<'_> {
        Events { client: self }
    }

    /// Webhook endpoints (scope `webhooks:write`, a key valid for every zone).
    pub fn webhook_endpoints(&self) -> WebhookEndpoints<'_> {
        WebhookEndpoints { client: self }
    }

    pub fn health(&self) -> HealthChecks<'_> {
        HealthChecks { client: self }
    }

    /// `GET /metrics`: Prometheus text.
    pub async fn metrics(&self) -> Result<String> {
        self.text(Call::new(Method::GET, "/metrics".into())).await
    }

    /// `GET /openapi.json`.
    pub async fn openapi(&self) -> Result<Value> {
        self.json(Call::new(Method::GET, "/openapi.json".into())).await
    }

    /// `GET /docs`: the HTML reference.
    pub async fn docs(&self) -> Result<String> {
        self.text(Call::new(Method::GET, "/docs".into())).await
    }
}

/// Every operation of the OpenAPI document and the method that performs
/// it; a test holds this table to the checked-in `openapi.json`.
pub const OPERATIONS: &[(&str, &str)] = &[
    ("users.list", "client.users().list / stream"),
    ("users.create", "client.users().create"),
    ("users.retrieve", "client.users().retrieve / get"),
    ("users.update", "client.users().update"),
    ("users.delete", "client.users().delete"),
    ("zones.users.list", "client.zones().users(zone).list / stream"),
    ("zones.users.create", "client.zones().users(zone).create"),
    ("zones.users.retrieve", "client.zones().users(zone).retrieve"),
    ("zones.users.update", "client.zones().users(zone).update"),
    ("zones.users.delete", "client.zones().users(zone).delete"),
    ("zones.list", "client.zones().list"),
    ("zones.create", "client.zones().create"),
    ("zones.retrieve", "client.zones().retrieve"),
    ("zones.update", "client.zones().update"),
    ("zones.delete", "client.zones().delete"),
    ("api_keys.list", "client.api_keys().list"),
    ("api_keys.create", "client.api_keys().create"),
    ("api_keys.retrieve", "client.api_keys().retrieve"),
    ("api_keys.delete", "client.api_keys().delete"),
    ("roles.list", "client.roles().list"),
    ("roles.create", "client.roles().create"),
    ("roles.retrieve", "client.roles().retrieve"),
    ("roles.update", "client.roles().update"),
    ("roles.delete", "client.roles().delete"),
    ("zones.roles.list", "client.zones().roles(zone).list"),
    ("zones.roles.create", "client.zones().roles(zone).create"),
    ("zones.roles.retrieve", "client.zones().roles(zone).retrieve"),
    ("zones.roles.update", "client.zones().roles(zone).update"),
    ("zones.roles.delete", "client.zones().roles(zone).delete"),
    ("users.role_assignments.list", "client.users().role_assignments(user).list"),
    ("users.role_assignments.create", "client.users().role_assignments(user).create"),
    ("users.role_assignments.retrieve", "client.users().role_assignments(user).retrieve"),
    ("users.role_assignments.delete", "client.users().role_assignments(user).delete"),
    (
        "zones.users.role_assignments.retrieve",
        "client.zones().users(zone).role_assignments(user).retrieve",
    ),
    ("zones.users.role_assignments.list", "client.zones().users(zone).role_assignments(user).list"),
    (
        "zones.users.role_assignments.create",
        "client.zones().users(zone).role_assignments(user).create",
    ),
    (
        "zones.users.role_assignments.delete",
        "client.zones().users(zone).role_assignments(user).delete",
    ),
    ("users.sessions.list", "client.users().sessions(user).list"),
    ("users.sessions.create", "client.users().sessions(user).create"),
    ("users.sessions.retrieve", "client.users().sessions(user).retrieve"),
    ("users.sessions.delete", "client.users().sessions(user).delete"),
    ("zones.users.sessions.list", "client.zones().users(zone).sessions(user).list"),
    ("zones.users.sessions.create", "client.zones().users(zone).sessions(user).create"),
    ("zones.users.sessions.retrieve", "client.zones().users(zone).sessions(user).retrieve"),
    ("zones.users.sessions.delete", "client.zones().users(zone).sessions(user).delete"),
    ("users.grants.list", "client.users().grants(user).list"),
    ("users.grants.create", "client.users().grants(user).create"),
    ("users.grants.retrieve", "client.users().grants(user).retrieve"),
    ("users.grants.delete", "client.users().grants(user).delete"),
    ("zones.users.grants.list", "client.zones().users(zone).grants(user).list"),
    ("zones.users.grants.create", "client.zones().users(zone).grants(user).create"),
    ("zones.users.grants.retrieve", "client.zones().users(zone).grants(user).retrieve"),
    ("zones.users.grants.delete", "client.zones().users(zone).grants(user).delete"),
    ("providers.list", "client.providers().list"),
    ("providers.create", "client.providers().create"),
    ("providers.retrieve", "client.providers().retrieve"),
    ("providers.update", "client.providers().update"),
    ("providers.delete", "client.providers().delete"),
    ("providers.sign_ins.create", "client.providers().sign_in"),
    ("zones.providers.list", "client.zones().providers(zone).list"),
    ("zones.providers.create", "client.zones().providers(zone).create"),
    ("zones.providers.retrieve", "client.zones().providers(zone).retrieve"),
    ("zones.providers.update", "client.zones().providers(zone).update"),
    ("zones.providers.delete", "client.zones().providers(zone).delete"),
    ("zones.providers.sign_ins.create", "client.zones().providers(zone).sign_in"),
    ("users.batch", "client.users().batch"),
    ("zones.users.batch", "client.zones().users(zone).batch"),
    ("events.list", "client.events().list / stream"),
    ("webhook_endpoints.list", "client.webhook_endpoints().list"),
    ("webhook_endpoints.create", "client.webhook_endpoints().create"),
    ("webhook_endpoints.retrieve", "client.webhook_endpoints().retrieve"),
    ("webhook_endpoints.update", "client.webhook_endpoints().update"),
    ("webhook_endpoints.delete", "client.webhook_endpoints().delete"),
    ("webhook_endpoints.rotate_secret", "client.webhook_endpoints().rotate_secret"),
    ("webhook_endpoints.deliveries.list", "client.webhook_endpoints().deliveries"),
    ("webhook_endpoints.deliveries.retry", "client.webhook_endpoints().retry"),
    ("health.check", "client.health().check"),
    ("health.ready", "client.health().ready"),
    ("metrics.get", "client.metrics"),
    ("openapi.get", "client.openapi"),
    ("docs.get", "client.docs"),
];
