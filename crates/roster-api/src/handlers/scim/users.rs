//! `/Users`: Roster's users as SCIM Users (the mapping is
//! `roster_scim::user`'s). Writes go through the same use cases as `/v1`;
//! a PUT or PATCH is a replace of every mapped field, made against the
//! version it was computed from (and computed again if another write came
//! first), so a concurrent change is never undone.

use std::collections::HashMap;

use axum::extract::{OriginalUri, RawQuery};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use serde_json::{Map, Value, json};

use roster_domain::access::Expansion;
use roster_domain::query::{Direction, Sort, SortField, SortKey, UserFilter};
use roster_domain::text::fold;
use roster_domain::{Timestamp, User, UserId, UserStatus};
use roster_scim::filter::{AttrPath, CompareOp, Filter};
use roster_scim::schema::{LIST, SEARCH, USER, USER_EXTENSIONS};
use roster_scim::user::{GroupRef, Mode, fields, render};
use roster_scim::{Projection, ScimError};
use roster_service::ServiceError;
use roster_service::users::if_match_holds;

use super::{Failure, ScimResult, base_url, json_body, scim_response};
use crate::body::Payload;
use crate::handlers::tenant::Tenant;

/// Retries of a PUT or PATCH computed from a version another write
/// replaced meanwhile.
const RETRIES: usize = 5;
const DEFAULT_COUNT: i64 = 100;
const MAX_COUNT: i64 = 1000;

fn user_id(t: &Tenant) -> ScimResult<UserId> {
    let id = t.id(0)?;
    UserId::parse(id).ok_or_else(|| ScimError::not_found(format!("no user {id}")).into())
}

fn groups_of(roles: Option<&Expansion>) -> Vec<GroupRef> {
    roles
        .map(|e| {
            e.role_assignments.iter().map(|a| GroupRef { id: a.role_id.to_string() }).collect()
        })
        .unwrap_or_default()
}

/// One user, with its ETag (and its Location when just created).
fn one(
    user: &User,
    roles: Option<&Expansion>,
    base: &str,
    status: StatusCode,
    projection: &Projection,
) -> Response {
    let body = projection.apply(render(user, &groups_of(roles), base));
    let mut response = scim_response(status, &body);
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&user.etag()) {
        headers.insert(header::ETAG, etag);
    }
    let location = HeaderValue::from_str(&format!("{base}/Users/{}", user.id));
    if let (StatusCode::CREATED, Ok(location)) = (status, location) {
        headers.insert(header::LOCATION, location);
    }
    response
}

async fn roles_of(t: &Tenant, user: &User) -> ScimResult<Option<Expansion>> {
    let mut found =
        t.service().zone_roles(&t.principal, &t.scope, std::slice::from_ref(user)).await?;
    Ok(found.remove(&user.id))
}

pub(super) fn query_pairs(raw: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect()
}

pub(super) fn projection_of(pairs: &HashMap<String, String>) -> ScimResult<Projection> {
    Projection::parse(
        pairs.get("attributes").map(String::as_str),
        pairs.get("excludedattributes").map(String::as_str),
    )
    .map_err(|e| ScimError::invalid_value(format!("attributes: {}", e.message)).into())
}

