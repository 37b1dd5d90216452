//! The `Store` trait, method by method, handed to the module of its
//! resource with a pooled connection (and the zone's key, for tenant data).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::{
    ApiKey, ApiKeyId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId, RoleId,
    SessionId, Timestamp, User, UserId, UserPage, UserQuery, Zone, ZoneId, ZoneRef,
};
use roster_store::{
    ExpandRequest, IdWindow, IdempotencyRecord, Page, SignedIn, Store, StoreError, StoreResult,
    UserUpdate, ZoneScope,
};

use crate::cancel::CancelOnDrop;
use crate::store::PgStore;
use crate::{access, idempotency, import, list, tenancy, users};

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
        tenancy::bootstrap(&mut client, org, zone, key, key_hash).await
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
        let (zone, client) = self.zoned(scope).await?;
        users::get_user(&client, &zone, id).await
    }

    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage> {
        let (zone, client) = self.zoned(scope).await?;
        // A request that goes away cancels its statement on the server.
        let guard = CancelOnDrop::new(client, self.tls.clone(), self.abandoned.clone());
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
        let (zone, mut client) = self.zoned(scope).await?;
        users::create_user(&mut client, &zone, user, idempotency).await
    }

    async fn import_users(&self, scope: &ZoneScope, users: Vec<User>) -> StoreResult<u64> {
        let (zone, mut client) = self.zoned(scope).await?;
        import::import_users(&mut client, &zone, &users).await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        let (zone, mut client) = self.zoned(scope).await?;
        users::update_user(&mut client, &zone, id, update).await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
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
        let (zone, client) = self.zoned(scope).await?;
        access::list_roles(&client, &zone, window).await
    }

    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role> {
        let (zone, client) = self.zoned(scope).await?;
        access::get_role(&client, &zone, role).await
    }

    async fn create_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::insert_role(&client, &zone, role).await
    }

    async fn update_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::update_role(&client, &zone, role).await
    }

    async fn delete_role(&self, scope: &ZoneScope, id: &RoleId) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::delete_role(&client, &zone, id).await
    }

    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>> {
        let (zone, client) = self.zoned(scope).await?;
        access::list_role_assignments(&client, &zone, user, window).await
    }

    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
    ) -> StoreResult<RoleAssignment> {
        let (zone, client) = self.zoned(scope).await?;
        access::insert_role_assignment(&client, &zone, assignment).await
    }

    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment> {
        let (zone, client) = self.zoned(scope).await?;
        access::get_role_assignment(&client, &zone, user, id).await
    }

    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::delete_role_assignment(&client, &zone, user, id).await
    }

    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>> {
        let (zone, client) = self.zoned(scope).await?;
        access::list_sessions(&client, &zone, user, window).await
    }

    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session> {
        let (zone, client) = self.zoned(scope).await?;
        access::get_session(&client, &zone, user, id).await
    }

    async fn create_session(&self, scope: &ZoneScope, session: &Session) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        access::insert_session(&mut client, &zone, session).await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        at: Timestamp,
    ) -> StoreResult<Session> {
        let (zone, client) = self.zoned(scope).await?;
        access::revoke_session(&client, &zone, user, id, at).await
    }

    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>> {
        let (zone, client) = self.zoned(scope).await?;
        access::list_grants(&client, &zone, user, window).await
    }

    async fn get_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
    ) -> StoreResult<Grant> {
        let (zone, client) = self.zoned(scope).await?;
        access::get_grant(&client, &zone, user, id).await
    }

    async fn create_grant(&self, scope: &ZoneScope, grant: &Grant) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        access::insert_grant(&mut client, &zone, grant).await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        at: Timestamp,
    ) -> StoreResult<Grant> {
        let (zone, client) = self.zoned(scope).await?;
        access::revoke_grant(&client, &zone, user, id, at).await
    }

    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>> {
        let (zone, client) = self.zoned(scope).await?;
        access::list_providers(&client, &zone, window).await
    }

    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider> {
        let (zone, client) = self.zoned(scope).await?;
        access::get_provider(&client, &zone, provider).await
    }

    async fn create_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::insert_provider(&client, &zone, provider).await
    }

    async fn update_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let (zone, client) = self.zoned(scope).await?;
        access::update_provider(&client, &zone, provider).await
    }

    async fn delete_provider(&self, scope: &ZoneScope, id: &ProviderId) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
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
        let (zone, mut client) = self.zoned(scope).await?;
        access::sign_in(&mut client, &zone, issuer, subject, new_user, session).await
    }

    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>> {
        let (zone, client) = self.zoned(scope).await?;
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
