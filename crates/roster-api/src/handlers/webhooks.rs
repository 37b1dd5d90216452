//! `/v1/webhook-endpoints`: endpoints, secret rotation and the delivery log.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use roster_service::{Principal, ServiceError};

use super::{BodyErrors, CommonErrors, PathParams, json_response};
use crate::AppState;
use crate::body::{BodyKind, Payload};
use crate::input::webhooks::{CreateWebhookEndpoint, UpdateWebhookEndpoint};
use crate::problem::ApiResult;
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{
    DeliveryView, ListView, WebhookDeliveryList, WebhookEndpointList, WebhookEndpointView,
};

/// List the organization's webhook endpoints.
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks",
    operation_id = "webhook_endpoints.list", params(IdPageParams),
    responses((status = 200, description = "A page of endpoints", body = WebhookEndpointList),
        CommonErrors))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page = state.inner.service.list_webhooks(&principal, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, WebhookEndpointView::new)))
}

/// Create an endpoint; the answer holds its secret, shown this once.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks",
    operation_id = "webhook_endpoints.create",
    request_body(content = CreateWebhookEndpoint, content_type = "application/json"),
    responses((status = 201, description = "The new endpoint, with its secret",
        body = WebhookEndpointView, headers(("Location" = String))), CommonErrors, BodyErrors))]
pub async fn create_webhook(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    _: Params<NoParams>,
    OriginalUri(uri): OriginalUri,
    payload: Payload,
) -> ApiResult<Response> {
    principal.require(roster_domain::Scope::WebhooksWrite)?;
    let body: CreateWebhookEndpoint = payload.typed(BodyKind::Json)?;
    let endpoint = state.inner.service.create_webhook(&principal, body.into()).await?;
    let mut response =
        json_response(StatusCode::CREATED, &WebhookEndpointView::with_secret(&endpoint));
    if let Ok(location) = HeaderValue::from_str(&format!("{}/{}", uri.path(), endpoint.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Retrieve an endpoint (without its secret).
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    operation_id = "webhook_endpoints.retrieve",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpointView),
        CommonErrors))]
pub async fn get_webhook(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    let endpoint = state.inner.service.get_webhook(&principal, path.get(0)?).await?;
    Ok(json_response(StatusCode::OK, &WebhookEndpointView::new(&endpoint)))
}

/// Change an endpoint; enabling a disabled one resumes at the event it
/// stopped at.
#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    operation_id = "webhook_endpoints.update",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)")),
    request_body(content = UpdateWebhookEndpoint, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The endpoint", body = WebhookEndpointView),
        CommonErrors, BodyErrors))]
pub async fn update_webhook(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    principal.require(roster_domain::Scope::WebhooksWrite)?;
    let body: UpdateWebhookEndpoint = payload.typed(BodyKind::MergePatch)?;
    let endpoint =
        state.inner.service.update_webhook(&principal, path.get(0)?, body.into()).await?;
    Ok(json_response(StatusCode::OK, &WebhookEndpointView::new(&endpoint)))
}

/// Delete an endpoint and its delivery log.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    operation_id = "webhook_endpoints.delete",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)")),
    responses((status = 204, description = "Deleted"), CommonErrors))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    state.inner.service.delete_webhook(&principal, path.get(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Give the endpoint a new secret; the previous one keeps signing beside
/// it for 24 hours.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks",
    operation_id = "webhook_endpoints.rotate_secret",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)")),
    responses((status = 200, description = "The endpoint, with its new secret",
        body = WebhookEndpointView), CommonErrors))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    let endpoint = state.inner.service.rotate_webhook_secret(&principal, path.get(0)?).await?;
    Ok(json_response(StatusCode::OK, &WebhookEndpointView::with_secret(&endpoint)))
}

/// The endpoint's delivery attempts, oldest first.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks",
    operation_id = "webhook_endpoints.deliveries.list",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)"), IdPageParams),
    responses((status = 200, description = "A page of attempts", body = WebhookDeliveryList),
        CommonErrors))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page = state.inner.service.list_deliveries(&principal, path.get(0)?, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, DeliveryView::new)))
}

/// Send a logged delivery's event again, now; answers the new attempt.
/// The endpoint's place in the feed does not change.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/deliveries/{delivery}/retry",
    tag = "webhooks", operation_id = "webhook_endpoints.deliveries.retry",
    params(("id" = String, Path, description = "Endpoint id (`we_…`)"),
        ("delivery" = String, Path, description = "Delivery id (`whd_…`)")),
    responses((status = 200, description = "The new attempt", body = DeliveryView),
        CommonErrors))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    let dispatcher = state.inner.dispatcher.as_ref().ok_or_else(|| {
        ServiceError::Unavailable("webhook delivery is not running on this node".into())
    })?;
    let delivery = dispatcher.retry(&principal, path.get(0)?, path.get(1)?).await?;
    Ok(json_response(StatusCode::OK, &DeliveryView::new(&delivery)))
}