pub async fn get(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ScimResult<Response> {
    let projection = projection_of(&query_pairs(raw.as_deref()))?;
    let id = user_id(&t)?;
    let (user, _) = t.service().get_user(&t.principal, &t.scope, id, Default::default()).await?;
    let roles = roles_of(&t, &user).await?;
    Ok(one(&user, roles.as_ref(), &base_url(&t.state, &uri), StatusCode::OK, &projection))
}

pub async fn create(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    payload: Payload,
) -> ScimResult<Response> {
    t.principal.require(roster_domain::Scope::UsersWrite)?;
    let body = json_body(&payload)?;
    let fields = fields(&body, Mode::Create, None)?;
    let service = t.service();
    let prepared = service.prepare_user(&t.principal, &t.scope, fields)?;
    let user = service.commit_user(prepared, None).await?;
    Ok(one(&user, None, &base_url(&t.state, &uri), StatusCode::CREATED, &Projection::default()))
}

pub(super) fn if_match(headers: &HeaderMap) -> Option<String> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Replaces the user with what `next` computes from its current version,
/// computed again when another write came between (unless the client
/// named the version it expects with `If-Match`).
async fn replace_with(
    t: &Tenant,
    uri: &Uri,
    headers: &HeaderMap,
    next: impl Fn(&User, &str) -> Result<Value, ScimError>,
) -> ScimResult<Response> {
    t.principal.require(roster_domain::Scope::UsersWrite)?;
    let id = user_id(t)?;
    let base = base_url(&t.state, uri);
    // A client's `If-Match` is checked against the version read; the write
    // itself always names that version, so nothing computed from a stale
    // read is ever stored (`*` included).
    let given = if_match(headers);
    let service = t.service();
    for _ in 0..RETRIES {
        let (current, _) = service.get_user(&t.principal, &t.scope, id, Default::default()).await?;
        let etag = current.etag();
        if given.as_deref().is_some_and(|g| !if_match_holds(g, &etag)) {
            return Err(ServiceError::PreconditionFailed.into());
        }
        let resource = next(&current, &base)?;
        let fields = fields(&resource, Mode::Replace, Some(&current))?;
        match service.update_user(&t.principal, &t.scope, id, fields, Some(&etag)).await {
            Ok(user) => {
                let roles = roles_of(t, &user).await?;
                return Ok(one(
                    &user,
                    roles.as_ref(),
                    &base,
                    StatusCode::OK,
                    &Projection::default(),
                ));
            }
            // Another write came between the read and this one: computed
            // again, unless the client named the version it expects.
            Err(ServiceError::PreconditionFailed)
                if given.as_deref().is_none_or(|g| g.trim() == "*") =>
            {
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable("the user kept changing; try again".into()).into())
}

pub async fn replace(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    payload: Payload,
) -> ScimResult<Response> {
    let body = json_body(&payload)?;
    replace_with(&t, &uri, &headers, |_, _| Ok(body.clone())).await
}

pub async fn patch(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    payload: Payload,
) -> ScimResult<Response> {
    let body = json_body(&payload)?;
    replace_with(&t, &uri, &headers, |current, base| {
        let mut resource = render(current, &[], base);
        roster_scim::patch::apply(&mut resource, &body, USER, USER_EXTENSIONS)?;
        Ok(resource)
    })
    .await
}

pub async fn delete(t: Tenant, headers: HeaderMap) -> ScimResult<Response> {
    let id = user_id(&t)?;
    let given = if_match(&headers);
    t.service().delete_user(&t.principal, &t.scope, id, given.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A list request, from the query string or a `.search` body.
pub(super) struct ListRequest {
    pub filter: Option<Filter>,
    pub start_index: u64,
    pub count: usize,
    pub sort_by: Option<String>,
    pub descending: bool,
    pub projection: Projection,
}

impl ListRequest {
    fn new(
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        projection: Projection,
    ) -> ScimResult<Self> {
        let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(f.parse::<Filter>().map_err(ScimError::from)?),
            None => None,
        };
        let descending = match sort_order.map(str::to_ascii_lowercase).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(o) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be ascending or descending, not {o:?}"
                ))
                .into());
            }
        };
        Ok(Self {
            filter,
            start_index: start_index.unwrap_or(1).max(1) as u64,
            count: count.unwrap_or(DEFAULT_COUNT).clamp(0, MAX_COUNT) as usize,
            sort_by: sort_by.map(str::to_owned),
            descending,
            projection,
        })
    }

    pub fn from_query(pairs: &HashMap<String, String>) -> ScimResult<Self> {
        Self::new(
            pairs.get("filter").map(String::as_str),
            number(pairs, "startIndex")?,
            number(pairs, "count")?,
            pairs.get("sortby").map(String::as_str),
            pairs.get("sortorder").map(String::as_str),
            projection_of(pairs)?,
        )
    }

    /// The users' order: `sortBy` as Roster's sort indexes spell it.
    fn user_sort(&self) -> ScimResult<Sort> {
        let Some(by) = &self.sort_by else { return Ok(Sort::default()) };
        let field = sort_field(by).ok_or_else(|| {
            ScimError::invalid_value(format!(
                "sortBy {by:?}: users sort by userName, displayName, name.givenName, \
                 name.familyName, emails, meta.created or meta.lastModified"
            ))
        })?;
        let direction = if self.descending { Direction::Desc } else { Direction::Asc };
        Ok(Sort { keys: vec![SortKey { field, direction }] })
    }
}

