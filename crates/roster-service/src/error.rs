//! The one error type of the use cases. The HTTP layer maps each variant to
//! a status and a stable code in exactly one place.

use roster_domain::{DomainError, Scope, ValidationError};
use roster_store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("missing, unknown or revoked API key")]
    Unauthorized,
    #[error("this API key lacks the {} scope", scope.as_str())]
    InsufficientScope { scope: Scope, param: Option<String>, detail: Option<String> },
    #[error("not found")]
    NotFound,
    #[error("{param}: {detail}")]
    InvalidParameter { param: String, detail: String },
    #[error("{detail}")]
    InvalidBody { param: Option<String>, detail: String },
    #[error("the cursor is malformed, forged, or from another query")]
    InvalidCursor { at: CursorParam },
    #[error("{field} is already taken")]
    Conflict { field: String },
    #[error("the resource changed since the given ETag")]
    PreconditionFailed,
    #[error("the zone still holds users")]
    ZoneNotEmpty,
    #[error("the user is disabled")]
    UserDisabled,
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still in progress")]
    IdempotencyKeyInUse,
    #[error("the cursor points before the oldest event kept")]
    CursorExpired,
    /// An atomic batch stopped at operation `index`; nothing was applied.
    #[error("operation {index}: {cause}")]
    BatchFailed { index: usize, cause: Box<ServiceError> },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Which cursor of a list request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorParam {
    After,
    Before,
}

impl CursorParam {
    /// Its one spelling, the same in every list.
    pub fn as_str(self) -> &'static str {
        match self {
            CursorParam::After => "after",
            CursorParam::Before => "before",
        }
    }
}

impl ServiceError {
    pub fn invalid_parameter(param: impl Into<String>, detail: impl Into<String>) -> Self {
        ServiceError::InvalidParameter { param: param.into(), detail: detail.into() }
    }

    pub fn invalid_body(param: impl Into<String>, detail: impl Into<String>) -> Self {
        ServiceError::InvalidBody { param: Some(param.into()), detail: detail.into() }
    }

    pub fn scope(scope: Scope) -> Self {
        ServiceError::InsufficientScope { scope, param: None, detail: None }
    }
}

impl From<ValidationError> for ServiceError {
    fn from(e: ValidationError) -> Self {
        ServiceError::InvalidBody {
            detail: format!("{} {}", e.param, e.detail),
            param: Some(e.param),
        }
    }
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(v) => v.into(),
            DomainError::PreconditionFailed => ServiceError::PreconditionFailed,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict { field } => ServiceError::Conflict { field: field.to_owned() },
            StoreError::MissingReference { field } => ServiceError::InvalidBody {
                param: Some(field.to_owned()),
                detail: format!("{field} does not name an existing object in this zone"),
            },
            StoreError::ZoneNotEmpty => ServiceError::ZoneNotEmpty,
            StoreError::UserDisabled => ServiceError::UserDisabled,
            StoreError::Rejected(d) => d.into(),
            StoreError::WindowTooDeep => ServiceError::invalid_parameter(
                "page",
                "this filter is too sparse for page mode at this depth: one request looks at a \
                 bounded number of users; page with the after cursor instead",
            ),
            StoreError::CursorExpired => ServiceError::CursorExpired,
            StoreError::BatchFailed { index, cause } => {
                ServiceError::BatchFailed { index, cause: Box::new((*cause).into()) }
            }
            StoreError::Unavailable(why) => ServiceError::Unavailable(why),
            StoreError::Internal(why) => ServiceError::Internal(why),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
