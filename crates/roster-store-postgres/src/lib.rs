//! Roster's PostgreSQL backend: a pool of tokio-postgres connections.
//!
//! Several Roster nodes may share one database: migrations and bootstrap
//! serialize on advisory locks, the cursor secret lives in the database, and
//! every write is a transaction of its own (no node-local state but a cache
//! of zone keys, which never go stale because ids are never reused).
//!
//! Behaviour is the SQLite backend's, answer for answer: the same results in
//! the same order with the same errors. The schema is written for
//! PostgreSQL (see `migrations/0001_init.sql` and `0002_access.sql` for the
//! choices, and `access.rs` for how roles, sessions, grants, providers and
//! sign-ins stay consistent across nodes).
//!
//! `statements_executed` counts every statement sent (see `db`).

mod access;
mod cancel;
mod conninfo;
mod db;
mod error;
mod idempotency;
mod import;
mod list;
mod migrate;
mod open;
mod page;
mod row;
mod tenancy;
mod tls;
mod types;
mod users;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use deadpool_postgres::Pool;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::{
    ApiKey, ApiKeyId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId, RoleId,
    SessionId, Timestamp, User, UserId, UserPage, UserQuery, Zone, ZoneId, ZoneRef,
};
use roster_store::{
    ExpandRequest, IdWindow, IdempotencyRecord, ListLimits, Page, SignedIn, Store, StoreError,
    StoreResult, UserUpdate, ZoneKeys, ZoneScope,
};

use crate::cancel::CancelOnDrop;
use crate::db::Conn;
use crate::error::from_pool;
use crate::users::ZoneKey;

pub use crate::migrate::MIGRATION_LOCK;
pub use crate::open::PgOptions;
pub use crate::tls::{PgTls, SslMode, connect_config};

/// Advisory lock key serializing `bootstrap` across nodes ("roster" +
/// "bo"), so two nodes starting on an empty database make one organization.
const BOOTSTRAP_LOCK: i64 = 0x726f_7374_6572_626f;

pub struct PgStore {
    pool: Pool,
    /// zone id -> (surrogate key, org): stable for a zone's whole life, so
    /// caching is always safe; deleting a zone evicts it.
    zones: ZoneKeys,
    cursor_secret: Vec<u8>,
    /// Statements sent since connecting (see `db`).
    statements: Arc<AtomicU64>,
    /// List queries cancelled because their request went away.
    abandoned: Arc<AtomicU64>,
    list_limits: ListLimits,
    tls: PgTls,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// The connector for the configured `sslmode`, for what opens a
    /// connection of its own to the same server (a query cancel).
    pub fn tls(&self) -> &PgTls {
        &self.tls
    }

    pub fn shared(self) -> Arc<dyn Store> {
        Arc::new(self)
    }

    /// Closes every connection; later calls fail as `Unavailable`.
    pub fn close(&self) {
        self.pool.close();
    }

    async fn client(&self) -> StoreResult<Conn> {
        let client = self.pool.get().await.map_err(from_pool)?;
        Ok(Conn::new(client, self.statements.clone()))
    }

    /// The zone's surrogate key, from the cache or the database; `NotFound`
    /// when the zone is not the organization's.
    async fn zone_key(&self, scope: &ZoneScope) -> StoreResult<ZoneKey> {
        if let Some(key) = self.zones.get(scope) {
            return Ok(key);
        }
        let client = self.client().await?;
        let (seq, zone) = tenancy::find_zone(&client, &scope.org, &ZoneRef::Id(scope.zone)).await?;
        Ok(self.zones.remember(seq, &zone))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await
    }

    async fn cursor_secret(&self) -> StoreResult<Vec<u8>> {
        Ok(self.cursor_secret.clone())
    }

