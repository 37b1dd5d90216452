//! The tenant extractor: the caller, the zone a request acts on (resolved
//! once per request, before the handler runs) and the ids of the resource
//! in it. A route with a `{zone}` parameter acts in that zone; one without,
//! in the key's default zone.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;

use roster_domain::{Scope, ZoneScope};
use roster_service::{Principal, Service, ServiceError};

use super::PathParams;
use crate::AppState;
use crate::body::{BodyKind, Payload};
use crate::input::RequestBody;
use crate::problem::{ApiError, ApiResult};

/// The name of the path parameter that names a zone.
const ZONE: &str = "zone";

/// The caller, the zone it acts on, and the path's other parameters.
pub struct Tenant {
    pub state: AppState,
    pub principal: Arc<Principal>,
    pub scope: ZoneScope,
    /// The path parameters after the zone, in order: the resource's ids.
    ids: PathParams,
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let principal = caller(parts)?;
        let raw = path_params(parts, state).await?;
        let mut zone = None;
        let mut ids = Vec::new();
        for (name, value) in raw.iter() {
            match name {
                ZONE => zone = Some(value),
                _ => ids.push(value.to_owned()),
            }
        }
        let scope = state.inner.service.resolve_zone(&principal, zone).await?;
        Ok(Tenant { state: state.clone(), principal, scope, ids: PathParams(ids) })
    }
}

impl Tenant {
    /// The `i`th id of the path after the zone.
    pub fn id(&self, i: usize) -> ApiResult<&str> {
        self.ids.get(i)
    }

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
) -> ApiResult<RawPathParams> {
    let raw =
        RawPathParams::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
    if raw.iter().any(|(_, value)| value.contains('\0')) {
        return Err(ApiError::not_found());
    }
    Ok(raw)
}
