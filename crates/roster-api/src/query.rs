//! Query strings: strict decoding and the user-list parameters.
//!
//! Every parameter keeps the spelling the client used, so an error names
//! exactly what was sent (`filter[status]`, not `status`). Unknown
//! parameters are refused rather than silently ignored: a typo in a filter
//! must not return the whole zone.

use percent_encoding::percent_decode;
use serde_json::Value;

use roster_domain::query::{
    AttributeFilter, MAX_ATTRIBUTE_FILTERS, MAX_PAGE_WINDOW, MAX_SEARCH_TERMS,
};
use roster_domain::text::fold;
use roster_domain::{Direction, Sort, SortField, SortKey, Timestamp, UserId, UserStatus, UserType};
use roster_service::tenancy::IdPageRequest;
use roster_service::users::{Expand, ListUsersRequest, MAX_SEARCH_TERM};

use crate::problem::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;
pub const MAX_PAGE_SIZE: usize = 100;
pub const MAX_IDS: usize = 100;

/// Decoded `(name, value)` pairs in order. Invalid percent-encoding or UTF-8
/// is an error, not a replacement character.
pub fn decode_pairs(raw: Option<&str>) -> ApiResult<Vec<(String, String)>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let decode = |s: &str| -> ApiResult<String> {
        let plus = s.replace('+', " ");
        percent_decode(plus.as_bytes())
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| ApiError::invalid_parameter(s, "query parameters must be valid UTF-8"))
    };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (decode(k)?, decode(v)?);
            // No stored value holds U+0000 and PostgreSQL cannot take it in
            // a statement: refuse it here, once, for every parameter.
            if name.contains('\0') || value.contains('\0') {
                let param = if name.contains('\0') { k.to_owned() } else { name };
                return Err(ApiError::invalid_parameter(
                    param,
                    "query parameters must not contain NUL characters",
                ));
            }
            Ok((name, value))
        })
        .collect()
}

fn parse_int(param: &str, value: &str, min: u64, max: u64) -> ApiResult<u64> {
    let n: u64 = value.trim().parse().map_err(|_| {
        ApiError::invalid_parameter(
            param,
            format!("{param} must be an integer from {min} to {max}"),
        )
    })?;
    if n < min || n > max {
        return Err(ApiError::invalid_parameter(
            param,
            format!("{param} must be an integer from {min} to {max}"),
        ));
    }
    Ok(n)
}

fn parse_time(param: &str, value: &str) -> ApiResult<Timestamp> {
    Timestamp::parse_rfc3339(value).ok_or_else(|| {
        ApiError::invalid_parameter(param, format!("{param} must be an RFC 3339 date-time"))
    })
}

fn comma_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

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

/// Page parameters shared by every list.
#[derive(Default)]
struct Paging {
    limit: Option<(String, u64)>,
    page_size: Option<(String, u64)>,
    page: Option<(String, u64)>,
    after: Option<(String, String)>,
    before: Option<(String, String)>,
}

