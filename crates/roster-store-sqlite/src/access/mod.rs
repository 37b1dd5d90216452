//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions in SQLite: one module each, and what they share.

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

use rusqlite::{Connection, OptionalExtension};

use roster_domain::{UserId, UserStatus};
use roster_store::{StoreError, StoreResult, ZoneKey};

use crate::error::{from_sqlite, violated_unique_index};

/// The user's rowid and status, if it lives in the zone.
pub fn locate_user(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
) -> StoreResult<(i64, UserStatus)> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, status FROM users WHERE id = ?1 AND zone = ?2")
        .map_err(from_sqlite)?;
    let row: Option<(i64, String)> = stmt
        .query_row((user.to_bytes().as_slice(), zone.seq), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(from_sqlite)?;
    let (seq, status) = row.ok_or(StoreError::NotFound)?;
    Ok((seq, UserStatus::parse(&status).unwrap_or_default()))
}

fn identifier_conflict(index: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match violated_unique_index(&e) {
        Some(name) if name == index || name.ends_with(".identifier") => {
            StoreError::Conflict { field: "identifier" }
        }
        _ => from_sqlite(e),
    }
}
