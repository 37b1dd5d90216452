//! `/v1/users` and `/v1/zones/{zone}/users`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use utoipa::{IntoParams, ToSchema};

use roster_domain::{Scope, User, UserId};
use roster_service::users::none_match;
use roster_service::{Principal, ServiceError};

use super::idempotency::{StoredWithWrite, idempotent};
use super::{
    BodyErrors, CommonErrors, JSON, PathParams, header_str, json_response, json_response_sized,
};
use crate::AppState;
use crate::body::{BodyKind, RawBody};
use crate::encode::{USER_BYTES, json_bytes};
use crate::input::parse_body;
use crate::input::users::{CreateUser, UpdateUser};
use crate::problem::{ApiError, ApiResult};
use crate::query::{ListUsersQuery, no_parameters, parse_expand_only, parse_list_users};
use crate::views::{UserListView, UserView};

/// Query parameters of the user list. Every filter also has a
/// `filter[<name>]` spelling.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListUsersParams {
    /// Cursor mode: items after this cursor (from `page_info.end_cursor`).
    after: Option<String>,
    /// Cursor mode: items before this cursor (from `page_info.start_cursor`).
    before: Option<String>,
    /// Page size, 1..1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// Page mode: the page number, from 1.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Page mode: page size, 1..100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// Comma list of user ids (at most 100); needs `users:metadata`.
    #[param(
        pattern = r"^[\s,]*user_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\s*(?:,\s*(?:user_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\s*)?)*$"
    )]
    id: Option<String>,
    /// Exact email, case-insensitive.
    email: Option<String>,
    /// Exact identifier, case-insensitive.
    identifier: Option<String>,
    /// Comma list of `saas_admin`, `saas_user`, `saas_user_client`.
    #[param(
        pattern = r"^\s*(?:(?:saas_admin|saas_user|saas_user_client)\s*)?(?:,\s*(?:(?:saas_admin|saas_user|saas_user_client)\s*)?)*$"
    )]
    user_type: Option<String>,
    /// Comma list of `active`, `onboarding`, `inactive`, `suspended`, `risky`, `disabled`.
    #[param(
        pattern = r"^\s*(?:(?:active|onboarding|inactive|suspended|risky|disabled)\s*)?(?:,\s*(?:(?:active|onboarding|inactive|suspended|risky|disabled)\s*)?)*$"
    )]
    status: Option<String>,
    /// Id of the creating API key; needs `users:metadata`.
    created_by: Option<String>,
    /// Id of the last updating API key; needs `users:metadata`.
    updated_by: Option<String>,
    /// Created at or after (RFC 3339).
    #[param(format = DateTime)]
    created_at_from: Option<String>,
    /// Created before (RFC 3339).
    #[param(format = DateTime)]
    created_at_to: Option<String>,
    /// Updated at or after (RFC 3339).
    #[param(format = DateTime)]
    updated_at_from: Option<String>,
    /// Updated before (RFC 3339).
    #[param(format = DateTime)]
    updated_at_to: Option<String>,
    /// Identity provider id.
    provider_id: Option<String>,
    /// Users holding this role (id or identifier), in any scope.
    role: Option<String>,
    /// Case-insensitive substring of id, email, name, identifier or
    /// description; without a sort, exact and prefix matches rank first.
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 256)]
    search: Option<String>,
    /// Alias of `search`.
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 256)]
    q: Option<String>,
    /// Repeatable search terms; all must match.
    #[param(rename = "query[]", max_items = 10, inline)]
    query: Option<Vec<SearchTerm>>,
    /// `created_at` (default), `updated_at`, `email`, `name`, `identifier`,
    /// `first_name`, `last_name`, `status`, `user_type`.
    #[param(inline)]
    sort_by: Option<SortBy>,
    /// `asc` (default) or `desc`.
    #[param(inline)]
    sort_order: Option<SortOrder>,
    /// Multi-key sort, e.g. `-created_at,email` (`-` is descending).
    #[param(
        pattern = r"^\s*[-+]?(?:created_at|updated_at|email|name|identifier|first_name|last_name|status|user_type)\s*(?:,\s*[-+]?(?:created_at|updated_at|email|name|identifier|first_name|last_name|status|user_type)\s*)*$"
    )]
    sort: Option<String>,
    /// `role_assignments`, `grant_count`, `session_count`.
    #[param(rename = "expand[]", inline)]
    expand: Option<Vec<ExpandList>>,
    /// `attributes.<key>=<value>`: a top-level custom attribute equals the
    /// value (read as JSON when a number, true, false, null or a quoted
    /// string).
    #[param(rename = "attributes.<key>")]
    attributes: Option<String>,
}

