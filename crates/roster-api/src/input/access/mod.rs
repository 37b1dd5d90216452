//! Bodies of roles, role assignments, sessions, grants, providers and
//! sign-ins.
//!
//! What needs more than one field or the clock (one of `role_id` and
//! `role_identifier`, required fields, how many scopes, an expiry in the
//! future) is the domain's: these bodies hold each field to its own rule.

use roster_domain::Timestamp;

use super::field::{NullUnsaid, Nullable};

const NOT_AN_OBJECT: (Option<&str>, &str) = (Some("body"), "body must be a JSON object");

macro_rules! request_body {
    ($name:ident [$($field:expr),*]) => {
        impl $crate::input::RequestBody for $name {
            const FIELDS: &'static [&'static str] = &[$($field),*];
            const NOT_AN_OBJECT: (Option<&'static str>, &'static str) = $crate::input::access::NOT_AN_OBJECT;
        }
    };
}

/// A create body and its merge patch: the same fields into the same
/// domain `…Fields`, documented apart (what a create requires and
/// defaults).
macro_rules! create_and_update {
    (
        $(#[$create_meta:meta])* $create:ident,
        $(#[$update_meta:meta])* $update:ident,
        into $fields:ident {
            $($field:ident: $ty:ty = [$($create_schema:tt)*] [$($update_schema:tt)*]),* $(,)?
        }
    ) => {
        create_and_update!(@one $(#[$create_meta])* $create into $fields {
            $($field: $ty = [$($create_schema)*]),*
        });
        create_and_update!(@one $(#[$update_meta])* $update into $fields {
            $($field: $ty = [$($update_schema)*]),*
        });
    };
    (@one $(#[$meta:meta])* $name:ident into $fields:ident {
        $($field:ident: $ty:ty = [$($schema:tt)*]),*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Default, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                #[serde(default)]
                #[schema($($schema)*)]
                pub $field: $ty,
            )*
        }

        request_body!($name [$(stringify!($field)),*]);

        impl From<$name> for $fields {
            fn from(b: $name) -> Self {
                $fields { $($field: b.$field.into_option()),* }
            }
        }
    };
}

// After the macros, which the bodies use.
mod providers;
mod roles;
mod sessions;
#[cfg(test)]
mod tests;

pub use providers::{CreateProvider, CreateSignIn, UpdateProvider};
pub use roles::{AssignmentScope, CreateRole, CreateRoleAssignment, UpdateRole};
pub use sessions::{CreateGrant, CreateSession};

/// An expiry: null is none, and a wrong type is told `must be an RFC 3339
/// date-time`, as it always was.
type Expiry = Nullable<NullUnsaid<Timestamp>>;

fn expiry(at: Expiry) -> Option<Timestamp> {
    at.into_option().flatten().map(|t| t.0)
}
