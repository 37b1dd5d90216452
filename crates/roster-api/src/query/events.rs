//! The change feed's parameters.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use roster_domain::UserId;
use roster_domain::events::{EventType, TypeFilter};
use roster_service::events::EventFeedRequest;

use super::{DEFAULT_LIMIT, MAX_LIMIT, QueryParams, comma_list, parse_int, unset};
use crate::problem::{ApiError, ApiResult};

/// A `type` value: a comma list of event types and `<resource>.*` forms.
pub struct EventTypeList;

impl PartialSchema for EventTypeList {
    fn schema() -> RefOr<Schema> {
        let mut spellings: Vec<String> =
            EventType::ALL.iter().map(|t| t.as_str().replace('.', r"\.")).collect();
        let mut resources: Vec<&str> = EventType::ALL.iter().map(|t| t.resource()).collect();
        resources.dedup();
        spellings.extend(resources.iter().map(|r| format!(r"{r}\.\*")));
        let one = format!("(?:{})", spellings.join("|"));
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A comma list of event types (`user.created`); `user.*` takes every type of \
                 a resource.",
            ))
            .pattern(Some(format!(r"^\s*(?:{one}\s*)?(?:,\s*(?:{one}\s*)?)*$")))
            .into()
    }
}

impl ToSchema for EventTypeList {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventTypeList")
    }
}

/// The parameters of `GET /v1/events`.
#[derive(Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Events after this cursor (a page's `page_info.end_cursor`); without
    /// it, from the oldest event kept.
    after: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Only events of these types.
    #[param(rename = "type", value_type = Option<EventTypeList>)]
    types: Option<TypeFilter>,
    /// Only events of this zone (id or identifier).
    zone: Option<String>,
    /// Only events about this user (`user_…`): its `user.*` events and
    /// those of its sessions, grants and role assignments. Taken as it is,
    /// so a deleted user's events stay reachable; a user the key may not
    /// see answers as a user without events (an empty page), not 404.
    #[param(value_type = Option<String>, pattern = r"^user_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    user_id: Option<UserId>,
}

impl QueryParams for EventParams {
    type Output = EventFeedRequest;

    fn take(&mut self, name: &str, value: String) -> ApiResult<bool> {
        match name {
            "after" => {
                unset(&self.after, name)?;
                self.after = Some(value);
            }
            "limit" => {
                unset(&self.limit, name)?;
                self.limit = Some(parse_int(name, &value, 1, MAX_LIMIT as u64)?);
            }
            "type" | "type[]" => {
                unset(&self.types, name)?;
                let filter = TypeFilter::parse(comma_list(&value)).map_err(|unknown| {
                    ApiError::invalid_parameter(
                        name,
                        format!(
                            "{:?} is not an event type; use a type such as user.created, or \
                             user.* for every type of a resource",
                            unknown.0
                        ),
                    )
                })?;
                self.types = Some(filter);
            }
            "zone" => {
                unset(&self.zone, name)?;
                self.zone = Some(value);
            }
            "user_id" => {
                unset(&self.user_id, name)?;
                let user = UserId::parse(&value).ok_or_else(|| {
                    ApiError::invalid_parameter(name, format!("{value:?} is not a user id"))
                })?;
                self.user_id = Some(user);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn unknown(name: &str) -> String {
        format!(
            "{name} is not a parameter of the event feed; use after, limit, type, zone and user_id"
        )
    }

    fn finish(self) -> ApiResult<EventFeedRequest> {
        Ok(EventFeedRequest {
            after: self.after,
            limit: self.limit.map_or(DEFAULT_LIMIT, |n| n as usize),
            types: self.types.unwrap_or_default(),
            zone: self.zone,
            user: self.user_id,
        })
    }
}
