//! The storage contract every backend fulfils.
//!
//! Every method that touches tenant data takes the tenant first (an
//! organization, or a `ZoneScope`), so a query that forgets the tenant cannot
//! be written. Backends own their SQL and migrations; nothing above this
//! trait knows which engine answers. What both backends write alike lives
//! here once: the zone-key cache, the keyset and plain filter conditions of
//! a list statement (`keyset`, `filters`) with the frame of a walk, the
//! gathering of expansions, and the health numbers of `Store::stats`
//! (`stats`).

mod error;
mod events;
mod expand;
mod list;
mod stats;
mod webhooks;
mod zones;

pub use error::{StoreError, StoreResult, found};
pub use events::{EventPage, EventQuery, EventRow, EventText, FEED_SCAN_LIMIT, FeedPosition};
pub use expand::{Counted, ExpandRequest, Expansions};
pub use list::{
    ListLimits, Param, WalkFrame, direct_page, few_by_construction, filters, keyset, like_escaped,
};
pub use stats::{Histogram, HistogramSnapshot, PoolStats, StoreStats, WriterStats};
pub use webhooks::{ClaimedWebhook, WebhookLists, WebhookProgress};
pub use zones::{ZoneKey, ZoneKeys};

/// A database's schema as read without changing it (`roster check`): the
/// version it is at, the version this build migrates to, and its zones when
/// the schema is current (an older one may not have the tables to count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    pub found: usize,
    pub expected: usize,
    pub zones: Option<u64>,
}

use async_trait::async_trait;
use std::collections::HashMap;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::events::{Event, EventStamp};
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{
    ApiKey, ApiKeyId, DeliveryId, DomainError, GrantId, OrgId, Organization, ProviderId,
    RoleAssignmentId, RoleId, SessionId, Timestamp, User, UserId, UserPage, UserQuery, UserStatus,
    WebhookEndpointId, Zone, ZoneId, ZoneRef,
};

/// How many of `users` have each status, in first-seen order: the deltas a
/// bulk insert adds to a zone's counters in one statement per status.
pub fn status_counts(users: &[User]) -> Vec<(UserStatus, i64)> {
    let mut counts: Vec<(UserStatus, i64)> = Vec::new();
    for user in users {
        match counts.iter_mut().find(|(s, _)| *s == user.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((user.status, 1)),
        }
    }
    counts
}

/// The tenant of every user operation (a domain type; re-exported here as
/// every `Store` method that touches a zone takes it).
pub use roster_domain::ZoneScope;

/// A page request over small collections listed in id (creation) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdWindow {
    /// Exclusive bound: list ids greater than this (or, with `backwards`,
    /// smaller), as 16-byte ULIDs.
    pub after: Option<[u8; 16]>,
    pub backwards: bool,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// In ascending id order, whatever the direction of travel.
    pub items: Vec<T>,
    /// More items lie beyond the page in the direction of travel.
    pub has_more: bool,
    pub total: u64,
}

impl<T> Page<T> {
    /// The page from rows read in the direction of travel, `window.limit`
    /// and one more at most: the extra row says more follow.
    pub fn from_rows(mut items: Vec<T>, window: &IdWindow, total: u64) -> Self {
        let has_more = items.len() > window.limit;
        items.truncate(window.limit);
        if window.backwards {
            items.reverse();
        }
        Page { items, has_more, total }
    }
}

/// A stored response to replay for a repeated `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub api_key_id: ApiKeyId,
    pub key: String,
    /// SHA-256 of method, path and body: a different request under the same
    /// key is refused, not replayed.
    pub request_hash: [u8; 32],
    pub status: u16,
    pub body: Vec<u8>,
    pub location: Option<String>,
    pub created_at: Timestamp,
}

/// What a sign-in found or made.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub created: bool,
}

/// One operation of a batch of user writes. (Created users are built
/// before the batch and moved in once; boxing them would only add an
/// allocation each.)
#[allow(clippy::large_enum_variant)]
pub enum BatchOp {
    Create(User),
    Update(UserId, UserUpdate),
    /// With the version the user must still be at, if any.
    Delete(UserId, Option<i64>),
}

/// What an operation of a batch did.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchDone {
    Created(User),
    Updated(User),
    Deleted,
}

/// The read-modify-write step of an update, run inside the backend's
/// transaction with the current row. Returns whether anything changed; when
/// nothing did, the backend writes nothing.
pub type UserUpdate = Box<dyn FnOnce(&mut User) -> Result<bool, DomainError> + Send>;

