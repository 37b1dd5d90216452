//! Webhook delivery's own parts: how a delivery is signed (Standard
//! Webhooks 1.0, `signature.rs`), which addresses Roster refuses to call
//! (`address.rs`), and the outbound client that holds to both
//! (`sender.rs`). The use cases (endpoints, the dispatcher) are the
//! service's. Decisions: docs/design/events.md.

pub mod address;
pub mod sender;
pub mod signature;

pub use address::refused_because;
pub use sender::{Outcome, Sender, check_destination};
pub use signature::{InvalidSecret, Secret, signature_header};
