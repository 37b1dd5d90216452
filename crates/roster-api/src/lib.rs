//! Roster's HTTP layer.
//!
//! The request path: `common` (request id, version, metrics) →
//! `authenticate` (key, rate limit; `/v1` only) → a handler, which parses the
//! request into domain terms, calls the service and renders the result.
//! Errors of every layer become problem+json in `problem.rs`, nowhere else.

pub mod body;
pub mod console;
pub mod docs;
pub mod encode;
pub mod fairness;
pub mod guard;
pub mod handlers;
pub mod input;
pub mod links;
pub mod metrics;
pub mod middleware;
pub mod problem;
pub mod process;
pub mod query;
pub mod ratelimit;
pub mod security;
pub mod store_metrics;
pub mod telemetry;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use bytes::Bytes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use roster_service::Service;

use crate::fairness::FairShare;
use crate::handlers::{access, batch, events, keys, ops, users, webhooks, zones};
use crate::metrics::Metrics;
use crate::problem::ApiError;
use crate::ratelimit::RateLimiter;
use roster_service::webhooks::{Dispatcher, RenderEvent};

/// What the operator decides about the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Base URL clients use, filled into the docs' examples.
    pub public_url: String,
    pub product_name: String,
    pub product_version: String,
    /// `YYYY-MM-DD`, shown as "Released …" on `/docs`.
    pub release_date: Option<String>,
    /// Tokens per second per key; 0 turns the limit off.
    pub rate_limit_per_second: u64,
    pub rate_limit_burst: u64,
    /// Reads one key may have running at once; 0 turns the limit off.
    pub max_inflight_per_key: usize,
    /// Reads one key may have waiting for their turn beyond those.
    pub max_queued_per_key: usize,
    /// Serve `/metrics` on the main router (false when it has its own port).
    pub metrics_on_main: bool,
    /// Deadline of a whole request, body included (408 past it).
    pub request_timeout: Option<std::time::Duration>,
    /// Failed authentications per client address and minute; 0 is off.
    pub auth_failures_per_minute: u64,
    /// One info line per request (target `roster::access`).
    pub access_log: bool,
    /// Each request's span goes to OpenTelemetry (the binary installed an
    /// exporter): see `telemetry`.
    pub traces: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            product_name: "Roster".into(),
            product_version: env!("CARGO_PKG_VERSION").into(),
            release_date: None,
            rate_limit_per_second: 100,
            rate_limit_burst: 200,
            max_inflight_per_key: 8,
            max_queued_per_key: 64,
            metrics_on_main: true,
            request_timeout: Some(std::time::Duration::from_secs(30)),
            auth_failures_per_minute: 20,
            access_log: true,
            traces: false,
        }
    }
}

pub struct Inner {
    pub service: Arc<Service>,
    pub limiter: Option<RateLimiter>,
    pub auth_failures: Option<guard::AuthFailureLimiter>,
    pub fair: Option<FairShare>,
    pub metrics: Metrics,
    pub config: ApiConfig,
    pub openapi_json: Bytes,
    pub docs_html: Bytes,
    /// Delivers webhooks; the binary runs its loop, the retry endpoint
    /// uses it directly. `None` when its HTTP client could not be built.
    pub dispatcher: Option<Arc<Dispatcher>>,
}

