//! The user-list parameters: filters, search, sort, paging and expand,
//! each error naming the parameter as the client spelled it.

use serde_json::Value;
use utoipa::IntoParams;

use roster_domain::query::{
    AttributeFilter, MAX_ATTRIBUTE_FILTERS, MAX_PAGE_WINDOW, MAX_SEARCH_TERMS,
};
use roster_domain::text::fold;
use roster_domain::{Direction, Sort, SortField, SortKey, UserId, UserStatus, UserType};
use roster_service::users::{Expand, ListUsersRequest};

use super::values::{SearchTerm, SortBy, SortOrder};
use super::{
    ExpandList, MAX_IDS, MAX_PAGE_SIZE, QueryParams, comma_list, parse_int, parse_time,
    settle_page, take_cursor_page, unset,
};
use crate::problem::{ApiError, ApiResult};

/// Reads an `attributes.<key>` value as JSON when it is a number, `true`,
/// `false`, `null` or a quoted string, else as the string itself.
pub fn attribute_value(raw: &str) -> Value {
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_))) => v,
        _ => Value::String(raw.to_owned()),
    }
}

fn check_attribute_key(param: &str, key: &str) -> ApiResult<()> {
    if key.is_empty()
        || key.len() > 255
        || key.chars().any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Err(ApiError::invalid_parameter(
            param,
            "attribute keys must be 1-255 characters without quotes, backslashes or control characters",
        ));
    }
    Ok(())
}

/// Adds each comma-separated value of an enum parameter to `into` once,
/// naming the first one that is not among `allowed`.
fn one_of_list<T: PartialEq>(
    param: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
    into: &mut Vec<T>,
) -> ApiResult<()> {
    for item in comma_list(value) {
        let parsed = parse(item).ok_or_else(|| {
            ApiError::invalid_parameter(param, format!("{item:?} is not one of {allowed}"))
        })?;
        if !into.contains(&parsed) {
            into.push(parsed);
        }
    }
    Ok(())
}

