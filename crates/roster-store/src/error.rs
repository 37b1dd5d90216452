//! The one error type of the storage layer.

use roster_domain::DomainError;

pub type StoreResult<T> = Result<T, StoreError>;

/// What a write naming one row by its key answers: `NotFound` when it
/// changed no row (the row is not there, or not in the tenant's).
pub fn found(rows_changed: u64) -> StoreResult<()> {
    if rows_changed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; `field` is what the client sent.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// A reference to another object (a provider, a zone) names nothing.
    #[error("{field} does not name an existing object")]
    MissingReference { field: &'static str },
    /// The zone still holds users.
    #[error("zone is not empty")]
    ZoneNotEmpty,
    /// The user is disabled and cannot authenticate or receive grants.
    #[error("user is disabled")]
    UserDisabled,
    /// The domain refused the change inside the transaction.
    #[error(transparent)]
    Rejected(#[from] DomainError),
    /// Page mode asked for matches deeper than one request may look for
    /// them (a sparse filter over a large zone); cursors reach them.
    #[error("the page lies beyond what one request may scan")]
    WindowTooDeep,
    /// A feed position older than what retention kept.
    #[error("the cursor points before the oldest event kept")]
    CursorExpired,
    /// An atomic batch stopped at its operation `index`, and nothing of it
    /// was applied.
    #[error("operation {index} failed: {cause}")]
    BatchFailed { index: usize, cause: Box<StoreError> },
    /// The database cannot be reached or is overloaded; retrying may help.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure: {0}")]
    Internal(String),
}