/// A `.search` body (RFC 7644 §3.4.3) as a list request.
pub(super) fn search_request(body: &Value) -> ScimResult<ListRequest> {
    let is_search =
        body["schemas"].as_array().is_some_and(|s| s.iter().any(|v| v.as_str() == Some(SEARCH)));
    if !is_search {
        return Err(
            ScimError::invalid_syntax(format!("a search's schemas must hold {SEARCH}")).into()
        );
    }
    let text = |key: &str| -> Option<String> {
        match &body[key] {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => {
                Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
            }
            _ => None,
        }
    };
    let int = |key: &str| -> ScimResult<Option<i64>> {
        match &body[key] {
            Value::Null => Ok(None),
            v => v.as_i64().map(Some).ok_or_else(|| {
                ScimError::invalid_value(format!("{key} must be an integer")).into()
            }),
        }
    };
    let projection =
        Projection::parse(text("attributes").as_deref(), text("excludedAttributes").as_deref())
            .map_err(|e| ScimError::invalid_value(format!("attributes: {}", e.message)))?;
    ListRequest::new(
        text("filter").as_deref(),
        int("startIndex")?,
        int("count")?,
        text("sortBy").as_deref(),
        text("sortOrder").as_deref(),
        projection,
    )
}

fn sort_field(by: &str) -> Option<SortField> {
    let path: AttrPath = by.parse().ok()?;
    Some(match path.dotted().as_str() {
        "username" => SortField::Identifier,
        "displayname" => SortField::Name,
        "name.givenname" => SortField::FirstName,
        "name.familyname" => SortField::LastName,
        "emails" | "emails.value" => SortField::Email,
        "meta.created" | "id" => SortField::CreatedAt,
        "meta.lastmodified" => SortField::UpdatedAt,
        _ => return None,
    })
}

fn number(pairs: &HashMap<String, String>, key: &str) -> ScimResult<Option<i64>> {
    match pairs.get(&key.to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ScimError::invalid_value(format!("{key} must be an integer")).into()),
    }
}

list_handlers!(users_page);

/// `POST /.search` at the root: the users, then the groups, as one list.
pub async fn search_everything(
    t: Tenant,
    OriginalUri(uri): OriginalUri,
    payload: Payload,
) -> ScimResult<Response> {
    let request = search_request(&json_body(&payload)?)?;
    let (users, mut resources) = users_page(&t, &uri, &request).await?;
    let skipped = request.start_index - 1;
    let rest = ListRequest {
        start_index: skipped.saturating_sub(users) + 1,
        count: request.count - resources.len(),
        sort_by: None,
        ..request
    };
    let (groups, more) = super::groups::groups_page(&t, &uri, &rest).await?;
    resources.extend(more);
    Ok(list_body(users + groups, skipped + 1, resources))
}

/// The users a list request selects: their total, and the page.
async fn users_page(t: &Tenant, uri: &Uri, request: &ListRequest) -> ScimResult<(u64, Vec<Value>)> {
    let base = base_url(&t.state, uri);
    let service = t.service();
    let offset = request.start_index - 1;
    if request.filter.as_ref().is_some_and(|f| names_attribute(f, "groups")) {
        // A user's groups are not part of what a filter is checked against
        // (they cost a read per user): a group lists its members instead.
        return Err(ScimError::invalid_filter(
            "users are not filtered by groups: read the group's members (GET /Groups/{id})",
        )
        .into());
    }
    let (narrowing, exact) = match &request.filter {
        None => (Some(UserFilter::default()), true),
        Some(f) => narrow(f),
    };
    let Some(narrowing) = narrowing else {
        // The filter's indexed conditions already exclude everyone.
        return Ok((0, Vec::new()));
    };
    let sort = request.user_sort()?;
    // Offsets straight from the store only where its count is exact and
    // cheap: no filter, or a lookup (userName, externalId, id); any other
    // filter is walked, bounded, and counted as it is walked.
    let lookup = narrowing.identifier.is_some()
        || narrowing.external_id.is_some()
        || !narrowing.ids.is_empty();
    let direct = request.filter.is_none() || (exact && lookup);
    let (users, total, roles) = if direct {
        let page = service
            .scim_users_at(&t.principal, &t.scope, narrowing, sort, offset, request.count)
            .await?;
        (page.users, page.total, page.roles)
    } else {
        let filter = request.filter.as_ref();
        let keep = |u: &User| {
            filter.is_none_or(|f| {
                let resource = render(u, &[], &base);
                roster_scim::matches(f, &resource, &|path| {
                    roster_scim::schema::case_exact(USER, path)
                })
            })
        };
        let all = service
            .scim_users_matching(&t.principal, &t.scope, narrowing, sort, &keep, "filter")
            .await?;
        let total = all.len() as u64;
        let page: Vec<User> = all.into_iter().skip(offset as usize).take(request.count).collect();
        let roles = service.zone_roles(&t.principal, &t.scope, &page).await?;
        (page, total, roles)
    };
    let resources: Vec<Value> = users
        .iter()
        .map(|u| request.projection.apply(render(u, &groups_of(roles.get(&u.id)), &base)))
        .collect();
    Ok((total, resources))
}

