//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions in SQLite: one module each. What they need of users
//! (`locate_user`) is in `users`; `providers` is named by `users` too,
//! which checks a user's provider.

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