#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        version = "v1",
        description = "A self-hosted, multi-tenant users API. Every `/v1` request needs \
            `Authorization: Bearer <api key>`. Errors are `application/problem+json` with a \
            stable `code`. SCIM 2.0 provisioning (`/scim/v2`, `/scim/v2/zones/{zone}`: Users, \
            Groups, Bulk, .search) is not part of this document: it is described by its own \
            discovery endpoints (`/scim/v2/ServiceProviderConfig`, `/scim/v2/ResourceTypes`, \
            `/scim/v2/Schemas`), as RFC 7644 defines, and in docs/scim.md.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    // ExpandList is named by `ExpandParams`' `value_type`, which utoipa
    // does not collect.
    components(schemas(problem::Problem, problem::FieldError, query::ExpandList, query::EventTypeList,
        input::field::UserTypeSchema, input::field::UserStatusSchema, input::keys::ScopeNameSchema)),
    tags(
        (name = "users", description = "Create, find, page through, update and delete users"),
        (name = "zones", description = "Zones (tenants) of the organization"),
        (name = "api-keys", description = "API keys and their scopes"),
        (name = "roles", description = "Roles of a zone"),
        (name = "role-assignments", description = "Roles held by users, optionally scoped"),
        (name = "sessions", description = "Recorded authentications of users"),
        (name = "grants", description = "Delegated grants users gave to clients"),
        (name = "providers", description = "Identity providers and sign-ins through them"),
        (name = "events", description = "The change feed: every change, in commit order"),
        (name = "webhooks", description = "Webhook endpoints: events POSTed as they happen, signed"),
        (name = "operations", description = "Health, readiness, metrics and documentation"),
    )
)]
struct ApiDoc;

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user, users::delete_user))
        .routes(routes!(users::list_zone_users, users::create_zone_user))
        .routes(routes!(users::get_zone_user, users::update_zone_user, users::delete_zone_user))
        .routes(routes!(batch::batch_users))
        .routes(routes!(batch::batch_zone_users))
        .routes(routes!(zones::list_zones, zones::create_zone))
        .routes(routes!(zones::get_zone, zones::update_zone, zones::delete_zone))
        .routes(routes!(keys::list_api_keys, keys::create_api_key))
        .routes(routes!(keys::get_api_key, keys::delete_api_key))
        .routes(routes!(events::list_events))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::get_webhook, webhooks::update_webhook, webhooks::delete_webhook))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(webhooks::retry_delivery))
        .routes(routes!(access::list_roles, access::create_role))
        .routes(routes!(access::get_role, access::update_role, access::delete_role))
        .routes(routes!(access::list_zone_roles, access::create_zone_role))
        .routes(routes!(access::get_zone_role, access::update_zone_role, access::delete_zone_role))
        .routes(routes!(access::list_role_assignments, access::create_role_assignment))
        .routes(routes!(access::get_role_assignment, access::delete_role_assignment))
        .routes(routes!(access::list_zone_role_assignments, access::create_zone_role_assignment))
        .routes(routes!(access::get_zone_role_assignment, access::delete_zone_role_assignment))
        .routes(routes!(access::list_sessions, access::create_session))
        .routes(routes!(access::get_session, access::delete_session))
        .routes(routes!(access::list_zone_sessions, access::create_zone_session))
        .routes(routes!(access::get_zone_session, access::delete_zone_session))
        .routes(routes!(access::list_grants, access::create_grant))
        .routes(routes!(access::get_grant, access::delete_grant))
        .routes(routes!(access::list_zone_grants, access::create_zone_grant))
        .routes(routes!(access::get_zone_grant, access::delete_zone_grant))
        .routes(routes!(access::list_providers, access::create_provider))
        .routes(routes!(access::get_provider, access::update_provider, access::delete_provider))
        .routes(routes!(access::list_zone_providers, access::create_zone_provider))
        .routes(routes!(
            access::get_zone_provider,
            access::update_zone_provider,
            access::delete_zone_provider
        ))
        .routes(routes!(access::create_sign_in))
        .routes(routes!(access::create_zone_sign_in))
}

fn ops_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::openapi_json))
        .routes(routes!(ops::docs))
        .routes(routes!(ops::metrics))
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(api_routes())
        .merge(ops_routes())
        .split_for_parts();
    links::add(&mut api);
    api
}

/// The OpenAPI document as pretty JSON, as checked in at `openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

async fn not_found() -> impl IntoResponse {
    ApiError::not_found()
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::MethodNotAllowed
}

/// Builds the application: the router with every layer, and the shared
/// state (for a separate metrics listener).
/// The webhook dispatcher, rendering each delivery as the feed renders the
/// event.
fn webhook_dispatcher(service: &Arc<Service>) -> Option<Arc<Dispatcher>> {
    let render: RenderEvent = Arc::new(|event, metadata| {
        // The API's own encoder: a user's attributes are written as the
        // JSON text they are stored as, exactly as `GET /v1/events` does.
        encode::json_bytes_sized(&views::EventView::new(event, metadata), 2048).unwrap_or_default()
    });
    match Dispatcher::new(service.clone(), render) {
        Ok(d) => Some(Arc::new(d)),
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery is off");
            None
        }
    }
}

pub fn app(service: Arc<Service>, config: ApiConfig) -> (Router, AppState) {
    let spec = openapi();
    let mut served = spec.clone();
    served.servers = Some(vec![utoipa::openapi::Server::new(config.public_url.clone())]);
    let docs_html = docs::render(&served, &config);
    let auth_counters = service.auth_counters();
    let state = AppState {
        inner: Arc::new(Inner {
            limiter: RateLimiter::new(config.rate_limit_per_second, config.rate_limit_burst),
            auth_failures: guard::AuthFailureLimiter::new(config.auth_failures_per_minute),
            fair: FairShare::new(config.max_inflight_per_key, config.max_queued_per_key),
            metrics: Metrics::with_auth(auth_counters),
            openapi_json: Bytes::from(served.to_pretty_json().unwrap_or_default()),
            docs_html: Bytes::from(docs_html),
            dispatcher: webhook_dispatcher(&service),
            service,
            config,
        }),
    };
    let (api, _) = api_routes().split_for_parts();
    let api = api.route_layer(from_fn_with_state(state.clone(), middleware::authenticate));
    let (mut ops, _) = ops_routes().split_for_parts();
    if !state.inner.config.metrics_on_main {
        let (without_metrics, _) = OpenApiRouter::<AppState>::new()
            .routes(routes!(ops::healthz))
            .routes(routes!(ops::readyz))
            .routes(routes!(ops::openapi_json))
            .routes(routes!(ops::docs))
            .split_for_parts();
        ops = without_metrics;
    }
    let router = api
        .merge(ops)
        .nest("/scim/v2", handlers::scim::router(state.clone()))
        .route("/scim/v2/", axum::routing::any(handlers::scim::no_endpoint))
        .merge(console::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), guard::deadline))
        .layer(from_fn_with_state(state.clone(), middleware::common))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state.clone());
    (router, state)
}

/// A router serving only `/metrics`, for `--metrics-listen`.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(ops::metrics))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), middleware::common))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}
