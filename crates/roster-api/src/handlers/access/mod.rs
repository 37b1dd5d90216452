//! Roles, role assignments, sessions, grants, providers and sign-ins.
//!
//! Every operation exists twice: on the key's default zone (`/v1/roles`,
//! `/v1/users/{id}/sessions`) and on a named zone (`/v1/zones/{zone}/…`).
//! `zoned!` writes both thin wrappers (and their OpenAPI entries) around one
//! implementation that receives the resolved zone.

use axum::response::Response;
use http::HeaderMap;

use roster_domain::{Scope, ZoneScope};
use roster_service::Principal;

use super::idempotency::idempotent;
use crate::AppState;
use crate::body::BodyKind;
use crate::input::{RequestBody, parse_body};
use crate::problem::{ApiError, ApiResult};

/// One call, with its zone resolved and the remaining path parameters.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub principal: &'a Principal,
    pub scope: ZoneScope,
    pub params: &'a [String],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, i: usize) -> ApiResult<&str> {
        self.params.get(i).map(String::as_str).ok_or_else(ApiError::not_found)
    }

    /// The body, typed, once the key is known to hold `needs`: a key that
    /// may not write learns nothing from validation. The use case checks
    /// again.
    fn body<T: RequestBody>(&self, needs: Scope, kind: BodyKind) -> ApiResult<T> {
        self.principal.require(needs)?;
        parse_body(self.headers, self.body, kind)
    }

    fn service(&self) -> &roster_service::Service {
        &self.state.inner.service
    }

    fn metadata(&self) -> bool {
        self.principal.sees_metadata()
    }
}

/// What a wrapper hands over besides the caller and the zone.
struct Raw<'a> {
    params: &'a [String],
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

async fn run<'a, F, Fut>(
    state: &'a AppState,
    principal: &'a Principal,
    method: &str,
    path: &str,
    zone: Option<&'a str>,
    raw: Raw<'a>,
    inner: F,
) -> ApiResult<Response>
where
    F: FnOnce(Call<'a>) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Response>>,
{
    let Raw { params, query, headers, body } = raw;
    let call = async {
        let scope = state.inner.service.resolve_zone(principal, zone).await?;
        inner(Call { state, principal, scope, params, query, headers, body }).await
    };
    if method == "post" {
        idempotent(state, principal, headers, path, body, |_| call).await
    } else {
        call.await
    }
}

macro_rules! zoned {
    (
        $method:ident $inner:ident,
        $doc:literal,
        tag = $tag:literal,
        default = ($dfn:ident, $dpath:literal, $dop:literal),
        zoned = ($zfn:ident, $zpath:literal, $zop:literal),
        params = [$($param:tt)*],
        $(body = $body:ty,)?
        responses = [$($resp:tt)*]
    ) => {
        #[doc = $doc]
        #[utoipa::path($method, path = $dpath, tag = $tag, operation_id = $dop,
            params($($param)*),
            $(request_body(content = $body, content_type = "application/json"),)?
            responses($($resp)*))]
        pub async fn $dfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let raw = Raw { params: &path.0, query: query.as_deref(), headers: &headers, body: &body };
            run(&state, &principal, stringify!($method), uri.path(), None, raw, $inner).await
        }

        #[doc = $doc]
        #[utoipa::path($method, path = $zpath, tag = $tag, operation_id = $zop,
            params(("zone" = String, Path, description = "Zone id or identifier"), $($param)*),
            $(request_body(content = $body, content_type = "application/json"),)?
            responses($($resp)*))]
        pub async fn $zfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let (zone, rest) = path.0.split_first().ok_or_else(ApiError::not_found)?;
            let raw = Raw { params: rest, query: query.as_deref(), headers: &headers, body: &body };
            run(&state, &principal, stringify!($method), uri.path(), Some(zone), raw, $inner).await
        }
    };
}

// After the macro, which they use.
mod providers;
mod roles;
mod sessions;

pub use providers::*;
pub use roles::*;
pub use sessions::*;