pub(super) fn list_body(total: u64, start_index: u64, resources: Vec<Value>) -> Response {
    let mut body = Map::new();
    body.insert("schemas".into(), json!([LIST]));
    body.insert("totalResults".into(), json!(total));
    body.insert("startIndex".into(), json!(start_index));
    body.insert("itemsPerPage".into(), json!(resources.len()));
    body.insert("Resources".into(), Value::Array(resources));
    scim_response(StatusCode::OK, &Value::Object(body))
}

/// The filter's conditions Roster's indexes answer, as a `UserFilter`,
/// and whether they are the whole filter (else each candidate is checked
/// against it). `None`: no user can match.
fn narrow(filter: &Filter) -> (Option<UserFilter>, bool) {
    let mut f = UserFilter::default();
    let mut exact = true;
    for part in filter.conjuncts() {
        match narrow_one(part, &mut f) {
            Narrowed::Exactly => {}
            Narrowed::Partly => exact = false,
            Narrowed::Nobody => return (None, true),
        }
    }
    (Some(f), exact)
}

/// Whether any condition of the filter is on attribute `name`. A long
/// chain of `and`/`or` nests deep: walked with a stack of its own.
pub(super) fn names_attribute(filter: &Filter, name: &str) -> bool {
    let mut todo = vec![filter];
    while let Some(f) = todo.pop() {
        match f {
            Filter::Present(path)
            | Filter::Compare { path, .. }
            | Filter::ValuePath { path, .. } => {
                if path.name.eq_ignore_ascii_case(name) {
                    return true;
                }
            }
            Filter::And(a, b) | Filter::Or(a, b) => todo.extend([a.as_ref(), b.as_ref()]),
            Filter::Not(inner) => todo.push(inner),
        }
    }
    false
}

enum Narrowed {
    Exactly,
    Partly,
    Nobody,
}

fn narrow_one(part: &Filter, f: &mut UserFilter) -> Narrowed {
    let Filter::Compare { path, op, value } = part else { return Narrowed::Partly };
    if path.uri.as_deref().is_some_and(|u| !u.eq_ignore_ascii_case(USER)) {
        return Narrowed::Partly;
    }
    let text = value.as_str();
    let set = |slot: &mut Option<String>, v: String| match slot {
        Some(old) if *old != v => Narrowed::Nobody,
        _ => {
            *slot = Some(v);
            Narrowed::Exactly
        }
    };
    let time = || text.and_then(Timestamp::parse_rfc3339);
    let after = |t: Timestamp| Timestamp::from_micros(t.as_micros().saturating_add(1));
    match (path.dotted().as_str(), op, text) {
        ("username", CompareOp::Eq, Some(v)) => set(&mut f.identifier, fold(v)),
        ("externalid", CompareOp::Eq, Some(v)) => set(&mut f.external_id, v.to_owned()),
        ("id", CompareOp::Eq, Some(v)) => match UserId::parse(v) {
            Some(id) if f.ids.is_empty() || f.ids == [id] => {
                f.ids = vec![id];
                Narrowed::Exactly
            }
            _ => Narrowed::Nobody,
        },
        ("active", CompareOp::Eq, None) => match value.as_bool() {
            Some(active) if f.statuses.is_empty() => {
                f.statuses = UserStatus::ALL
                    .iter()
                    .copied()
                    .filter(|s| (*s != UserStatus::Disabled) == active)
                    .collect();
                Narrowed::Exactly
            }
            _ => Narrowed::Partly,
        },
        ("meta.created" | "meta.lastmodified", op, Some(_)) => {
            let Some(t) = time() else { return Narrowed::Partly };
            let created = path.dotted() == "meta.created";
            let (from, to) = if created {
                (&mut f.created_from, &mut f.created_to)
            } else {
                (&mut f.updated_from, &mut f.updated_to)
            };
            let bound = match op {
                CompareOp::Ge => (Some(t), None),
                CompareOp::Gt => (after(t), None),
                CompareOp::Lt => (None, Some(t)),
                CompareOp::Le => (None, after(t)),
                _ => return Narrowed::Partly,
            };
            match bound {
                (Some(b), None) if from.is_none_or(|old| old <= b) => *from = Some(b),
                (None, Some(b)) if to.is_none_or(|old| old >= b) => *to = Some(b),
                _ => return Narrowed::Partly,
            }
            Narrowed::Exactly
        }
        _ => Narrowed::Partly,
    }
}

impl From<roster_scim::FilterError> for Failure {
    fn from(e: roster_scim::FilterError) -> Self {
        Failure::Scim(e.into())
    }
}