impl Paging {
    /// Takes the parameter if it is a paging one.
    fn take(&mut self, name: &str, value: &str) -> ApiResult<bool> {
        let once = |slot: bool| {
            if slot {
                Err(ApiError::invalid_parameter(name, format!("{name} is given more than once")))
            } else {
                Ok(())
            }
        };
        match name {
            "limit" => {
                once(self.limit.is_some())?;
                self.limit = Some((name.into(), parse_int(name, value, 1, MAX_LIMIT as u64)?));
            }
            "page_size" => {
                once(self.page_size.is_some())?;
                self.page_size =
                    Some((name.into(), parse_int(name, value, 1, MAX_PAGE_SIZE as u64)?));
            }
            "page" => {
                once(self.page.is_some())?;
                self.page = Some((name.into(), parse_int(name, value, 1, u64::MAX)?));
            }
            "after" | "before" => {
                let slot = if name == "after" { &mut self.after } else { &mut self.before };
                once(slot.is_some())?;
                *slot = Some((name.into(), value.to_owned()));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks the combinations and settles the size.
    fn finish(&self) -> ApiResult<usize> {
        if let (Some(_), Some(_)) = (&self.after, &self.before) {
            return Err(ApiError::invalid_parameter(
                "before",
                "after and before cannot be combined",
            ));
        }
        let page_param = self.page.as_ref().or(self.page_size.as_ref()).map(|(n, _)| n.clone());
        if let Some(name) = page_param
            && (self.after.is_some() || self.before.is_some())
        {
            return Err(ApiError::invalid_parameter(
                name,
                "page cannot be combined with after or before",
            ));
        }
        if let (Some(_), Some(_)) = (&self.limit, &self.page_size) {
            return Err(ApiError::invalid_parameter(
                "page_size",
                "page_size and limit cannot be combined",
            ));
        }
        let size = self
            .page_size
            .as_ref()
            .or(self.limit.as_ref())
            .map(|(_, n)| *n as usize)
            .unwrap_or(DEFAULT_LIMIT);
        Ok(size)
    }

    /// Page mode: `page`, or `page_size` alone (meaning page 1).
    fn page(&self) -> Option<u64> {
        match (&self.page, &self.page_size) {
            (Some((_, p)), _) => Some(*p),
            (None, Some(_)) => Some(1),
            (None, None) => None,
        }
    }
}

/// Parses `GET /users` parameters.
pub fn parse_list_users(raw: Option<&str>) -> ApiResult<ListUsersRequest> {
    let mut req = ListUsersRequest::default();
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
                req.metadata_params.push(param.to_owned());
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
            "user_type" => {
                for t in comma_list(&value) {
                    let parsed = UserType::parse(t).ok_or_else(|| {
                        ApiError::invalid_parameter(
                            param,
                            format!("{t:?} is not one of {}", UserType::allowed()),
                        )
                    })?;
                    if !req.filter.user_types.contains(&parsed) {
                        req.filter.user_types.push(parsed);
                    }
                }
            }
            "status" => {
                for s in comma_list(&value) {
                    let parsed = UserStatus::parse(s).ok_or_else(|| {
                        ApiError::invalid_parameter(
                            param,
                            format!("{s:?} is not one of {}", UserStatus::allowed()),
                        )
                    })?;
                    if !req.filter.statuses.contains(&parsed) {
                        req.filter.statuses.push(parsed);
                    }
                }
            }
            "created_by" | "updated_by" => {
                once(param)?;
                req.metadata_params.push(param.to_owned());
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
                req.role = Some((name.clone(), value.clone()));
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
    req.after = paging.after;
    req.before = paging.before;
    Ok(req)
}

/// Parses the parameters of an id-ordered list (zones, keys).
pub fn parse_id_page(raw: Option<&str>) -> ApiResult<IdPageRequest> {
    let mut paging = Paging::default();
    for (name, value) in decode_pairs(raw)? {
        if matches!(name.as_str(), "page" | "page_size") || !paging.take(&name, &value)? {
            return Err(ApiError::invalid_parameter(
                name.clone(),
                format!("{name} is not a parameter of this list; use limit, after and before"),
            ));
        }
    }
    let limit = paging.finish()?;
    Ok(IdPageRequest { after: paging.after, before: paging.before, limit })
}

fn parse_expand(param: &str, value: &str, expand: &mut Expand) -> ApiResult<()> {
    for item in comma_list(value) {
        match item {
            "role_assignments" | "role-assignments" => expand.role_assignments = true,
            "grant_count" => expand.grant_count = true,
            "session_count" => expand.session_count = true,
            other => {
                return Err(ApiError::invalid_parameter(
                    param,
                    format!(
                        "{other:?} cannot be expanded; use role_assignments, grant_count or session_count"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Endpoints that take no query parameters refuse any, like lists refuse
/// unknown ones: a `?dry_run=true` must not be silently ignored by a write.
pub fn no_parameters(raw: Option<&str>) -> ApiResult<()> {
    match decode_pairs(raw)?.into_iter().next() {
        Some((name, _)) => Err(ApiError::invalid_parameter(
            name.clone(),
            format!("{name} is not a parameter of this endpoint"),
        )),
        None => Ok(()),
    }
}

/// `expand` on a single user; nothing else is a parameter there.
pub fn parse_expand_only(raw: Option<&str>) -> ApiResult<Expand> {
    let mut expand = Expand::default();
    for (name, value) in decode_pairs(raw)? {
        match name.as_str() {
            "expand" | "expand[]" => parse_expand(&name, &value, &mut expand)?,
            _ => {
                return Err(ApiError::invalid_parameter(
                    name.clone(),
                    format!("{name} is not a parameter here; only expand[] is"),
                ));
            }
        }
    }
    Ok(expand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keycard_spellings_mean_the_same_filters() {
        let a =
            parse_list_users(Some("filter[status]=active,risky&query[]=ja&sort=-created_at,email"))
                .unwrap();
        assert_eq!(a.filter.statuses, vec![UserStatus::Active, UserStatus::Risky]);
        assert_eq!(a.search, vec!["ja"]);
        let keys = a.sort.unwrap().keys;
        assert_eq!(keys[0], SortKey { field: SortField::CreatedAt, direction: Direction::Desc });
        assert_eq!(keys[1], SortKey { field: SortField::Email, direction: Direction::Asc });
    }

    #[test]
    fn bad_values_name_the_parameter_as_spelled() {
        for (q, param) in [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("page=1&page_size=101", "page_size"),
            ("sort_by=password", "sort_by"),
            ("created_at_from=yesterday", "created_at_from"),
            ("filter[status]=gone", "filter[status]"),
            ("after=a&before=b", "before"),
            ("page=2&after=x", "page"),
            ("page_size=10&limit=10", "page_size"),
            ("sort=email&sort_by=name", "sort"),
            ("expand[]=secrets", "expand[]"),
            ("colour=red", "colour"),
            ("limit=1&limit=2", "limit"),
        ] {
            let e = parse_list_users(Some(q)).unwrap_err();
            assert_eq!(e.problem().param.as_deref(), Some(param), "{q}");
        }
    }

    #[test]
    fn attribute_values_read_as_json_scalars_else_strings() {
        assert_eq!(attribute_value("3"), serde_json::json!(3));
        assert_eq!(attribute_value("\"3\""), serde_json::json!("3"));
        assert_eq!(attribute_value("true"), serde_json::json!(true));
        assert_eq!(attribute_value("gold"), serde_json::json!("gold"));
        assert_eq!(attribute_value("[1]"), serde_json::json!("[1]"));
    }

    #[test]
    fn invalid_utf8_in_a_query_is_refused() {
        assert!(decode_pairs(Some("search=%FF%FE")).is_err());
        assert_eq!(decode_pairs(Some("q=a+b%20c")).unwrap(), vec![("q".into(), "a b c".into())]);
    }
}
