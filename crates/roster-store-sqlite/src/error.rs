//! Turning SQLite errors into `StoreError`s.

use roster_store::StoreError;
use rusqlite::ErrorCode;

pub fn from_sqlite(e: rusqlite::Error) -> StoreError {
    match &e {
        // A row this write refers to (a zone, a user, a role) is gone: it was
        // deleted after this node cached it.
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            StoreError::NotFound
        }
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable("database is busy".into())
            }
            ErrorCode::OperationInterrupted => {
                StoreError::Unavailable("query took too long and was stopped".into())
            }
            ErrorCode::DiskFull | ErrorCode::SystemIoFailure | ErrorCode::CannotOpen => {
                StoreError::Unavailable(format!("database I/O failed: {e}"))
            }
            _ => StoreError::Internal(e.to_string()),
        },
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        _ => StoreError::Internal(e.to_string()),
    }
}

/// For a unique-constraint failure, the index whose rule was broken.
pub fn violated_unique_index(e: &rusqlite::Error) -> Option<String> {
    let rusqlite::Error::SqliteFailure(f, Some(msg)) = e else {
        return None;
    };
    if f.code != ErrorCode::ConstraintViolation {
        return None;
    }
    // "UNIQUE constraint failed: index 'users_email'" or
    // "UNIQUE constraint failed: users.id"
    let rest = msg.strip_prefix("UNIQUE constraint failed: ")?;
    Some(rest.trim_start_matches("index ").trim_matches('\'').to_owned())
}

/// A unique violation of `index` (or of a column named `identifier`, as
/// SQLite names a plain-column index) is an identifier clash.
pub fn identifier_conflict(index: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match violated_unique_index(&e) {
        Some(name) if name == index || name.ends_with(".identifier") => {
            StoreError::Conflict { field: "identifier" }
        }
        _ => from_sqlite(e),
    }
}
