//! The JSON shapes of the API's responses. They borrow from domain values
//! and serialize straight into the response. (Request bodies, typed and
//! their own schemas, are in `input`.)

use serde::Serialize;
use utoipa::ToSchema;

use roster_service::tenancy::IdPage;

/// The schema of a page of `$item`s (the page itself is a `ListView`).
macro_rules! list_doc {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            data: Vec<$item>,
            page_info: PageInfo,
            total_count: u64,
        }
    };
}

mod access;
mod tenancy;
mod users;

pub use access::*;
pub use tenancy::*;
pub use users::*;

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

/// A page of any id-ordered list (zones, API keys).
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
