//! `/v1/zones`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use roster_domain::Scope;
use roster_service::Principal;

use super::{BodyErrors, CommonErrors, PathParams, json_response};
use crate::AppState;
use crate::body::{BodyKind, Payload};
use crate::input::zones::{CreateZone, UpdateZone};
use crate::problem::ApiResult;
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{ListView, ZoneList, ZoneView};

/// List the zones this key may see.
#[utoipa::path(get, path = "/v1/zones", tag = "zones", operation_id = "zones.list",
    params(IdPageParams),
    responses((status = 200, description = "A page of zones", body = ZoneList), CommonErrors))]
pub async fn list_zones(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page = state.inner.service.list_zones(&principal, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, ZoneView::new)))
}

/// Create a zone (needs a key valid for every zone).
#[utoipa::path(post, path = "/v1/zones", tag = "zones", operation_id = "zones.create",
    request_body(content = CreateZone, content_type = "application/json"),
    responses((status = 201, description = "The new zone", body = ZoneView,
        headers(("Location" = String))), CommonErrors, BodyErrors))]
pub async fn create_zone(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    _: Params<NoParams>,
    OriginalUri(uri): OriginalUri,
    payload: Payload,
) -> ApiResult<Response> {
    let service = &state.inner.service;
    // Before the body is read: a key that may not create zones learns
    // nothing from validation. The use case checks again.
    service.may_create_zones(&principal)?;
    let fields: CreateZone = payload.typed(BodyKind::Json)?;
    let zone = service.create_zone(&principal, fields.into()).await?;
    let mut response = json_response(StatusCode::CREATED, &ZoneView::new(&zone));
    if let Ok(location) = HeaderValue::from_str(&format!("{}/{}", uri.path(), zone.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Retrieve a zone by id or identifier.
#[utoipa::path(get, path = "/v1/zones/{zone}", tag = "zones", operation_id = "zones.retrieve",
    params(("zone" = String, Path, description = "Zone id or identifier")),
    responses((status = 200, description = "The zone", body = ZoneView), CommonErrors))]
pub async fn get_zone(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    let zone = state.inner.service.get_zone(&principal, path.get(0)?).await?;
    Ok(json_response(StatusCode::OK, &ZoneView::new(&zone)))
}

/// Rename a zone or change its identifier.
#[utoipa::path(patch, path = "/v1/zones/{zone}", tag = "zones", operation_id = "zones.update",
    params(("zone" = String, Path, description = "Zone id or identifier")),
    request_body(content = UpdateZone, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The zone", body = ZoneView), CommonErrors, BodyErrors))]
pub async fn update_zone(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    principal.require(Scope::ZonesWrite)?;
    let fields: UpdateZone = payload.typed(BodyKind::MergePatch)?;
    let zone = state.inner.service.update_zone(&principal, path.get(0)?, fields.into()).await?;
    Ok(json_response(StatusCode::OK, &ZoneView::new(&zone)))
}

/// Delete an empty zone (409 `zone_not_empty` while it holds users).
#[utoipa::path(delete, path = "/v1/zones/{zone}", tag = "zones", operation_id = "zones.delete",
    params(("zone" = String, Path, description = "Zone id or identifier")),
    responses((status = 204, description = "Deleted"),
        (status = 409, description = "The zone still holds users",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors))]
pub async fn delete_zone(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    state.inner.service.delete_zone(&principal, path.get(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
