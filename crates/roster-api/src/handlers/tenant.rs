//! The tenant extractor: the caller and the zone a request acts on,
//! resolved once per request before the handler runs. A route with a
//! `{zone}` parameter acts in that zone; one without, in the key's default
//! zone.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;

use roster_domain::{Scope, ZoneScope};
use roster_service::{Principal, Service, ServiceError};

use crate::AppState;
use crate::body::{BodyKind, Payload};
use crate::input::RequestBody;
use crate::problem::{ApiError, ApiResult};

/// The name of the path parameter that names a zone.
const ZONE: &str = "zone";

/// The caller, and the zone it acts on.
pub struct Tenant {
    pub state: AppState,
    pub principal: Arc<Principal>,
    pub scope: ZoneScope,
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let principal = caller(parts)?;
        let params = path_params(parts, state).await?;
        let zone = params.iter().find(|(name, _)| name == ZONE).map(|(_, value)| value.as_str());
        let scope = state.inner.service.resolve_zone(&principal, zone).await?;
        Ok(Tenant { state: state.clone(), principal, scope })
    }
}

impl Tenant {
    pub fn service(&self) -> &Service {
        &self.state.inner.service
    }

    /// Whether the caller sees `created_by`-style metadata.
    pub fn metadata(&self) -> bool {
        self.principal.sees_metadata()
    }

    /// The body, typed, once the key is known to hold `needs`: a key that
    /// may not write learns nothing from validation. The use case checks
    /// again.
    pub fn body<T: RequestBody>(
        &self,
        needs: Scope,
        kind: BodyKind,
        payload: &Payload,
    ) -> ApiResult<T> {
        self.principal.require(needs)?;
        payload.typed(kind)
    }
}

/// The authenticated caller, put in the request by `middleware::authenticate`.
fn caller(parts: &Parts) -> ApiResult<Arc<Principal>> {
    parts.extensions.get::<Arc<Principal>>().cloned().ok_or_else(|| {
        ApiError::Service(ServiceError::Internal("the route is not authenticated".into()))
    })
}

/// The path parameters by name. One that cannot be decoded, or holds
/// U+0000 (no id or identifier does, and PostgreSQL cannot take it in a
/// statement), names no resource: 404, like any malformed id.
pub(super) async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> ApiResult<Vec<(String, String)>> {
    let raw =
        RawPathParams::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
    if raw.iter().any(|(_, value)| value.contains('\0')) {
        return Err(ApiError::not_found());
    }
    Ok(raw.iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect())
}

/// The path parameters after the zone, in order: the ids of the resource.
pub struct Ids(Vec<String>);

impl Ids {
    pub fn get(&self, i: usize) -> ApiResult<&str> {
        self.0.get(i).map(String::as_str).ok_or_else(ApiError::not_found)
    }
}

impl FromRequestParts<AppState> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let params = path_params(parts, state).await?;
        Ok(Ids(params.into_iter().filter(|(name, _)| name != ZONE).map(|(_, v)| v).collect()))
    }
}