/// Query parameters of the user list. Every filter also has a
/// `filter[<name>]` spelling.
#[derive(Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Cursor mode: items after this cursor (from `page_info.end_cursor`).
    after: Option<String>,
    /// Cursor mode: items before this cursor (from `page_info.start_cursor`).
    before: Option<String>,
    /// Page size, 1..1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Page mode: the page number, from 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<u64>,
    /// Page mode: page size, 1..100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    page_size: Option<u64>,
    /// Comma list of user ids (at most 100); needs `users:metadata`.
    #[param(
        value_type = Option<String>,
        pattern = r"^[\s,]*user_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\s*(?:,\s*(?:user_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\s*)?)*$"
    )]
    id: Vec<UserId>,
    /// Exact email, case-insensitive.
    email: Option<String>,
    /// Exact identifier, case-insensitive.
    identifier: Option<String>,
    /// Comma list of `saas_admin`, `saas_user`, `saas_user_client`.
    #[param(
        value_type = Option<String>,
        pattern = r"^\s*(?:(?:saas_admin|saas_user|saas_user_client)\s*)?(?:,\s*(?:(?:saas_admin|saas_user|saas_user_client)\s*)?)*$"
    )]
    user_type: Vec<UserType>,
    /// Comma list of `active`, `onboarding`, `inactive`, `suspended`, `risky`, `disabled`.
    #[param(
        value_type = Option<String>,
        pattern = r"^\s*(?:(?:active|onboarding|inactive|suspended|risky|disabled)\s*)?(?:,\s*(?:(?:active|onboarding|inactive|suspended|risky|disabled)\s*)?)*$"
    )]
    status: Vec<UserStatus>,
    /// Id of the creating API key; needs `users:metadata`.
    created_by: Option<String>,
    /// Id of the last updating API key; needs `users:metadata`.
    updated_by: Option<String>,
    /// Created at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    created_at_from: Option<roster_domain::Timestamp>,
    /// Created before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    created_at_to: Option<roster_domain::Timestamp>,
    /// Updated at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    updated_at_from: Option<roster_domain::Timestamp>,
    /// Updated before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    updated_at_to: Option<roster_domain::Timestamp>,
    /// Identity provider id.
    provider_id: Option<String>,
    /// A provisioning system's identifier (SCIM `externalId`), exactly.
    external_id: Option<String>,
    /// Users holding this role (id or identifier), in any scope.
    role: Option<String>,
    /// Case-insensitive substring of id, email, name, identifier or
    /// description; without a sort, exact and prefix matches rank first.
    #[param(value_type = Option<String>, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 256)]
    search: Vec<SearchTerm>,
    /// Alias of `search`.
    #[param(value_type = Option<String>, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 256)]
    q: Vec<SearchTerm>,
    /// Repeatable search terms; all must match.
    #[param(rename = "query[]", value_type = Option<Vec<SearchTerm>>, max_items = 10, inline)]
    query: Vec<SearchTerm>,
    /// `created_at` (default), `updated_at`, `email`, `name`, `identifier`,
    /// `first_name`, `last_name`, `status`, `user_type`.
    #[param(inline)]
    sort_by: Option<SortBy>,
    /// `asc` (default) or `desc`.
    #[param(inline)]
    sort_order: Option<SortOrder>,
    /// Multi-key sort, e.g. `-created_at,email` (`-` is descending).
    #[param(
        value_type = Option<String>,
        pattern = r"^\s*[-+]?(?:created_at|updated_at|email|name|identifier|first_name|last_name|status|user_type)\s*(?:,\s*[-+]?(?:created_at|updated_at|email|name|identifier|first_name|last_name|status|user_type)\s*)*$"
    )]
    sort: Option<Vec<SortKey>>,
    /// `role_assignments`, `grant_count`, `session_count`.
    #[param(rename = "expand[]", value_type = Option<Vec<ExpandList>>, inline)]
    expand: Expand,
    /// `attributes.<key>=<value>`: a top-level custom attribute equals the
    /// value (read as JSON when a number, true, false, null or a quoted
    /// string).
    #[param(rename = "attributes.<key>", value_type = Option<String>)]
    attributes: Vec<AttributeFilter>,
    /// Single-valued parameters already given, as spelled: `email` and
    /// `filter[email]` are each taken once.
    #[param(ignore)]
    seen: Vec<String>,
    /// The first filter that needs `users:metadata`, as spelled.
    #[param(ignore)]
    metadata_param: Option<String>,
}

/// A user-list query: the request in domain terms, and the spelling of the
/// first filter that needs `users:metadata`, for the edge to name.
#[derive(Debug)]
pub struct ListUsersQuery {
    pub request: ListUsersRequest,
    pub metadata_param: Option<String>,
}

impl ListUsersParams {
    /// Refuses a second value for a single-valued parameter as spelled.
    fn once(&mut self, name: &str) -> ApiResult<()> {
        if self.seen.iter().any(|s| s == name) {
            return Err(ApiError::invalid_parameter(
                name,
                format!("{name} is given more than once"),
            ));
        }
        self.seen.push(name.to_owned());
        Ok(())
    }

    fn search_term(&mut self, param: &str, value: String) -> ApiResult<SearchTerm> {
        let terms = self.search.len() + self.q.len() + self.query.len();
        let term = SearchTerm::read(param, value)?;
        if terms == MAX_SEARCH_TERMS {
            return Err(ApiError::invalid_parameter(
                param,
                format!("at most {MAX_SEARCH_TERMS} search terms per request"),
            ));
        }
        Ok(term)
    }

    fn ids(&mut self, param: &str, value: &str) -> ApiResult<()> {
        self.metadata_param.get_or_insert_with(|| param.to_owned());
        for id in comma_list(value) {
            let parsed = UserId::parse(id).ok_or_else(|| {
                ApiError::invalid_parameter(param, format!("{id:?} is not a user id"))
            })?;
            if !self.id.contains(&parsed) {
                self.id.push(parsed);
            }
        }
        if self.id.len() > MAX_IDS {
            return Err(ApiError::invalid_parameter(
                param,
                format!("at most {MAX_IDS} ids per request"),
            ));
        }
        if self.id.is_empty() {
            return Err(ApiError::invalid_parameter(param, "give at least one id"));
        }
        Ok(())
    }

