//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions in SQLite: one module each, and what they share.

mod expand;
pub mod providers;
mod roles;
mod sessions;
mod sign_in;

pub use expand::expand_users;
pub use providers::*;
pub use roles::*;
pub use sessions::*;
pub use sign_in::sign_in;
