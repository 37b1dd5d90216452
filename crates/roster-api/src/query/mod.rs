//! Query strings, read into typed structs: each endpoint's parameters are a
//! struct whose fields are the parameters (typed, in domain terms) and whose
//! `IntoParams` derive is their OpenAPI description. `Params<T>` is the
//! extractor that fills one.
//!
//! Every parameter keeps the spelling the client used, so an error names
//! exactly what was sent (`filter[status]`, not `status`). Unknown
//! parameters are refused rather than silently ignored: a typo in a filter
//! must not return the whole zone.

use axum::extract::FromRequestParts;
use http::request::Parts;
use percent_encoding::percent_decode;
use utoipa::IntoParams;

use roster_domain::Timestamp;
use roster_service::tenancy::IdPageRequest;

use crate::problem::{ApiError, ApiResult};

mod events;
mod expand;
mod users;
mod values;

pub use events::{EventParams, EventTypeList};
pub use expand::{ExpandList, ExpandParams};
pub use users::{ListUsersParams, ListUsersQuery, attribute_value};
pub use values::{SearchTerm, SortBy, SortOrder};

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;
pub const MAX_PAGE_SIZE: usize = 100;
pub const MAX_IDS: usize = 100;

/// An endpoint's query parameters.
pub trait QueryParams: Default {
    /// What the endpoint receives once the parameters are read and checked
    /// together.
    type Output;
    /// Reads one parameter into its field; `Ok(false)` when `name` is not a
    /// parameter of this endpoint.
    fn take(&mut self, name: &str, value: String) -> ApiResult<bool>;
    /// What a parameter that is not one of this endpoint's is told.
    fn unknown(name: &str) -> String;
    /// Checks how the parameters combine.
    fn finish(self) -> ApiResult<Self::Output>;
}

/// Reads a query string into `T`.
pub fn read<T: QueryParams>(raw: Option<&str>) -> ApiResult<T::Output> {
    let mut params = T::default();
    for (name, value) in decode_pairs(raw)? {
        if !params.take(&name, value)? {
            return Err(ApiError::invalid_parameter(name.clone(), T::unknown(&name)));
        }
    }
    params.finish()
}

/// The extractor: the query string read into `T`, or a 400 naming the first
/// parameter at fault.
pub struct Params<T: QueryParams>(pub T::Output);

impl<S: Send + Sync, T: QueryParams> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        read::<T>(parts.uri.query()).map(Params)
    }
}

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

/// Refuses a second value for a parameter that takes one.
fn unset<T>(slot: &Option<T>, name: &str) -> ApiResult<()> {
    match slot {
        Some(_) => {
            Err(ApiError::invalid_parameter(name, format!("{name} is given more than once")))
        }
        None => Ok(()),
    }
}