    fn multi_sort(param: &str, value: &str) -> ApiResult<Vec<SortKey>> {
        let mut keys = Vec::new();
        for part in value.split(',').map(str::trim) {
            let (direction, fname) = match part.strip_prefix('-') {
                Some(rest) => (Direction::Desc, rest),
                None => (Direction::Asc, part.strip_prefix('+').unwrap_or(part)),
            };
            let f = SortField::parse(fname).ok_or_else(|| {
                ApiError::invalid_parameter(
                    param,
                    format!("{fname:?} is not one of {}", SortField::allowed()),
                )
            })?;
            if keys.iter().any(|k: &SortKey| k.field == f) {
                return Err(ApiError::invalid_parameter(param, format!("{fname} appears twice")));
            }
            keys.push(SortKey { field: f, direction });
        }
        Ok(keys)
    }

    fn attribute(&mut self, param: &str, key: &str, value: &str) -> ApiResult<()> {
        check_attribute_key(param, key)?;
        if self.attributes.len() == MAX_ATTRIBUTE_FILTERS {
            return Err(ApiError::invalid_parameter(
                param,
                format!("at most {MAX_ATTRIBUTE_FILTERS} attributes filters per request"),
            ));
        }
        self.attributes
            .push(AttributeFilter { key: key.to_owned(), value: attribute_value(value) });
        Ok(())
    }
}

impl QueryParams for ListUsersParams {
    type Output = ListUsersQuery;

    fn take(&mut self, name: &str, value: String) -> ApiResult<bool> {
        // `filter[x]` is the Keycard spelling of filter `x`; paging, search
        // aliases, sort and expand have no such spelling.
        let (field, filter_spelling) =
            match name.strip_prefix("filter[").and_then(|rest| rest.strip_suffix(']')) {
                Some(field) => (field, true),
                None => (name, false),
            };
        let param = name;
        match (field, filter_spelling) {
            ("limit" | "after" | "before", false) => {
                take_cursor_page(param, value, &mut self.after, &mut self.before, &mut self.limit)?;
            }
            ("page_size", false) => {
                unset(&self.page_size, param)?;
                self.page_size = Some(parse_int(param, &value, 1, MAX_PAGE_SIZE as u64)?);
            }
            ("page", false) => {
                unset(&self.page, param)?;
                self.page = Some(parse_int(param, &value, 1, u64::MAX)?);
            }
            ("id", _) => self.ids(param, &value)?,
            ("email", _) => {
                self.once(param)?;
                self.email = Some(fold(&value));
            }
            ("identifier", _) => {
                self.once(param)?;
                self.identifier = Some(fold(&value));
            }
            ("user_type", _) => one_of_list(
                param,
                &value,
                UserType::parse,
                &UserType::allowed(),
                &mut self.user_type,
            )?,
            ("status", _) => one_of_list(
                param,
                &value,
                UserStatus::parse,
                &UserStatus::allowed(),
                &mut self.status,
            )?,
            ("created_by" | "updated_by", _) => {
                self.once(param)?;
                self.metadata_param.get_or_insert_with(|| param.to_owned());
                let slot =
                    if field == "created_by" { &mut self.created_by } else { &mut self.updated_by };
                *slot = Some(value);
            }
            ("created_at_from" | "created_at_to" | "updated_at_from" | "updated_at_to", _) => {
                self.once(param)?;
                let t = Some(parse_time(param, &value)?);
                match field {
                    "created_at_from" => self.created_at_from = t,
                    "created_at_to" => self.created_at_to = t,
                    "updated_at_from" => self.updated_at_from = t,
                    _ => self.updated_at_to = t,
                }
            }
            ("provider_id", _) => {
                self.once(param)?;
                self.provider_id = Some(value);
            }
            ("external_id", _) => {
                self.once(param)?;
                self.external_id = Some(value);
            }
            ("role", _) => {
                self.once(param)?;
                self.role = Some(value);
            }
            ("search", _) | ("q" | "query[]" | "query", false) => {
                let term = self.search_term(param, value)?;
                let terms = match field {
                    "search" => &mut self.search,
                    "q" => &mut self.q,
                    _ => &mut self.query,
                };
                terms.push(term);
            }
            ("sort_by", false) => {
                unset(&self.sort_by, param)?;
                let f = SortField::parse(&value).ok_or_else(|| {
                    ApiError::invalid_parameter(
                        param,
                        format!("{value:?} is not one of {}", SortField::allowed()),
                    )
                })?;
                self.sort_by = Some(SortBy(f));
            }
            ("sort_order", false) => {
                unset(&self.sort_order, param)?;
                let d = Direction::parse(&value)
                    .ok_or_else(|| ApiError::invalid_parameter(param, "must be asc or desc"))?;
                self.sort_order = Some(SortOrder(d));
            }
            ("sort", false) => {
                unset(&self.sort, param)?;
                self.sort = Some(Self::multi_sort(param, &value)?);
            }
            ("expand[]" | "expand", false) => ExpandList::read(param, &value, &mut self.expand)?,
            _ => match field.strip_prefix("attributes.") {
                Some(key) => self.attribute(param, key, &value)?,
                None => return Ok(false),
            },
        }
        Ok(true)
    }

