//! SCIM 2.0 protocol parts (RFC 7643/7644) that need no I/O: the filter
//! language of list queries (§3.4.2.2), its evaluation over a resource's
//! JSON, and the attribute paths of PATCH operations (§3.5.2).
//!
//! The parsers take text straight from a request, so they bound what they
//! accept ([`MAX_FILTER_LEN`], [`MAX_FILTER_DEPTH`]) and answer an error,
//! never a panic. Evaluation is the reference semantics: a backend that
//! translates a filter to SQL must select exactly what [`matches()`] accepts.

pub mod error;
pub mod eval;
pub mod filter;
pub mod group;
mod parse;
pub mod patch;
pub mod path;
pub mod project;
pub mod schema;
pub mod user;

pub use error::ScimError;
pub use eval::matches;
pub use filter::{AttrPath, CompareOp, Filter, FilterError, MAX_FILTER_DEPTH, MAX_FILTER_LEN};
pub use path::PatchPath;
pub use project::Projection;
