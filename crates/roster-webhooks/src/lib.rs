//! Webhook delivery (issue 11). So far its two pure parts: how a delivery
//! is signed (Standard Webhooks 1.0, `signature.rs`) and which addresses
//! Roster refuses to call (`address.rs`). Decisions: docs/design/events.md.

pub mod address;
pub mod signature;

pub use address::refused_because;
pub use signature::{InvalidSecret, Secret, signature_header};