/// A change to a webhook endpoint, run inside the backend's transaction on
/// the current row: fields it leaves alone keep what a concurrent write (a
/// rotation, the dispatcher disabling the endpoint) put there.
pub type WebhookUpdate = Box<dyn FnOnce(&mut WebhookEndpoint) + Send>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// A random secret made when the database was created; signs cursors, so
    /// every node on one database accepts the others' cursors.
    async fn cursor_secret(&self) -> StoreResult<Vec<u8>>;

    /// Creates the first organization, zone and admin key if the database
    /// holds no organization yet. Returns whether it did.
    async fn bootstrap(
        &self,
        org: &Organization,
        zone: &Zone,
        key: &ApiKey,
        key_hash: &[u8; 32],
        stamp: &EventStamp,
    ) -> StoreResult<bool>;

    async fn default_organization(&self) -> StoreResult<Organization>;

    // Zones.
    async fn get_zone(&self, org: &OrgId, zone: &ZoneRef) -> StoreResult<Zone>;
    async fn list_zones(
        &self,
        org: &OrgId,
        only: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<Zone>>;
    async fn create_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()>;
    async fn update_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()>;
    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId, stamp: &EventStamp) -> StoreResult<()>;

    // API keys.
    async fn find_api_key(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>>;
    async fn get_api_key(&self, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey>;
    async fn create_api_key(&self, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()>;
    /// Active keys; with `within`, only keys limited to zones all among
    /// `within` (never a key valid for every zone).
    async fn list_api_keys(
        &self,
        org: &OrgId,
        within: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<ApiKey>>;
    async fn revoke_api_key(&self, org: &OrgId, id: &ApiKeyId, at: Timestamp) -> StoreResult<()>;
    async fn touch_api_key(&self, id: &ApiKeyId, at: Timestamp) -> StoreResult<()>;

    // Users.
    async fn get_user(&self, scope: &ZoneScope, id: &UserId) -> StoreResult<User>;
    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage>;
    /// Inserts the user and, in the same transaction, the idempotency record
    /// whose replay is this creation's response.
    async fn create_user(
        &self,
        scope: &ZoneScope,
        user: &User,
        idempotency: Option<&IdempotencyRecord>,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    /// Inserts `users` into the zone in one transaction, all or none, with
    /// counts and the search index kept exactly as `create_user` keeps them.
    /// The bulk path for seeding and imports: one transaction per user would
    /// cost a commit (an fsync) each. Returns how many were inserted.
    async fn import_users(
        &self,
        scope: &ZoneScope,
        users: Vec<User>,
        stamp: &EventStamp,
    ) -> StoreResult<u64>;
    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
        stamp: &EventStamp,
    ) -> StoreResult<User>;
    /// Runs the operations in order in one transaction, each with its
    /// event. Without `atomic`, each stands alone (a failed one changes
    /// nothing and the others go on) and the answer holds every outcome;
    /// with it, the first failure undoes them all and answers
    /// `BatchFailed` naming it.
    async fn batch_users(
        &self,
        scope: &ZoneScope,
        ops: Vec<BatchOp>,
        atomic: bool,
        stamp: &EventStamp,
    ) -> StoreResult<Vec<StoreResult<BatchDone>>>;
    /// Deletes the user; with `expected_version`, only if it is still that
    /// version (else `Rejected(PreconditionFailed)`).
    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
        stamp: &EventStamp,
    ) -> StoreResult<()>;

    // Idempotency.
    async fn get_idempotency(
        &self,
        api_key: &ApiKeyId,
        key: &str,
        not_before: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Stores the record unless one exists for the same key already.
    async fn put_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()>;
    async fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64>;

    // Roles (per zone).
    async fn list_roles(&self, scope: &ZoneScope, window: &IdWindow) -> StoreResult<Page<Role>>;
    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role>;
    /// `Conflict { field: "identifier" }` when the identifier is taken.
    async fn create_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    async fn update_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    /// Deletes the role and every assignment of it.
    async fn delete_role(
        &self,
        scope: &ZoneScope,
        id: &RoleId,
        stamp: &EventStamp,
    ) -> StoreResult<()>;

    // Role assignments (per user; `NotFound` when the user is not in the zone).
    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>>;
    /// `MissingReference { field: "role_id" }` when the role is gone;
    /// `Conflict { field: "role_id" }` for the same role and scope twice.
    /// The stored `role_identifier` is read from the role, not trusted.
    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
        stamp: &EventStamp,
    ) -> StoreResult<RoleAssignment>;
    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment>;
    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
        stamp: &EventStamp,
    ) -> StoreResult<()>;

    // Sessions.
    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>>;
    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session>;
    /// Records an authentication and moves the user's `authenticated_at` to
    /// the later of its value and the session's `created_at` (bumping the
    /// user's version), in one transaction. `UserDisabled` for a
    /// disabled user; `MissingReference { field: "provider_id" }` for an
    /// unknown provider.
    async fn create_session(
        &self,
        scope: &ZoneScope,
        session: &Session,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    /// Revokes the session (a no-op when it already is).
    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        stamp: &EventStamp,
    ) -> StoreResult<Session>;

    // Delegated grants.
    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>>;
    async fn get_grant(&self, scope: &ZoneScope, user: &UserId, id: &GrantId)
    -> StoreResult<Grant>;
    /// `UserDisabled` for a disabled user.
    async fn create_grant(
        &self,
        scope: &ZoneScope,
        grant: &Grant,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        stamp: &EventStamp,
    ) -> StoreResult<Grant>;

    // Identity providers.
    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>>;
    /// By id (`idp_…`) or identifier.
    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider>;
    async fn create_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    async fn update_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()>;
    /// Deletes the provider; its users keep existing with `provider_id` null.
    async fn delete_provider(
        &self,
        scope: &ZoneScope,
        id: &ProviderId,
        stamp: &EventStamp,
    ) -> StoreResult<()>;

    /// Finds the zone's user with (`issuer`, `subject`), or inserts
    /// `new_user` when there is none (`NotFound` when there is none and
    /// `new_user` is `None`), then records `session` for that user and sets
    /// its `authenticated_at` — all in one transaction. `UserDisabled` when
    /// the found user is disabled. The session's `user_id` is replaced by the
    /// user's.
    async fn sign_in(
        &self,
        scope: &ZoneScope,
        issuer: &str,
        subject: &str,
        new_user: Option<&User>,
        session: &Session,
        stamp: &EventStamp,
    ) -> StoreResult<SignedIn>;

    // The change feed.
    /// Events of the organization after a position, in commit order,
    /// never one a still-open transaction may yet precede.
    /// `CursorExpired` when `after` lies before what retention kept.
    async fn events_after(&self, query: &EventQuery) -> StoreResult<EventPage>;
    /// Deletes events that occurred before `before` and remembers where
    /// the kept feed starts; returns how many went.
    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64>;

    /// The event at a position, while retention keeps it.
    async fn event_at(&self, org: &OrgId, at: FeedPosition) -> StoreResult<Event>;

    // Webhook endpoints (per organization) and their deliveries.
    /// Stores the endpoint with its cursor at the end of the feed: it
    /// receives the events recorded after it was made.
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> StoreResult<()>;
    async fn get_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
    ) -> StoreResult<WebhookEndpoint>;
    async fn list_webhooks(
        &self,
        org: &OrgId,
        window: &IdWindow,
    ) -> StoreResult<Page<WebhookEndpoint>>;
    /// Changes the endpoint's settings and returns it as written. Enabling
    /// a disabled endpoint clears its failures and makes it due at once;
    /// its cursor stays, so it goes on from the event it stopped at.
    async fn update_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
        update: WebhookUpdate,
    ) -> StoreResult<WebhookEndpoint>;
    /// Deletes the endpoint and its delivery log.
    async fn delete_webhook(&self, org: &OrgId, id: &WebhookEndpointId) -> StoreResult<()>;
    /// Leases up to `limit` enabled endpoints due at `now` whose lease has
    /// run out, until `until`, under `token`; each is leased by one node at
    /// a time.
    async fn claim_webhooks(
        &self,
        now: Timestamp,
        until: Timestamp,
        token: i64,
        limit: usize,
    ) -> StoreResult<Vec<ClaimedWebhook>>;
    /// Saves what a lease did and releases it; `false` (and nothing
    /// written) when the lease was lost to another node meanwhile.
    async fn save_webhook_progress(
        &self,
        id: &WebhookEndpointId,
        token: i64,
        progress: &WebhookProgress,
    ) -> StoreResult<bool>;
    /// Deletes logged attempts made before `before`, looking at the oldest
    /// 10 000 attempts at most; returns how many went.
    async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64>;
    /// Appends an attempt to the endpoint's delivery log, with the
    /// position of its event (for a retry).
    async fn record_delivery(&self, delivery: &Delivery, at: FeedPosition) -> StoreResult<()>;
    async fn list_deliveries(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        window: &IdWindow,
    ) -> StoreResult<Page<Delivery>>;
    /// A logged attempt and its event's position.
    async fn get_delivery(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        id: &DeliveryId,
    ) -> StoreResult<(Delivery, FeedPosition)>;

    /// Extras for a page of users, in a bounded number of statements
    /// whatever the page size (one per kind of extra). Counts are of
    /// sessions and grants live at `now`.
    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>>;

    /// Commits what is queued and releases the database (and, for a
    /// throwaway database, its files). Later calls answer `Unavailable`.
    /// Closing twice is harmless.
    fn close(&self);

    /// Statements this store has sent to its database since it opened, for
    /// metrics and for tests that bound the cost of a request.
    fn statements_executed(&self) -> u64;

    /// Queries stopped because the request that asked went away (the
    /// client hung up) before they finished.
    fn queries_abandoned(&self) -> u64;

    /// The connections, queues and waits of this store now, for metrics.
    fn stats(&self) -> StoreStats;
}
