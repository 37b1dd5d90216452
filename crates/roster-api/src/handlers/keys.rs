//! `/v1/api-keys`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use roster_domain::Scope;
use roster_service::Principal;

use super::{BodyErrors, CommonErrors, PathParams, json_response};
use crate::AppState;
use crate::body::{BodyKind, Payload};
use crate::input::keys::CreateApiKey;
use crate::problem::ApiResult;
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{ApiKeyList, ApiKeyView, ListView};

/// List the active API keys within this key's reach (never their secrets).
#[utoipa::path(get, path = "/v1/api-keys", tag = "api-keys", operation_id = "api_keys.list",
    params(IdPageParams),
    responses((status = 200, description = "A page of keys", body = ApiKeyList), CommonErrors))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page = state.inner.service.list_api_keys(&principal, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, |k| ApiKeyView::new(k, None))))
}

/// Create an API key; the response holds its secret, shown only once.
#[utoipa::path(post, path = "/v1/api-keys", tag = "api-keys", operation_id = "api_keys.create",
    request_body(content = CreateApiKey, content_type = "application/json"),
    responses((status = 201, description = "The key with its secret in `key`", body = ApiKeyView),
        CommonErrors, BodyErrors))]
pub async fn create_api_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    // No Idempotency-Key replay here: the response holds the key's secret,
    // which is never stored anywhere but as a hash.
    // Before the body is read: a key that may not create keys learns
    // nothing from validation. The use case checks again.
    principal.require(Scope::KeysWrite)?;
    let fields: CreateApiKey = payload.typed(BodyKind::Json)?;
    let created = state.inner.service.create_api_key(&principal, fields.into()).await?;
    Ok(json_response(StatusCode::CREATED, &ApiKeyView::new(&created.key, Some(created.secret))))
}

/// Retrieve an API key within this key's reach (never its secret).
#[utoipa::path(get, path = "/v1/api-keys/{id}", tag = "api-keys",
    operation_id = "api_keys.retrieve",
    params(("id" = String, Path, description = "Key id (`key_…`)")),
    responses((status = 200, description = "The key", body = ApiKeyView), CommonErrors))]
pub async fn get_api_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    let key = state.inner.service.get_api_key(&principal, path.get(0)?).await?;
    Ok(json_response(StatusCode::OK, &ApiKeyView::new(&key, None)))
}

/// Revoke an API key within this key's reach; it fails from its very next
/// request.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api-keys",
    operation_id = "api_keys.delete",
    params(("id" = String, Path, description = "Key id (`key_…`)")),
    responses((status = 204, description = "Revoked"), CommonErrors))]
pub async fn delete_api_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    path: PathParams,
    _: Params<NoParams>,
) -> ApiResult<Response> {
    state.inner.service.revoke_api_key(&principal, path.get(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
