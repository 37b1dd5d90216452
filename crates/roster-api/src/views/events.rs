//! Events as the feed (and, later, webhooks) deliver them: the envelope,
//! and the object rendered with the same view as `GET` under the reader's
//! metadata rule, as of the moment of the change.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::Timestamp;
use roster_domain::events::{Event, Snapshot};
use roster_service::events::EventFeed;

use super::{
    GrantView, ProviderView, RoleAssignmentView, RoleView, SessionView, UserView, ZoneView,
};

/// Who made a change.
#[derive(Serialize, ToSchema)]
#[schema(as = EventActor)]
pub struct ActorView<'a> {
    /// `api_key`, `user` (a sign-in) or `system`.
    #[serde(rename = "type")]
    #[schema(example = "api_key")]
    pub kind: &'static str,
    /// The key's or user's id; null for `system`.
    #[schema(value_type = Option<String>, example = "key_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: Option<&'a str>,
}

/// The changed object, as `GET` returns it (after the change; before it,
/// for a deletion).
#[derive(Serialize)]
#[serde(untagged)]
pub enum ObjectView<'a> {
    User(UserView<'a>),
    Role(RoleView),
    RoleAssignment(RoleAssignmentView),
    Session(SessionView),
    Grant(GrantView),
    Provider(ProviderView),
    Zone(ZoneView<'a>),
}

/// `anyOf` the object schemas, not `oneOf`: the schemas do not forbid
/// other properties, so a zone is also a valid role, and "exactly one"
/// would refuse it. The event's `type` says which it is.
impl PartialSchema for ObjectView<'_> {
    fn schema() -> RefOr<Schema> {
        let mut any = AnyOfBuilder::new().description(Some(
            "The object of the event's resource (`user.*`: a User, `zone.*`: a Zone, …).",
        ));
        for name in ["User", "Role", "RoleAssignment", "Session", "Grant", "Provider", "Zone"] {
            any = any.item(Ref::from_schema_name(name));
        }
        any.into()
    }
}

impl ToSchema for ObjectView<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventObject")
    }
}

impl<'a> ObjectView<'a> {
    fn new(object: &'a Snapshot, metadata: bool, at: Timestamp) -> Self {
        match object {
            Snapshot::User(u) => ObjectView::User(UserView::new(u, metadata)),
            Snapshot::Role(r) => ObjectView::Role(RoleView::new(r)),
            Snapshot::RoleAssignment(a) => {
                ObjectView::RoleAssignment(RoleAssignmentView::new(a, metadata))
            }
            Snapshot::Session(s) => ObjectView::Session(SessionView::new(s, metadata, at)),
            Snapshot::Grant(g) => ObjectView::Grant(GrantView::new(g, metadata, at)),
            Snapshot::Provider(p) => ObjectView::Provider(ProviderView::new(p)),
            Snapshot::Zone(z) => ObjectView::Zone(ZoneView::new(z)),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = EventData)]
pub struct EventDataView<'a> {
    pub object: ObjectView<'a>,
    /// The fields a `*.updated` event changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>, example = json!(["email"]))]
    pub changed_fields: Option<&'a [String]>,
}

/// A change, recorded in the transaction that made it.
#[derive(Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventView<'a> {
    #[schema(example = "evt_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    /// `<resource>.<what happened>`, e.g. `user.created`.
    #[serde(rename = "type")]
    #[schema(example = "user.created")]
    pub kind: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: Timestamp,
    pub organization_id: String,
    /// The zone of the change; for `zone.*`, the zone itself.
    pub zone_id: String,
    pub actor: ActorView<'a>,
    pub data: EventDataView<'a>,
}

impl<'a> EventView<'a> {
    pub fn new(e: &'a Event, metadata: bool) -> Self {
        Self {
            id: e.id.to_string(),
            kind: e.kind.as_str(),
            occurred_at: e.occurred_at,
            organization_id: e.organization_id.to_string(),
            zone_id: e.zone.to_string(),
            actor: ActorView { kind: e.actor.kind(), id: e.actor.id() },
            data: EventDataView {
                object: ObjectView::new(&e.object, metadata, e.occurred_at),
                changed_fields: e.changed_fields.as_deref(),
            },
        }
    }
}

/// Where a feed page stands. The feed only moves forwards.
#[derive(Serialize, ToSchema)]
#[schema(as = EventPageInfo)]
pub struct EventPageInfo {
    /// More events are stored beyond `end_cursor` (for this filter, or not
    /// yet looked at). When false, poll again later from `end_cursor`.
    pub has_next_page: bool,
    /// Always false: the feed is read forwards.
    pub has_previous_page: bool,
    /// The cursor this page started after, if any.
    pub start_cursor: Option<String>,
    /// Where the next page starts: pass it as `after`. It moves past the
    /// events a filter skipped, so it can advance on an empty page. Null
    /// only when the feed is empty and no `after` was given.
    pub end_cursor: Option<String>,
}

/// A page of the change feed, in commit order.
#[derive(Serialize, ToSchema)]
#[schema(as = EventList)]
pub struct EventListView<'a> {
    pub data: Vec<EventView<'a>>,
    pub page_info: EventPageInfo,
}

impl<'a> EventListView<'a> {
    pub fn new(feed: &'a EventFeed, after: Option<&str>, metadata: bool) -> Self {
        Self {
            data: feed.events.iter().map(|e| EventView::new(e, metadata)).collect(),
            page_info: EventPageInfo {
                has_next_page: feed.has_next_page,
                has_previous_page: false,
                start_cursor: after.map(str::to_owned),
                end_cursor: feed.end_cursor.clone(),
            },
        }
    }
}