/// One search term: no control characters, at most 256 characters.
#[derive(ToSchema)]
#[schema(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 256)]
#[allow(dead_code)]
pub struct SearchTerm(String);

/// A comma list of expansions.
#[derive(ToSchema)]
#[schema(
    pattern = r"^\s*(?:(?:role_assignments|role-assignments|grant_count|session_count)\s*)?(?:,\s*(?:(?:role_assignments|role-assignments|grant_count|session_count)\s*)?)*$"
)]
#[allow(dead_code)]
pub struct ExpandList(String);

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SortBy {
    CreatedAt,
    UpdatedAt,
    Email,
    Name,
    Identifier,
    FirstName,
    LastName,
    Status,
    UserType,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// A user id from the path; anything else names no user.
fn user_id(id: &str) -> ApiResult<UserId> {
    UserId::parse(id).ok_or_else(ApiError::not_found)
}

fn with_etag(mut response: Response, user: &User) -> Response {
    if let Ok(v) = HeaderValue::from_str(&user.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

async fn list(
    state: &AppState,
    principal: &Principal,
    zone: Option<&str>,
    query: Option<&str>,
) -> ApiResult<Response> {
    let ListUsersQuery { request, metadata_param } = parse_list_users(query)?;
    let expand = request.expand;
    let service = &state.inner.service;
    let scope = service.resolve_zone(principal, zone).await?;
    // Named here, as the client spelled it (`created_by`, `filter[id]`);
    // the use case checks the same scopes again.
    if let Some(param) = metadata_param {
        principal.require(Scope::UsersRead)?;
        if !principal.sees_metadata() {
            return Err(ApiError::Service(ServiceError::InsufficientScope {
                scope: Scope::UsersMetadata,
                detail: Some(format!("filtering by {param} needs the users:metadata scope")),
                param: Some(param),
            }));
        }
    }
    let page = service.list_users(principal, &scope, request).await?;
    let view = UserListView::new(&page, principal.sees_metadata(), expand);
    let capacity = 512 + page.users.len() * USER_BYTES;
    Ok(json_response_sized(StatusCode::OK, &view, capacity))
}

async fn retrieve(
    state: &AppState,
    principal: &Principal,
    zone: Option<&str>,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let expand = parse_expand_only(query)?;
    let service = &state.inner.service;
    let scope = service.resolve_zone(principal, zone).await?;
    let (user, extras) = service.get_user(principal, &scope, user_id(id)?, expand).await?;
    let view = UserView::new(&user, principal.sees_metadata()).expanded(expand, extras.as_ref());
    let body = json_bytes(&view)
        .map_err(|e| ApiError::Service(roster_service::ServiceError::Internal(e)))?;
    // Expanded extras change without the user changing: their digest joins
    // the tag so a cached expanded copy is never wrongly confirmed.
    let etag = if expand.any() { expanded_etag(&user, &body) } else { user.etag() };
    let etag_header = HeaderValue::from_str(&etag).ok();
    let mut response = match header_str(headers, "If-None-Match")? {
        Some(tags) if none_match(tags, &etag) => StatusCode::NOT_MODIFIED.into_response(),
        _ => {
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            r
        }
    };
    if let Some(v) = etag_header {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

/// `"<ULID>-<version>-x<digest of the body>"`.
fn expanded_etag(user: &User, body: &[u8]) -> String {
    // FNV-1a: stable across processes and nodes, unlike std's hasher.
    let digest = body
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("\"{}-{}-x{digest:016x}\"", user.id.ulid(), user.version)
}

async fn create(
    state: &AppState,
    principal: &Principal,
    zone: Option<&str>,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    no_parameters(uri.query())?;
    let path = uri.path();
    let service = &state.inner.service;
    idempotent(state, principal, headers, path, body, |request| async move {
        let scope = service.resolve_zone(principal, zone).await?;
        // Before the body is read: a key that may not write learns nothing
        // from validation. The use case checks again.
        principal.require(Scope::UsersWrite)?;
        let fields: CreateUser = parse_body(headers, body, BodyKind::Json)?;
        let prepared = service.prepare_user(principal, &scope, fields.into())?;
        let user = prepared.user();
        let view = json_bytes(&UserView::new(user, principal.sees_metadata()))
            .map_err(|e| ApiError::Service(roster_service::ServiceError::Internal(e)))?;
        let location = format!("{path}/{}", user.id);
        // With a key, the replay is stored in the transaction that creates
        // the user: a crash can never leave a user without it.
        let replay = request.as_ref().map(|request| {
            let location = Some(location.clone());
            service.idempotency_record(principal, request, 201, view.clone(), location)
        });
        let user = service.commit_user(prepared, replay.as_ref()).await?;
        let mut response = (StatusCode::CREATED, view).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
        if let Ok(location) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, location);
        }
        if request.is_some() {
            response.extensions_mut().insert(StoredWithWrite);
        }
        Ok(with_etag(response, &user))
    })
    .await
}

async fn update(
    state: &AppState,
    principal: &Principal,
    zone: Option<&str>,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    no_parameters(query)?;
    let service = &state.inner.service;
    let scope = service.resolve_zone(principal, zone).await?;
    principal.require(Scope::UsersWrite)?;
    let patch: UpdateUser = parse_body(headers, body, BodyKind::MergePatch)?;
    let if_match = header_str(headers, "If-Match")?;
    let user = service.update_user(principal, &scope, user_id(id)?, patch.into(), if_match).await?;
    let response = json_response(StatusCode::OK, &UserView::new(&user, principal.sees_metadata()));
    Ok(with_etag(response, &user))
}

async fn delete(
    state: &AppState,
    principal: &Principal,
    zone: Option<&str>,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    no_parameters(query)?;
    let service = &state.inner.service;
    let scope = service.resolve_zone(principal, zone).await?;
    let if_match = header_str(headers, "If-Match")?;
    service.delete_user(principal, &scope, user_id(id)?, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// What a user operation's wrapper hands its implementation: the zone the
/// path names (`None`: the key's default zone) and the rest of the request.
struct UserCall<'a> {
    state: &'a AppState,
    principal: &'a Principal,
    zone: Option<&'a str>,
    /// Path parameters after the zone.
    params: &'a [String],
    uri: &'a http::Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl UserCall<'_> {
    fn id(&self) -> ApiResult<&str> {
        self.params.first().map(String::as_str).ok_or_else(ApiError::not_found)
    }

    fn query(&self) -> Option<&str> {
        self.uri.query()
    }
}

/// Writes a user operation twice, on the key's default zone and on
/// `/v1/zones/{zone}/…`, with both OpenAPI entries, around one call.
macro_rules! twins {
    (
        $method:ident,
        default = ($dfn:ident, $dpath:literal, $dop:literal, $ddoc:literal),
        zoned = ($zfn:ident, $zpath:literal, $zop:literal, $zdoc:literal),
        params = [$($param:tt)*],
        $(request_body = [$($body:tt)*],)?
        responses = [$($resp:tt)*],
        call = |$c:ident| $call:expr
    ) => {
        #[doc = $ddoc]
        #[utoipa::path($method, path = $dpath, tag = "users", operation_id = $dop,
            params($($param)*),
            $(request_body($($body)*),)?
            responses($($resp)*))]
        pub async fn $dfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let $c = UserCall {
                state: &state,
                principal: &principal,
                zone: None,
                params: &path.0,
                uri: &uri,
                headers: &headers,
                body: &body,
            };
            $call.await
        }

        #[doc = $zdoc]
        #[utoipa::path($method, path = $zpath, tag = "users", operation_id = $zop,
            params(("zone" = String, Path, description = "Zone id or identifier"), $($param)*),
            $(request_body($($body)*),)?
            responses($($resp)*))]
        pub async fn $zfn(
            State(state): State<AppState>,
            Extension(principal): Extension<Arc<Principal>>,
            OriginalUri(uri): OriginalUri,
            path: PathParams,
            headers: HeaderMap,
            RawBody(body): RawBody,
        ) -> ApiResult<Response> {
            let (zone, params) = path.0.split_first().ok_or_else(ApiError::not_found)?;
            let $c = UserCall {
                state: &state,
                principal: &principal,
                zone: Some(zone),
                params,
                uri: &uri,
                headers: &headers,
                body: &body,
            };
            $call.await
        }
    };
}

