//! The JSON shapes of the API's responses. They borrow from domain values
//! and serialize straight into the response. (Request bodies, typed and
//! their own schemas, are in `input`.)

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use roster_service::tenancy::IdPage;

mod access;
mod events;
mod tenancy;
mod users;
mod webhooks;

pub use access::*;
pub use events::*;
pub use tenancy::*;
pub use users::*;
pub use webhooks::*;

#[derive(Serialize, ToSchema)]
pub struct PageInfo {
    /// When paginating forwards, are there more items?
    pub has_next_page: bool,
    /// When paginating backwards, are there more items?
    pub has_previous_page: bool,
    /// Cursor of the first item of the page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// An item of an id-ordered list, which names the list's schema.
pub trait Listed: ToSchema {
    /// The list's schema name (`RoleList`).
    const LIST: &'static str;
    /// The list's description (`A page of roles.`).
    const PAGE_OF: &'static str;
}

/// A page of any id-ordered list (zones, keys, roles, sessions, …). Its
/// schema is written once for every item type; its name and description
/// come from the item's `Listed`.
#[derive(Serialize)]
pub struct ListView<T> {
    pub data: Vec<T>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

impl<T> ListView<T> {
    pub fn new<'a, S>(page: &'a IdPage<S>, view: impl Fn(&'a S) -> T) -> Self {
        Self {
            data: page.items.iter().map(view).collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                start_cursor: page.start_cursor.clone(),
                end_cursor: page.end_cursor.clone(),
            },
            total_count: page.total_count,
        }
    }
}

impl<T: Listed> PartialSchema for ListView<T> {
    fn schema() -> RefOr<Schema> {
        let count = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0));
        ObjectBuilder::new()
            .description(Some(T::PAGE_OF))
            .property("data", ArrayBuilder::new().items(Ref::from_schema_name(T::name())))
            .required("data")
            .property("page_info", Ref::from_schema_name(PageInfo::name()))
            .required("page_info")
            .property("total_count", count)
            .required("total_count")
            .into()
    }
}

impl<T: Listed> ToSchema for ListView<T> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(T::LIST)
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
        schemas.push((PageInfo::name().into_owned(), PageInfo::schema()));
    }
}

/// Names the list of each item type. The alias is the same type under the
/// list's name, which is how the OpenAPI attributes refer to it.
macro_rules! listed {
    ($($list:ident = $item:ty, $doc:literal;)*) => {
        $(
            impl Listed for $item {
                const LIST: &'static str = stringify!($list);
                const PAGE_OF: &'static str = $doc;
            }

            #[doc = $doc]
            pub type $list = ListView<$item>;
        )*
    };
}

listed! {
    ZoneList = ZoneView<'static>, "A page of zones.";
    ApiKeyList = ApiKeyView, "A page of API keys (without secrets).";
    RoleList = RoleView, "A page of roles.";
    RoleAssignmentList = RoleAssignmentView, "A page of role assignments.";
    SessionList = SessionView, "A page of sessions.";
    GrantList = GrantView, "A page of grants.";
    ProviderList = ProviderView, "A page of identity providers.";
    WebhookEndpointList = WebhookEndpointView, "A page of webhook endpoints (without secrets).";
    WebhookDeliveryList = DeliveryView, "A page of delivery attempts, oldest first.";
}
