//! `/Groups`: the zone's roles as SCIM Groups (the mapping is
//! `roster_scim::group`'s), their members the users holding the role for
//! the whole zone. A role has no version of its own, so a group's ETag is
//! weak and covers its members; `If-Match` is checked against the group
//! as read just before the write.

use axum::extract::{OriginalUri, RawQuery};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use serde_json::Value;

use roster_domain::RoleId;
use roster_domain::access::{Role, RoleFields};
use roster_scim::group::{GroupFields, fields, render};
use roster_scim::schema::GROUP;
use roster_scim::{Projection, ScimError};
use roster_service::scim::SCIM_SCAN_MAX;
use roster_service::tenancy::IdPageRequest;
use roster_service::users::if_match_holds;

use super::users::{
    ListRequest, if_match, list_body, names_attribute, projection_of, query_pairs, search_request,
};
use super::{ScimResult, base_url, json_body, scim_response};
use crate::body::Payload;
use crate::handlers::tenant::Tenant;

/// Groups a filter on `members` may read the members of.
const MEMBER_FILTER_ROLES: usize = 100;

fn role_id(t: &Tenant) -> ScimResult<RoleId> {
    let id = t.id(0)?;
    RoleId::parse(id).ok_or_else(|| ScimError::not_found(format!("no group {id}")).into())
}

async fn members(t: &Tenant, role: &Role) -> ScimResult<Vec<roster_domain::UserId>> {
    Ok(t.service().role_members(&t.principal, &t.scope, &role.id).await?)
}

fn wants_members(projection: &Projection) -> bool {
    let named = |list: &[roster_scim::AttrPath]| {
        list.iter().any(|p| p.name.eq_ignore_ascii_case("members"))
    };
    (projection.attributes.is_empty() || named(&projection.attributes))
        && !named(&projection.excluded)
}

fn one(rendered: Value, status: StatusCode, projection: &Projection) -> Response {
    let etag = rendered["meta"]["version"].as_str().map(str::to_owned);
    let location = rendered["meta"]["location"].as_str().map(str::to_owned);
    let mut response = scim_response(status, &projection.apply(rendered));
    let headers = response.headers_mut();
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        headers.insert(header::ETAG, etag);
    }
    if let (StatusCode::CREATED, Some(l)) =
        (status, location.and_then(|l| HeaderValue::from_str(&l).ok()))
    {
        headers.insert(header::LOCATION, l);
    }
    response
}