/// Reads `after`, `before` or `limit`, the paging parameters every list
/// takes; `Ok(false)` for any other name.
fn take_cursor_page(
    name: &str,
    value: String,
    after: &mut Option<String>,
    before: &mut Option<String>,
    limit: &mut Option<u64>,
) -> ApiResult<bool> {
    match name {
        "limit" => {
            unset(limit, name)?;
            *limit = Some(parse_int(name, &value, 1, MAX_LIMIT as u64)?);
        }
        "after" | "before" => {
            let slot = if name == "after" { after } else { before };
            unset(slot, name)?;
            *slot = Some(value);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Checks how the paging parameters every list shares combine, and settles
/// the page size. `page_mode` names the page-mode parameter given, if any.
fn settle_page(
    after: Option<&String>,
    before: Option<&String>,
    page_mode: Option<&str>,
    limit: Option<u64>,
    page_size: Option<u64>,
) -> ApiResult<usize> {
    if after.is_some() && before.is_some() {
        return Err(ApiError::invalid_parameter("before", "after and before cannot be combined"));
    }
    if let Some(name) = page_mode
        && (after.is_some() || before.is_some())
    {
        return Err(ApiError::invalid_parameter(
            name,
            "page cannot be combined with after or before",
        ));
    }
    if limit.is_some() && page_size.is_some() {
        return Err(ApiError::invalid_parameter(
            "page_size",
            "page_size and limit cannot be combined",
        ));
    }
    Ok(page_size.or(limit).map_or(DEFAULT_LIMIT, |n| n as usize))
}

/// The parameters of an id-ordered list (zones, keys, roles, sessions, …).
#[derive(Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdPageParams {
    after: Option<String>,
    before: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

impl QueryParams for IdPageParams {
    type Output = IdPageRequest;

    fn take(&mut self, name: &str, value: String) -> ApiResult<bool> {
        take_cursor_page(name, value, &mut self.after, &mut self.before, &mut self.limit)
    }

    fn unknown(name: &str) -> String {
        format!("{name} is not a parameter of this list; use limit, after and before")
    }

    fn finish(self) -> ApiResult<IdPageRequest> {
        let limit = settle_page(self.after.as_ref(), self.before.as_ref(), None, self.limit, None)?;
        Ok(IdPageRequest { after: self.after, before: self.before, limit })
    }
}

/// Endpoints that take no query parameters refuse any, like lists refuse
/// unknown ones: a `?dry_run=true` must not be silently ignored by a write.
#[derive(Default)]
pub struct NoParams;

impl QueryParams for NoParams {
    type Output = ();

    fn take(&mut self, _name: &str, _value: String) -> ApiResult<bool> {
        Ok(false)
    }

    fn unknown(name: &str) -> String {
        format!("{name} is not a parameter of this endpoint")
    }

    fn finish(self) -> ApiResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use roster_domain::{Direction, SortField, SortKey, UserStatus};

    use super::*;

    #[test]
    fn the_first_metadata_filter_is_named_as_spelled() {
        let q = read::<ListUsersParams>(Some(
            "status=active&filter[created_by]=key_a&updated_by=key_b",
        ))
        .unwrap();
        assert_eq!(q.metadata_param.as_deref(), Some("filter[created_by]"));
        assert!(q.request.metadata_filter);
        let q = read::<ListUsersParams>(Some("status=active")).unwrap();
        assert_eq!(q.metadata_param, None);
        assert!(!q.request.metadata_filter);
    }

    #[test]
    fn keycard_spellings_mean_the_same_filters() {
        let a = read::<ListUsersParams>(Some(
            "filter[status]=active,risky&query[]=ja&sort=-created_at,email",
        ))
        .unwrap()
        .request;
        assert_eq!(a.filter.statuses, vec![UserStatus::Active, UserStatus::Risky]);
        assert_eq!(a.search, vec!["ja"]);
        let keys = a.sort.unwrap().keys;
        assert_eq!(keys[0], SortKey { field: SortField::CreatedAt, direction: Direction::Desc });
        assert_eq!(keys[1], SortKey { field: SortField::Email, direction: Direction::Asc });
    }

    #[test]
    fn search_terms_come_in_spelling_order_search_then_q_then_query() {
        let q = read::<ListUsersParams>(Some("query[]=a&q=b&search=c&query=d&filter[search]=e"))
            .unwrap();
        assert_eq!(q.request.search, vec!["c", "e", "b", "a", "d"]);
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
            let e = read::<ListUsersParams>(Some(q)).unwrap_err();
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

    /// The OpenAPI description of each parameter struct is its derive: every
    /// parameter it documents must be one its parser reads.
    #[test]
    fn every_documented_parameter_is_read_by_its_struct() {
        fn check<T: QueryParams + IntoParams>() -> usize {
            let names: Vec<String> = T::into_params(|| None).into_iter().map(|p| p.name).collect();
            for name in &names {
                let name = name.replace("<key>", "tier");
                let taken = T::default().take(&name, String::new());
                assert!(!matches!(taken, Ok(false)), "{name} is documented but not read");
            }
            names.len()
        }
        assert_eq!(check::<ListUsersParams>(), 27);
        assert_eq!(check::<IdPageParams>(), 3);
        assert_eq!(check::<ExpandParams>(), 1);
        assert_eq!(check::<EventParams>(), 5);
    }

    #[test]
    fn the_feeds_user_id_is_a_user_id_given_once() {
        let id = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV";
        let q = read::<EventParams>(Some(&format!("user_id={}", id.to_ascii_lowercase()))).unwrap();
        assert_eq!(q.user.map(|u| u.to_string()).as_deref(), Some(id));
        for bad in [
            "user_id=zone_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "user_id=",
            "user_id=%20user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "user_id=user_81ARZ3NDEKTSV4RRFFQ69G5FAV",
        ] {
            let e = read::<EventParams>(Some(bad)).unwrap_err();
            assert_eq!(e.problem().param.as_deref(), Some("user_id"), "{bad}");
        }
        let twice = format!("user_id={id}&user_id={id}");
        let e = read::<EventParams>(Some(&twice)).unwrap_err();
        assert_eq!(e.problem().param.as_deref(), Some("user_id"));
    }

    #[test]
    fn invalid_utf8_in_a_query_is_refused() {
        assert!(decode_pairs(Some("search=%FF%FE")).is_err());
        assert_eq!(decode_pairs(Some("q=a+b%20c")).unwrap(), vec![("q".into(), "a b c".into())]);
    }
}
