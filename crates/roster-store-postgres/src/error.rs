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