pub async fn get(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ScimResult<Response> {
    let projection = projection_of(&query_pairs(raw.as_deref()))?;
    let id = role_id(&t)?;
    let role = t.service().get_role(&t.principal, &t.scope, &id.to_string()).await?;
    // A group too large to list answers without its members when asked so.
    let members = match wants_members(&projection) {
        true => Some(members(&t, &role).await?),
        false => None,
    };
    let rendered = render(&role, members.as_deref(), &base_url(&t.state, &uri));
    Ok(one(rendered, StatusCode::OK, &projection))
}

pub async fn create(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    payload: Payload,
) -> ScimResult<Response> {
    t.principal.require(roster_domain::Scope::RolesWrite)?;
    let body = json_body(&payload)?;
    let GroupFields { name, identifier, external_id, members } = fields(&body)?;
    let service = t.service();
    // Checked before the role exists: a refused group leaves nothing.
    service.check_members(&t.principal, &t.scope, &members).await?;
    let role_fields = RoleFields {
        identifier: Some(identifier),
        name: Some(name),
        description: None,
        external_id: Some(external_id),
    };
    let role = service.create_role(&t.principal, &t.scope, role_fields).await?;
    service.change_role_members(&t.principal, &t.scope, &role, &members, &[]).await?;
    Ok(one(
        render(&role, Some(&members), &base_url(&t.state, &uri)),
        StatusCode::CREATED,
        &Projection::default(),
    ))
}

/// Writes what `next` makes of the group as it stands.
async fn replace_with(
    t: &Tenant,
    uri: &Uri,
    headers: &HeaderMap,
    next: impl Fn(&Value) -> Result<Value, ScimError>,
) -> ScimResult<Response> {
    t.principal.require(roster_domain::Scope::RolesWrite)?;
    let id = role_id(t)?;
    let base = base_url(&t.state, uri);
    let service = t.service();
    let role = service.get_role(&t.principal, &t.scope, &id.to_string()).await?;
    let current = members(t, &role).await?;
    let rendered = render(&role, Some(&current), &base);
    precondition(headers, &rendered)?;
    let GroupFields { name, external_id, members: wanted, .. } = fields(&next(&rendered)?)?;
    let role_fields = RoleFields {
        identifier: None,
        name: Some(name),
        description: None,
        external_id: Some(external_id),
    };
    let add: Vec<_> = wanted.iter().filter(|m| !current.contains(m)).copied().collect();
    let remove: Vec<_> = current.iter().filter(|m| !wanted.contains(m)).copied().collect();
    // Every check before the first write: a refused change changes nothing.
    service.check_members(&t.principal, &t.scope, &add).await?;
    let role = service.update_role(&t.principal, &t.scope, &id.to_string(), role_fields).await?;
    service.change_role_members(&t.principal, &t.scope, &role, &add, &remove).await?;
    respond_changed(t, &role, &base).await
}

pub async fn replace(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    payload: Payload,
) -> ScimResult<Response> {
    let body = json_body(&payload)?;
    replace_with(&t, &uri, &headers, |_| Ok(body.clone())).await
}

pub async fn patch(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    payload: Payload,
) -> ScimResult<Response> {
    let body = json_body(&payload)?;
    if if_match(&headers).is_none()
        && let Some((add, remove)) = roster_scim::group::member_delta(&body)
    {
        return change_members(&t, &uri, &add, &remove).await;
    }
    replace_with(&t, &uri, &headers, |current| {
        let mut resource = current.clone();
        roster_scim::patch::apply(&mut resource, &body, GROUP, &[])?;
        Ok(resource)
    })
    .await
}

/// A PATCH made only of member additions and removals, applied as such:
/// the group's other members are never read, however many they are.
async fn change_members(
    t: &Tenant,
    uri: &Uri,
    add: &[roster_domain::UserId],
    remove: &[roster_domain::UserId],
) -> ScimResult<Response> {
    t.principal.require(roster_domain::Scope::RolesWrite)?;
    let id = role_id(t)?;
    let service = t.service();
    let role = service.get_role(&t.principal, &t.scope, &id.to_string()).await?;
    service.change_role_members(&t.principal, &t.scope, &role, add, remove).await?;
    respond_changed(t, &role, &base_url(&t.state, uri)).await
}

/// The group after a change: with its members, or without them (and its
/// ETag) when it is now too large to list.
async fn respond_changed(t: &Tenant, role: &Role, base: &str) -> ScimResult<Response> {
    let now = match t.service().role_members(&t.principal, &t.scope, &role.id).await {
        Ok(now) => Some(now),
        Err(roster_service::ServiceError::InvalidParameter { param, .. }) if param == "members" => {
            None
        }
        Err(e) => return Err(e.into()),
    };
    Ok(one(render(role, now.as_deref(), base), StatusCode::OK, &Projection::default()))
}

pub async fn delete(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let id = role_id(&t)?;
    if if_match(&headers).is_some() {
        let role = t.service().get_role(&t.principal, &t.scope, &id.to_string()).await?;
        let held = members(&t, &role).await?;
        precondition(&headers, &render(&role, Some(&held), &base_url(&t.state, &uri)))?;
    }
    t.service().delete_role(&t.principal, &t.scope, &id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A client's `If-Match` against the group as read (`*` matches any).
fn precondition(headers: &HeaderMap, rendered: &Value) -> ScimResult<()> {
    let current = rendered["meta"]["version"].as_str().unwrap_or("");
    match if_match(headers) {
        Some(given) if !if_match_holds(&given, current) => {
            Err(roster_service::ServiceError::PreconditionFailed.into())
        }
        _ => Ok(()),
    }
}

/// Every role of the zone, in creation order; a zone holds few, and past
/// `SCIM_SCAN_MAX` the request is refused rather than read whole.
async fn all_roles(t: &Tenant) -> ScimResult<Vec<Role>> {
    let mut roles = Vec::new();
    let mut request = IdPageRequest { after: None, before: None, limit: 1000 };
    loop {
        let page = t.service().list_roles(&t.principal, &t.scope, &request).await?;
        roles.extend(page.items);
        if roles.len() > SCIM_SCAN_MAX {
            return Err(ScimError::too_many(format!(
                "the zone holds more than {SCIM_SCAN_MAX} groups"
            ))
            .into());
        }
        match page.end_cursor {
            Some(end) if page.has_next_page => request.after = Some(end),
            _ => return Ok(roles),
        }
    }
}

list_handlers!(groups_page);

/// The groups a list request selects: their total, and the page.
pub(super) async fn groups_page(
    t: &Tenant,
    uri: &Uri,
    request: &ListRequest,
) -> ScimResult<(u64, Vec<Value>)> {
    let base = base_url(&t.state, uri);
    let exact = |path: &str| roster_scim::schema::case_exact(GROUP, path);
    // The role's own fields first; members (a read per role) only for the
    // few roles those leave, and for the page.
    let parts = request.filter.as_ref().map(|f| f.conjuncts()).unwrap_or_default();
    let (on_members, on_role): (Vec<_>, Vec<_>) =
        parts.into_iter().partition(|f| names_attribute(f, "members"));
    let mut found: Vec<(Role, Option<Vec<roster_domain::UserId>>)> = all_roles(t)
        .await?
        .into_iter()
        .filter(|role| {
            let rendered = render(role, None, &base);
            on_role.iter().all(|f| roster_scim::matches(f, &rendered, &exact))
        })
        .map(|role| (role, None))
        .collect();
    if !on_members.is_empty() {
        if found.len() > MEMBER_FILTER_ROLES {
            return Err(ScimError::too_many(format!(
                "a filter on members reads each group's members: narrow it to at most \
                 {MEMBER_FILTER_ROLES} groups with id, displayName or externalId"
            ))
            .into());
        }
        let mut kept = Vec::new();
        for (role, _) in found {
            let held = members(t, &role).await?;
            let rendered = render(&role, Some(&held), &base);
            if on_members.iter().all(|f| roster_scim::matches(f, &rendered, &exact)) {
                kept.push((role, Some(held)));
            }
        }
        found = kept;
    }
    if let Some(by) = &request.sort_by {
        let key: fn(&Role) -> String = match by.to_ascii_lowercase().as_str() {
            "displayname" => |r| r.name.to_ascii_lowercase(),
            "externalid" => |r| r.external_id.clone().unwrap_or_default().to_ascii_lowercase(),
            "id" => |r| r.id.to_string(),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "sortBy {by:?}: groups sort by displayName, externalId or id"
                ))
                .into());
            }
        };
        found.sort_by_cached_key(|(role, _)| key(role));
        if request.descending {
            found.reverse();
        }
    }
    let total = found.len() as u64;
    let skip = usize::try_from(request.start_index - 1).unwrap_or(usize::MAX);
    let with_members = wants_members(&request.projection);
    let mut page = Vec::new();
    for (role, held) in found.into_iter().skip(skip).take(request.count) {
        let held = match (held, with_members) {
            (Some(h), _) => Some(h),
            (None, true) => Some(members(t, &role).await?),
            (None, false) => None,
        };
        page.push(request.projection.apply(render(&role, held.as_deref(), &base)));
    }
    Ok((total, page))
}
