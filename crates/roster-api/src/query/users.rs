//! The user-list parameters: filters, search, sort, paging and expand,
//! each error naming the parameter as the client spelled it.

use serde_json::Value;

use roster_domain::query::{
    AttributeFilter, MAX_ATTRIBUTE_FILTERS, MAX_PAGE_WINDOW, MAX_SEARCH_TERMS,
};
use roster_domain::text::fold;
use roster_domain::{Direction, Sort, SortField, SortKey, UserId, UserStatus, UserType};
use roster_service::users::{ListUsersRequest, MAX_SEARCH_TERM};

use crate::problem::{ApiError, ApiResult};

use super::{MAX_IDS, Paging, comma_list, decode_pairs, parse_expand, parse_time};

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

/// Parses `GET /users` parameters.
/// A user-list query: the request in domain terms, and the spelling of the
/// first filter that needs `users:metadata`, for the edge to name.
#[derive(Debug)]
pub struct ListUsersQuery {
    pub request: ListUsersRequest,
    pub metadata_param: Option<String>,
}

pub fn parse_list_users(raw: Option<&str>) -> ApiResult<ListUsersQuery> {
    let mut req = ListUsersRequest::default();
    let mut metadata_param = None;
    let mut paging = Paging::default();
    let mut sort_by: Option<(String, SortField)> = None;
    let mut sort_order: Option<(String, Direction)> = None;
    let mut multi_sort: Option<(String, Vec<SortKey>)> = None;
    let mut seen_scalars: Vec<String> = Vec::new();
    let mut once = |name: &str| -> ApiResult<()> {
        if seen_scalars.iter().any(|s| s == name) {
            return Err(ApiError::invalid_parameter(
                name,
                format!("{name} is given more than once"),
            ));
        }
        seen_scalars.push(name.to_owned());
        Ok(())
    };

    for (name, value) in decode_pairs(raw)? {
        if paging.take(&name, &value)? {
            continue;
        }
        // `filter[x]` is the Keycard spelling of filter `x`.
        let field = name
            .strip_prefix("filter[")
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(name.as_str());
        let is_filter_spelling = field.len() != name.len();
        let param = name.as_str();
        match field {
            "id" => {
                metadata_param.get_or_insert_with(|| param.to_owned());
                for id in comma_list(&value) {
                    let parsed = UserId::parse(id).ok_or_else(|| {
                        ApiError::invalid_parameter(param, format!("{id:?} is not a user id"))
                    })?;
                    if !req.filter.ids.contains(&parsed) {
                        req.filter.ids.push(parsed);
                    }
                }
                if req.filter.ids.len() > MAX_IDS {
                    return Err(ApiError::invalid_parameter(
                        param,
                        format!("at most {MAX_IDS} ids per request"),
                    ));
                }
                if req.filter.ids.is_empty() {
                    return Err(ApiError::invalid_parameter(param, "give at least one id"));
                }
            }
            "email" | "identifier" => {
                once(param)?;
                let slot = if field == "email" {
                    &mut req.filter.email
                } else {
                    &mut req.filter.identifier
                };
                *slot = Some(fold(&value));
            }
            "user_type" => one_of_list(
                param,
                &value,
                UserType::parse,
                &UserType::allowed(),
                &mut req.filter.user_types,
            )?,
            "status" => one_of_list(
                param,
                &value,
                UserStatus::parse,
                &UserStatus::allowed(),
                &mut req.filter.statuses,
            )?,
            "created_by" | "updated_by" => {
                once(param)?;
                metadata_param.get_or_insert_with(|| param.to_owned());
                let slot = if field == "created_by" {
                    &mut req.filter.created_by
                } else {
                    &mut req.filter.updated_by
                };
                *slot = Some(value.clone());
            }
            "created_at_from" | "created_at_to" | "updated_at_from" | "updated_at_to" => {
                once(param)?;
                let t = Some(parse_time(param, &value)?);
                match field {
                    "created_at_from" => req.filter.created_from = t,
                    "created_at_to" => req.filter.created_to = t,
                    "updated_at_from" => req.filter.updated_from = t,
                    _ => req.filter.updated_to = t,
                }
            }
            "provider_id" => {
                once(param)?;
                req.filter.provider_id = Some(value.clone());
            }
            "role" => {
                once(param)?;
                req.role = Some(value.clone());
            }
            "search" | "q" | "query[]" | "query" if !is_filter_spelling || field == "search" => {
                if value.chars().count() > MAX_SEARCH_TERM {
                    return Err(ApiError::invalid_parameter(
                        param,
                        format!("search terms are limited to {MAX_SEARCH_TERM} characters"),
                    ));
                }
                if value.chars().any(char::is_control) {
                    return Err(ApiError::invalid_parameter(
                        param,
                        "search terms must not contain control characters",
                    ));
                }
                if req.search.len() == MAX_SEARCH_TERMS {
                    return Err(ApiError::invalid_parameter(
                        param,
                        format!("at most {MAX_SEARCH_TERMS} search terms per request"),
                    ));
                }
                req.search.push(value.clone());
            }
            "sort_by" if !is_filter_spelling => {
                once(param)?;
                let f = SortField::parse(&value).ok_or_else(|| {
                    ApiError::invalid_parameter(
                        param,
                        format!("{value:?} is not one of {}", SortField::allowed()),
                    )
                })?;
                sort_by = Some((name.clone(), f));
            }
            "sort_order" if !is_filter_spelling => {
                once(param)?;
                let d = match value.as_str() {
                    "asc" => Direction::Asc,
                    "desc" => Direction::Desc,
                    _ => return Err(ApiError::invalid_parameter(param, "must be asc or desc")),
                };
                sort_order = Some((name.clone(), d));
            }
            "sort" if !is_filter_spelling => {
                once(param)?;
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
                        return Err(ApiError::invalid_parameter(
                            param,
                            format!("{fname} appears twice"),
                        ));
                    }
                    keys.push(SortKey { field: f, direction });
                }
                multi_sort = Some((name.clone(), keys));
            }
            "expand[]" | "expand" if !is_filter_spelling => {
                parse_expand(param, &value, &mut req.expand)?;
            }
            _ => {
                if let Some(key) = field.strip_prefix("attributes.") {
                    check_attribute_key(param, key)?;
                    if req.filter.attributes.len() == MAX_ATTRIBUTE_FILTERS {
                        return Err(ApiError::invalid_parameter(
                            param,
                            format!(
                                "at most {MAX_ATTRIBUTE_FILTERS} attributes filters per request"
                            ),
                        ));
                    }
                    req.filter.attributes.push(AttributeFilter {
                        key: key.to_owned(),
                        value: attribute_value(&value),
                    });
                } else {
                    return Err(ApiError::invalid_parameter(
                        param,
                        format!("{param} is not a parameter of this list"),
                    ));
                }
            }
        }
    }

    req.sort = match (multi_sort, sort_by, sort_order) {
        (Some((name, _)), Some(_), _) | (Some((name, _)), _, Some(_)) => {
            return Err(ApiError::invalid_parameter(
                name,
                "sort cannot be combined with sort_by or sort_order",
            ));
        }
        (Some((_, keys)), None, None) => Some(Sort { keys }),
        (None, by, order) if by.is_some() || order.is_some() => Some(Sort {
            keys: vec![SortKey {
                field: by.map(|(_, f)| f).unwrap_or(SortField::CreatedAt),
                direction: order.map(|(_, d)| d).unwrap_or(Direction::Asc),
            }],
        }),
        _ => None,
    };
    req.limit = paging.finish()?;
    req.page = paging.page();
    if let Some(page) = req.page
        && page.saturating_mul(req.limit as u64) > MAX_PAGE_WINDOW
    {
        return Err(ApiError::invalid_parameter(
            "page",
            format!(
                "page mode serves the first {MAX_PAGE_WINDOW} matches only (page × page size); \
                 page through deeper results with the after cursor"
            ),
        ));
    }
    req.after = paging.after.map(|(_, cursor)| cursor);
    req.before = paging.before.map(|(_, cursor)| cursor);
    req.metadata_filter = metadata_param.is_some();
    Ok(ListUsersQuery { request: req, metadata_param })
}
