//! Turning PostgreSQL and pool errors into `StoreError`s.
//!
//! The line drawn: anything a retry could cure (the server is unreachable,
//! restarting, overloaded, or a statement hit its deadline) is
//! `Unavailable`; anything else that is not a rule of the data is
//! `Internal`. Messages never reach clients (the service logs them), so
//! they carry the server's wording for operators.

use deadpool_postgres::PoolError;
use roster_store::StoreError;
use tokio_postgres::error::{DbError, SqlState};

pub fn from_pg(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        return from_db(db);
    }
    // Not a server error: the connection broke, timed out or never opened.
    // The kinds are private to tokio-postgres; I/O causes and a closed
    // connection are what can be told apart from outside.
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let text = e.to_string();
    if io
        || e.is_closed()
        || text.starts_with("error connecting")
        || text.starts_with("error communicating")
        || text.starts_with("timeout")
    {
        StoreError::Unavailable(text)
    } else {
        StoreError::Internal(text)
    }
}

fn from_db(db: &DbError) -> StoreError {
    let code = db.code();
    let retryable = code.code().starts_with("08") // connection exception
        || *code == SqlState::QUERY_CANCELED // statement_timeout
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::READ_ONLY_SQL_TRANSACTION; // a standby after failover
    let text = format!("{} ({})", db.message(), code.code());
    if retryable { StoreError::Unavailable(text) } else { StoreError::Internal(text) }
}

/// Every failure to obtain a connection means the database cannot be used
/// right now: the pool is exhausted past its wait, or a new connection could
/// not be opened (refused, timed out, authentication, server starting).
pub fn from_pool(e: PoolError) -> StoreError {
    StoreError::Unavailable(format!("no database connection: {e}"))
}

/// The name of the constraint a statement broke, when it broke one of kind
/// `state` (unique or foreign-key violations).
pub fn violated(e: &tokio_postgres::Error, state: &SqlState) -> Option<String> {
    let db = e.as_db_error()?;
    (db.code() == state).then(|| db.constraint().map(str::to_owned)).flatten()
}

pub fn unique_violation(e: &tokio_postgres::Error) -> Option<String> {
    violated(e, &SqlState::UNIQUE_VIOLATION)
}

pub fn foreign_key_violation(e: &tokio_postgres::Error) -> Option<String> {
    violated(e, &SqlState::FOREIGN_KEY_VIOLATION)
}

pub fn decode(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("cannot read {what}: {e}"))
}

/// A unique violation of `constraint` is an identifier clash; a missing zone
/// (deleted after its key was cached) is `NotFound`.
pub fn identifier_conflict(
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
