//! Roster's domain: the types and rules of users, zones and keys.
//!
//! Nothing here does I/O or knows about HTTP or SQL. Storage backends and the
//! HTTP layer translate to and from these types; the rules live here once.

pub mod access;
pub mod attributes;
pub mod claims;
pub mod cursor;
pub mod error;
pub mod events;
pub mod fields;
pub mod ids;
pub mod query;
pub mod tenancy;
pub mod text;
pub mod timestamp;
pub mod user;
pub mod webhooks;

pub use attributes::Attributes;
pub use cursor::{CursorCodec, InvalidCursor};
pub use error::{DomainError, ValidationError};
pub use fields::{Email, Ident, Text};
pub use ids::{
    ApiKeyId, DeliveryId, EventId, GrantId, IdGenerator, OrgId, ProviderId, RoleAssignmentId,
    RoleId, SessionId, UserId, WebhookEndpointId, ZoneId,
};
pub use query::{
    AttributeFilter, Direction, Position, Rank, Sort, SortField, SortKey, SortValue, UserFilter,
    UserPage, UserQuery, Window,
};
pub use tenancy::{ApiKey, Organization, Scope, ScopeSet, Zone, ZoneRef, ZoneScope, first_tenancy};
pub use timestamp::{Clock, SystemClock, Timestamp};
pub use user::{Changes, User, UserFields, UserStatus, UserType};
