//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions in PostgreSQL: one module each, and what they share.
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
mod providers;
mod roles;
mod sessions;
mod sign_in;

pub use expand::expand_users;
pub use providers::*;
pub use roles::*;
pub use sessions::*;
pub use sign_in::sign_in;

use roster_domain::{UserId, UserStatus};
use roster_store::{StoreError, StoreResult, ZoneKey};

use crate::db::{self, Exec};
use crate::error::{decode, foreign_key_violation, from_pg, unique_violation};
use crate::row::get;
use crate::types::id;

/// How `locate_user` locks the row it finds.
#[derive(Clone, Copy)]
enum Lock {
    None,
    /// Against a concurrent disabling (grants).
    Share,
    /// The row is about to be updated (sessions move `authenticated_at`).
    NoKeyUpdate,
}

/// The status of the user, if it lives in the zone.
async fn locate_user<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    lock: Lock,
) -> StoreResult<UserStatus> {
    let sql = match lock {
        Lock::None => "SELECT status FROM users WHERE id = $1 AND zone = $2",
        Lock::Share => "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR SHARE",
        Lock::NoKeyUpdate => {
            "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR NO KEY UPDATE"
        }
    };
    let row = db::query_opt(c, sql, &[&id(user.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    let status: String = get(&row, 0)?;
    UserStatus::parse(&status).ok_or_else(|| decode("status", &status))
}

/// A unique violation of `constraint` is an identifier clash; a missing zone
/// (deleted after its key was cached) is `NotFound`.
fn identifier_conflict(
    constraint: &'static str,
    zone_fkey: &'static str,
) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| {
        if unique_violation(&e).as_deref() == Some(constraint) {
            return StoreError::Conflict { field: "identifier" };
        }
        if foreign_key_violation(&e).as_deref() == Some(zone_fkey) {
            return StoreError::NotFound;
        }
        from_pg(e)
    }
}

fn found(n: u64) -> StoreResult<()> {
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
