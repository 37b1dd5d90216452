//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions in PostgreSQL: one module each. What they need of users
//! (`locate_user`) is in `users`; `providers` is named by `users` too,
//! which checks a user's provider.
//!
//! The answers are the SQLite backend's (`roster-store-sqlite/src/access/`).
//! What PostgreSQL adds is concurrency between nodes, handled with row locks
//! rather than a single writer:
//!
//! - a session or grant is recorded under a lock on its user's row, and
//!   disabling a user (`users::update_user`) locks that row too, so no
//!   session or grant made concurrently survives the revocation;
//! - a user's `provider_id` is checked under `FOR KEY SHARE` on the
//!   provider, and `delete_provider` unlinks users in a statement that runs
//!   after its delete got the provider's lock, so it sees every user linked
//!   while it waited; locks go users first, then providers, everywhere;
//! - two first sign-ins of one subject serialize on an advisory lock of
//!   (zone, issuer, subject): the loser waits for the winner's commit and
//!   finds the winner's user (see `sign_in`).

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
