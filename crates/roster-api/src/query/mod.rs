//! Query strings: strict decoding, paging, expand, and (in `users`) the
//! user-list parameters.
//!
//! Every parameter keeps the spelling the client used, so an error names
//! exactly what was sent (`filter[status]`, not `status`). Unknown
//! parameters are refused rather than silently ignored: a typo in a filter
//! must not return the whole zone.

use percent_encoding::percent_decode;

use roster_domain::Timestamp;
use roster_service::tenancy::IdPageRequest;
use roster_service::users::Expand;

use crate::problem::{ApiError, ApiResult};

mod users;

pub use users::{ListUsersQuery, attribute_value, parse_list_users};

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
    let cursor = |slot: Option<(String, String)>| slot.map(|(_, cursor)| cursor);
    Ok(IdPageRequest { after: cursor(paging.after), before: cursor(paging.before), limit })
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
    use roster_domain::{Direction, SortField, SortKey, UserStatus};

    use super::*;

    #[test]
    fn the_first_metadata_filter_is_named_as_spelled() {
        let q = parse_list_users(Some("status=active&filter[created_by]=key_a&updated_by=key_b"))
            .unwrap();
        assert_eq!(q.metadata_param.as_deref(), Some("filter[created_by]"));
        assert!(q.request.metadata_filter);
        let q = parse_list_users(Some("status=active")).unwrap();
        assert_eq!(q.metadata_param, None);
        assert!(!q.request.metadata_filter);
    }

    #[test]
    fn keycard_spellings_mean_the_same_filters() {
        let a =
            parse_list_users(Some("filter[status]=active,risky&query[]=ja&sort=-created_at,email"))
                .unwrap()
                .request;
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
