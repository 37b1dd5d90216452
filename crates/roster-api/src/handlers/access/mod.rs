//! Roles, role assignments, sessions, grants, providers and sign-ins.
//!
//! Every operation exists twice: on the key's default zone (`/v1/roles`,
//! `/v1/users/{id}/sessions`) and on a named zone (`/v1/zones/{zone}/…`);
//! `zoned!` declares both around one handler.

mod providers;
mod roles;
mod sessions;

pub use providers::*;
pub use roles::*;
pub use sessions::*;
