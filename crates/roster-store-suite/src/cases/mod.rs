//! The cases, one module per resource. Each is a `pub async fn` listed in
//! `store_suite!`, which makes it a test of every backend.

pub mod access_differential;
pub mod crud;
pub mod differential;
pub mod events;
pub mod expand;
pub mod idempotency;
pub mod import;
pub mod listing;
pub mod providers;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod sign_in;
pub mod tenancy;
pub mod webhooks;

mod pair;
