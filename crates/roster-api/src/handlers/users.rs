//! `/v1/users` and `/v1/zones/{zone}/users`.

use axum::Extension;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use roster_domain::{Scope, User, UserId};
use roster_service::ServiceError;
use roster_service::users::none_match;

use super::idempotency::{Replayable, StoredWithWrite};
use super::tenant::Tenant;
use super::{BodyErrors, CommonErrors, JSON, header_str, json_response, json_response_sized};
use crate::body::{BodyKind, Payload};
use crate::encode::{USER_BYTES, json_bytes};
use crate::input::users::{CreateUser, UpdateUser};
use crate::problem::{ApiError, ApiResult};
use crate::query::{ExpandParams, ListUsersParams, ListUsersQuery, NoParams, Params};
use crate::views::{UserListView, UserView};

/// A user id from the path; anything else names no user.
fn user_id(t: &Tenant) -> ApiResult<UserId> {
    UserId::parse(t.id(0)?).ok_or_else(ApiError::not_found)
}

fn with_etag(mut response: Response, user: &User) -> Response {
    if let Ok(v) = HeaderValue::from_str(&user.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// The query is read before the zone is resolved: a malformed list request
/// is a 400 whichever zone it names.
async fn list(Params(query): Params<ListUsersParams>, t: Tenant) -> ApiResult<Response> {
    let ListUsersQuery { request, metadata_param } = query;
    let expand = request.expand;
    // Named here, as the client spelled it (`created_by`, `filter[id]`);
    // the use case checks the same scopes again.
    if let Some(param) = metadata_param {
        t.principal.require(Scope::UsersRead)?;
        if !t.metadata() {
            return Err(ApiError::Service(ServiceError::InsufficientScope {
                scope: Scope::UsersMetadata,
                detail: Some(format!("filtering by {param} needs the users:metadata scope")),
                param: Some(param),
            }));
        }
    }
    let page = t.service().list_users(&t.principal, &t.scope, request).await?;
    let view = UserListView::new(&page, t.metadata(), expand);
    let capacity = 512 + page.users.len() * USER_BYTES;
    Ok(json_response_sized(StatusCode::OK, &view, capacity))
}

async fn retrieve(
    Params(expand): Params<ExpandParams>,
    t: Tenant,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (user, extras) = t.service().get_user(&t.principal, &t.scope, user_id(&t)?, expand).await?;
    let view = UserView::new(&user, t.metadata()).expanded(expand, extras.as_ref());
    let body = json_bytes(&view).map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    // Expanded extras change without the user changing: their digest joins
    // the tag so a cached expanded copy is never wrongly confirmed.
    let etag = if expand.any() { expanded_etag(&user, &body) } else { user.etag() };
    let etag_header = HeaderValue::from_str(&etag).ok();
    let mut response = match header_str(&headers, "If-None-Match")? {
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
    _: Params<NoParams>,
    t: Tenant,
    replayable: Option<Extension<Replayable>>,
    uri: http::Uri,
    payload: Payload,
) -> ApiResult<Response> {
    let fields: CreateUser = t.body(Scope::UsersWrite, BodyKind::Json, &payload)?;
    let service = t.service();
    let prepared = service.prepare_user(&t.principal, &t.scope, fields.into())?;
    let user = prepared.user();
    let view = json_bytes(&UserView::new(user, t.metadata()))
        .map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    let location = format!("{}/{}", uri.path(), user.id);
    // With an Idempotency-Key, the replay is stored in the transaction that
    // creates the user: a crash can never leave a user without it.
    let replay = replayable.as_ref().map(|Extension(Replayable(request))| {
        let location = Some(location.clone());
        service.idempotency_record(&t.principal, request, 201, view.clone(), location)
    });
    let user = service.commit_user(prepared, replay.as_ref()).await?;
    let mut response = (StatusCode::CREATED, view).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(location) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, location);
    }
    if replay.is_some() {
        response.extensions_mut().insert(StoredWithWrite);
    }
    Ok(with_etag(response, &user))
}

async fn update(_: Params<NoParams>, t: Tenant, payload: Payload) -> ApiResult<Response> {
    let patch: UpdateUser = t.body(Scope::UsersWrite, BodyKind::MergePatch, &payload)?;
    let if_match = header_str(&payload.headers, "If-Match")?;
    let id = user_id(&t)?;
    let user = t.service().update_user(&t.principal, &t.scope, id, patch.into(), if_match).await?;
    let response = json_response(StatusCode::OK, &UserView::new(&user, t.metadata()));
    Ok(with_etag(response, &user))
}

async fn delete(_: Params<NoParams>, t: Tenant, headers: HeaderMap) -> ApiResult<Response> {
    let if_match = header_str(&headers, "If-Match")?;
    t.service().delete_user(&t.principal, &t.scope, user_id(&t)?, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

zoned!(get list,
    ("List users in the key's default zone.", "List users in a zone."),
    tag = "users",
    default = (list_users, "/v1/users", "users.list"),
    zoned = (list_zone_users, "/v1/zones/{zone}/users", "zones.users.list"),
    params = [ListUsersParams],
    responses = [(status = 200, description = "A page of users", body = UserListView), CommonErrors]);

zoned!(get retrieve,
    ("Retrieve a user of the key's default zone.", "Retrieve a user of a zone."),
    tag = "users",
    default = (get_user, "/v1/users/{id}", "users.retrieve"),
    zoned = (get_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.retrieve"),
    params = [("id" = String, Path, description = "User id (`user_…`)"), ExpandParams,
        ("If-None-Match" = Option<String>, Header, description = "An ETag; 304 when it is current")],
    responses = [(status = 200, description = "The user", body = UserView,
        headers(("ETag" = String, description = "Version of the user"))),
        (status = 304, description = "Not modified"), CommonErrors]);

zoned!(post create,
    ("Create a user in the key's default zone.", "Create a user in a zone."),
    tag = "users",
    default = (create_user, "/v1/users", "users.create"),
    zoned = (create_zone_user, "/v1/zones/{zone}/users", "zones.users.create"),
    params = [("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$",
        description = "Retries with the same key and body replay the first response for 24 h")],
    body = [content = CreateUser, content_type = "application/json"],
    responses = [(status = 201, description = "The new user", body = UserView,
        headers(("Location" = String), ("ETag" = String))),
        (status = 422, description = "Idempotency-Key reused with another body",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors]);

zoned!(patch update,
    ("Update a user of the key's default zone with a JSON merge patch.",
        "Update a user of a zone with a JSON merge patch."),
    tag = "users",
    default = (update_user, "/v1/users/{id}", "users.update"),
    zoned = (update_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.update"),
    params = [("id" = String, Path, description = "User id (`user_…`)"),
        ("If-Match" = Option<String>, Header, description = "Only if the user is still at this ETag")],
    body = [content = UpdateUser, content_type = "application/merge-patch+json"],
    responses = [(status = 200, description = "The updated user", body = UserView,
        headers(("ETag" = String))),
        (status = 412, description = "The user changed since the If-Match ETag",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors]);

zoned!(delete delete,
    ("Delete a user of the key's default zone.", "Delete a user of a zone."),
    tag = "users",
    default = (delete_user, "/v1/users/{id}", "users.delete"),
    zoned = (delete_zone_user, "/v1/zones/{zone}/users/{id}", "zones.users.delete"),
    params = [("id" = String, Path, description = "User id (`user_…`)"),
        ("If-Match" = Option<String>, Header, description = "Only if the user is still at this ETag")],
    responses = [(status = 204, description = "Deleted"),
        (status = 412, description = "The user changed since the If-Match ETag",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors]);