    async fn bootstrap(
        &self,
        org: &Organization,
        zone: &Zone,
        key: &ApiKey,
        key_hash: &[u8; 32],
    ) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        db::execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&BOOTSTRAP_LOCK]).await?;
        if tenancy::any_organization(&tx).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        tenancy::insert_organization(&tx, org).await?;
        tenancy::insert_zone(&tx, zone).await?;
        tenancy::insert_key(&tx, key, key_hash).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn default_organization(&self) -> StoreResult<Organization> {
        let client = self.client().await?;
        tenancy::first_organization(&client).await
    }

    async fn get_zone(&self, org: &OrgId, zone: &ZoneRef) -> StoreResult<Zone> {
        let client = self.client().await?;
        let (seq, zone) = tenancy::find_zone(&client, org, zone).await?;
        self.zones.remember(seq, &zone);
        Ok(zone)
    }

    async fn list_zones(
        &self,
        org: &OrgId,
        only: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<Zone>> {
        let client = self.client().await?;
        tenancy::list_zones(&client, org, only, window).await
    }

    async fn create_zone(&self, zone: &Zone) -> StoreResult<()> {
        let client = self.client().await?;
        tenancy::insert_zone(&client, zone).await
    }

    async fn update_zone(&self, zone: &Zone) -> StoreResult<()> {
        let client = self.client().await?;
        tenancy::update_zone(&client, zone).await
    }

    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId) -> StoreResult<()> {
        let mut client = self.client().await?;
        tenancy::delete_zone(&mut client, org, zone).await?;
        self.zones.forget(zone);
        Ok(())
    }

    async fn find_api_key(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        let client = self.client().await?;
        tenancy::find_key_by_hash(&client, hash).await
    }

    async fn get_api_key(&self, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey> {
        let client = self.client().await?;
        tenancy::get_key(&client, org, id).await
    }

    async fn create_api_key(&self, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()> {
        let client = self.client().await?;
        tenancy::insert_key(&client, key, hash).await
    }

    async fn list_api_keys(
        &self,
        org: &OrgId,
        within: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<ApiKey>> {
        let client = self.client().await?;
        tenancy::list_keys(&client, org, within, window).await
    }

    async fn revoke_api_key(&self, org: &OrgId, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let client = self.client().await?;
        tenancy::revoke_key(&client, org, id, at).await
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let client = self.client().await?;
        tenancy::touch_key(&client, id, at).await
    }

    async fn get_user(&self, scope: &ZoneScope, id: &UserId) -> StoreResult<User> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        users::get_user(&client, &zone, id).await
    }

    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage> {
        let zone = self.zone_key(scope).await?;
        let guard =
            CancelOnDrop::new(self.client().await?, self.tls.clone(), self.abandoned.clone());
        let Some(client) = guard.conn() else {
            return Err(StoreError::Internal("list connection missing".into()));
        };
        let page = list::list_users(client, &zone, query, self.list_limits).await;
        guard.finish();
        page
    }

    async fn create_user(
        &self,
        scope: &ZoneScope,
        user: &User,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        if user.provider_id.is_none() {
            return users::insert_user(&client, &zone, user, idempotency).await;
        }
        // The provider stays locked until the user is committed.
        let tx = client.transaction().await?;
        users::insert_user(&tx, &zone, user, idempotency).await?;
        tx.commit().await
    }

    async fn import_users(&self, scope: &ZoneScope, users: Vec<User>) -> StoreResult<u64> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        import::import_users(&mut client, &zone, &users).await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        users::update_user(&mut client, &zone, id, update).await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        users::delete_user(&mut client, &zone, id, expected_version).await
    }

    async fn get_idempotency(
        &self,
        api_key: &ApiKeyId,
        key: &str,
        not_before: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let client = self.client().await?;
        idempotency::get_record(&client, api_key, key, not_before).await
    }

    async fn put_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let client = self.client().await?;
        idempotency::insert(&client, record).await
    }

    async fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64> {
        let client = self.client().await?;
        idempotency::purge(&client, before).await
    }

    async fn list_roles(&self, scope: &ZoneScope, window: &IdWindow) -> StoreResult<Page<Role>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::list_roles(&client, &zone, window).await
    }

    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::get_role(&client, &zone, role).await
    }

    async fn create_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::insert_role(&client, &zone, role).await
    }

    async fn update_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::update_role(&client, &zone, role).await
    }

    async fn delete_role(&self, scope: &ZoneScope, id: &RoleId) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::delete_role(&client, &zone, id).await
    }

    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::list_role_assignments(&client, &zone, user, window).await
    }

    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
    ) -> StoreResult<RoleAssignment> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::insert_role_assignment(&client, &zone, assignment).await
    }

    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::delete_role_assignment(&client, &zone, user, id).await
    }

    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::list_sessions(&client, &zone, user, window).await
    }

    async fn create_session(&self, scope: &ZoneScope, session: &Session) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        access::insert_session(&mut client, &zone, session).await
    }

    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::get_role_assignment(&client, &zone, user, id).await
    }

    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::get_session(&client, &zone, user, id).await
    }

    async fn get_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
    ) -> StoreResult<Grant> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::get_grant(&client, &zone, user, id).await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        at: Timestamp,
    ) -> StoreResult<Session> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::revoke_session(&client, &zone, user, id, at).await
    }

    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::list_grants(&client, &zone, user, window).await
    }

    async fn create_grant(&self, scope: &ZoneScope, grant: &Grant) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        access::insert_grant(&mut client, &zone, grant).await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        at: Timestamp,
    ) -> StoreResult<Grant> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::revoke_grant(&client, &zone, user, id, at).await
    }

    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::list_providers(&client, &zone, window).await
    }

    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::get_provider(&client, &zone, provider).await
    }

    async fn create_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::insert_provider(&client, &zone, provider).await
    }

    async fn update_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::update_provider(&client, &zone, provider).await
    }

    async fn delete_provider(&self, scope: &ZoneScope, id: &ProviderId) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        access::delete_provider(&mut client, &zone, id).await
    }

    async fn sign_in(
        &self,
        scope: &ZoneScope,
        issuer: &str,
        subject: &str,
        new_user: Option<&User>,
        session: &Session,
    ) -> StoreResult<SignedIn> {
        let zone = self.zone_key(scope).await?;
        let mut client = self.client().await?;
        access::sign_in(&mut client, &zone, issuer, subject, new_user, session).await
    }

    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>> {
        let zone = self.zone_key(scope).await?;
        let client = self.client().await?;
        access::expand_users(&client, &zone, users, what, now).await
    }

    fn close(&self) {
        PgStore::close(self);
    }

    fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn queries_abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }
}
