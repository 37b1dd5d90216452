//! `expand[]`: what a user read adds beside the user.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use roster_service::users::Expand;

use super::{QueryParams, comma_list};
use crate::problem::{ApiError, ApiResult};

/// One `expand[]` value: a comma list of expansions.
pub struct ExpandList;

impl ExpandList {
    const SPELLINGS: &'static [&'static str] =
        &["role_assignments", "role-assignments", "grant_count", "session_count"];

    /// Adds the expansions `value` lists to `expand`, naming `param` when
    /// one is not known.
    pub fn read(param: &str, value: &str, expand: &mut Expand) -> ApiResult<()> {
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
}

impl PartialSchema for ExpandList {
    fn schema() -> RefOr<Schema> {
        let one = format!("(?:{})", Self::SPELLINGS.join("|"));
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A comma list of expansions."))
            .pattern(Some(format!(r"^\s*(?:{one}\s*)?(?:,\s*(?:{one}\s*)?)*$")))
            .into()
    }
}

impl ToSchema for ExpandList {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ExpandList")
    }
}

/// `expand[]` on a single user; nothing else is a parameter there.
#[derive(Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpandParams {
    /// role_assignments, grant_count, session_count
    #[param(rename = "expand[]", value_type = Option<Vec<ExpandList>>)]
    expand: Expand,
}

impl QueryParams for ExpandParams {
    type Output = Expand;

    fn take(&mut self, name: &str, value: String) -> ApiResult<bool> {
        match name {
            "expand" | "expand[]" => ExpandList::read(name, &value, &mut self.expand)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn unknown(name: &str) -> String {
        format!("{name} is not a parameter here; only expand[] is")
    }

    fn finish(self) -> ApiResult<Expand> {
        Ok(self.expand)
    }
}