twins!(
    get,
    default = (list_users, "/v1/users", "users.list", "List users in the key's default zone."),
    zoned =
        (list_zone_users, "/v1/zones/{zone}/users", "zones.users.list", "List users in a zone."),
    params = [ListUsersParams],
    responses =
        [(status = 200, description = "A page of users", body = UserListView), CommonErrors],
    call = |c| list(c.state, c.principal, c.zone, c.query())
);

twins!(get,
    default = (get_user, "/v1/users/{id}", "users.retrieve", "Retrieve a user of the key's default zone."),
    zoned = (get_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.retrieve", "Retrieve a user of a zone."),
    params = [("id" = String, Path, description = "User id (`user_…`)"),
        ("expand[]" = Option<Vec<ExpandList>>, Query, description = "role_assignments, grant_count, session_count"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag; 304 when it is current")],
    responses = [(status = 200, description = "The user", body = UserView,
        headers(("ETag" = String, description = "Version of the user"))),
        (status = 304, description = "Not modified"), CommonErrors],
    call = |c| retrieve(c.state, c.principal, c.zone, c.id()?, c.query(), c.headers));

twins!(post,
    default = (create_user, "/v1/users", "users.create", "Create a user in the key's default zone."),
    zoned = (create_zone_user, "/v1/zones/{zone}/users", "zones.users.create", "Create a user in a zone."),
    params = [("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$",
        description = "Retries with the same key and body replay the first response for 24 h")],
    request_body = [content = CreateUser, content_type = "application/json"],
    responses = [(status = 201, description = "The new user", body = UserView,
        headers(("Location" = String), ("ETag" = String))),
        (status = 422, description = "Idempotency-Key reused with another body",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors],
    call = |c| create(c.state, c.principal, c.zone, c.uri, c.headers, c.body));

twins!(patch,
    default = (update_user, "/v1/users/{id}", "users.update", "Update a user of the key's default zone with a JSON merge patch."),
    zoned = (update_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.update", "Update a user of a zone with a JSON merge patch."),
    params = [("id" = String, Path, description = "User id (`user_…`)"),
        ("If-Match" = Option<String>, Header, description = "Only if the user is still at this ETag")],
    request_body = [content = UpdateUser, content_type = "application/merge-patch+json"],
    responses = [(status = 200, description = "The updated user", body = UserView,
        headers(("ETag" = String))),
        (status = 412, description = "The user changed since the If-Match ETag",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors],
    call = |c| update(c.state, c.principal, c.zone, c.id()?, c.query(), c.headers, c.body));

twins!(delete,
    default = (delete_user, "/v1/users/{id}", "users.delete", "Delete a user of the key's default zone."),
    zoned = (delete_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.delete", "Delete a user of a zone."),
    params = [("id" = String, Path, description = "User id (`user_…`)"),
        ("If-Match" = Option<String>, Header, description = "Only if the user is still at this ETag")],
    responses = [(status = 204, description = "Deleted"),
        (status = 412, description = "The user changed since the If-Match ETag",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors],
    call = |c| delete(c.state, c.principal, c.zone, c.id()?, c.query(), c.headers));
