//! Errors of the rules themselves: a value that breaks a rule of the model.

/// A value broke a rule; `param` names the field or parameter as the client
/// spelled it, so the error can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {detail}")]
pub struct ValidationError {
    pub param: String,
    pub detail: String,
}

impl ValidationError {
    pub fn new(param: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { param: param.into(), detail: detail.into() }
    }
}

/// Rules that decide an operation's outcome beyond "is the value well formed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// `If-Match` named a version that is no longer current.
    #[error("the resource changed since the given ETag")]
    PreconditionFailed,
}