    fn unknown(name: &str) -> String {
        format!("{name} is not a parameter of this list")
    }

    fn finish(self) -> ApiResult<ListUsersQuery> {
        let sort = match (self.sort, self.sort_by, self.sort_order) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ApiError::invalid_parameter(
                    "sort",
                    "sort cannot be combined with sort_by or sort_order",
                ));
            }
            (Some(keys), None, None) => Some(Sort { keys }),
            (None, None, None) => None,
            (None, by, order) => Some(Sort {
                keys: vec![SortKey {
                    field: by.map_or(SortField::CreatedAt, |SortBy(f)| f),
                    direction: order.map_or(Direction::Asc, |SortOrder(d)| d),
                }],
            }),
        };
        // Page mode: `page`, or `page_size` alone (meaning page 1).
        let (page_mode, page) = match (self.page, self.page_size) {
            (Some(page), _) => (Some("page"), Some(page)),
            (None, Some(_)) => (Some("page_size"), Some(1)),
            (None, None) => (None, None),
        };
        let limit = settle_page(
            self.after.as_ref(),
            self.before.as_ref(),
            page_mode,
            self.limit,
            self.page_size,
        )?;
        if let Some(page) = page
            && page.saturating_mul(limit as u64) > MAX_PAGE_WINDOW
        {
            return Err(ApiError::invalid_parameter(
                "page",
                format!(
                    "page mode serves the first {MAX_PAGE_WINDOW} matches only (page × page size); \
                     page through deeper results with the after cursor"
                ),
            ));
        }
        let mut request = ListUsersRequest::default();
        let filter = &mut request.filter;
        filter.ids = self.id;
        filter.email = self.email;
        filter.identifier = self.identifier;
        filter.user_types = self.user_type;
        filter.statuses = self.status;
        filter.created_by = self.created_by;
        filter.updated_by = self.updated_by;
        filter.created_from = self.created_at_from;
        filter.created_to = self.created_at_to;
        filter.updated_from = self.updated_at_from;
        filter.updated_to = self.updated_at_to;
        filter.provider_id = self.provider_id;
        filter.external_id = self.external_id;
        filter.attributes = self.attributes;
        let terms = self.search.into_iter().chain(self.q).chain(self.query);
        request.search = terms.map(SearchTerm::into_inner).collect();
        request.sort = sort;
        request.limit = limit;
        request.page = page;
        request.after = self.after;
        request.before = self.before;
        request.expand = self.expand;
        request.role = self.role;
        request.metadata_filter = self.metadata_param.is_some();
        Ok(ListUsersQuery { request, metadata_param: self.metadata_param })
    }
}
