//! The conformance suite lives in `tests/conformance`; this crate has no
//! library code of its own.
