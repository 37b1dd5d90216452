//! The typed values of list parameters that have a schema of their own.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::{Direction, SortField};
use roster_service::users::MAX_SEARCH_TERM;

use crate::problem::{ApiError, ApiResult};

/// The pattern of a search term: no control characters.
const SEARCH_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// One search term: no control characters, at most 256 characters.
pub struct SearchTerm(String);

impl SearchTerm {
    pub fn read(param: &str, value: String) -> ApiResult<Self> {
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
        Ok(Self(value))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl PartialSchema for SearchTerm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("One search term: no control characters, at most 256 characters."))
            .max_length(Some(MAX_SEARCH_TERM))
            .pattern(Some(SEARCH_PATTERN))
            .into()
    }
}

impl ToSchema for SearchTerm {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SearchTerm")
    }
}

/// A parameter value that is one of a domain enumeration's spellings; its
/// schema lists them from the enumeration itself.
macro_rules! one_of {
    ($name:ident, $domain:ty, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub $domain);

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let names = <$domain>::ALL.iter().map(|v| v.as_str());
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

one_of!(SortBy, SortField, "A `sort_by` value: one of the domain's sort fields.");
one_of!(SortOrder, Direction, "A `sort_order` value.");
