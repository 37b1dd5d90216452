//! The `Store` trait, method by method, handed to the module of its
//! resource with a pooled connection (and the zone's key, for tenant data).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::events::{Event, EventStamp, EventType};
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{
    ApiKey, ApiKeyId, DeliveryId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId,
    RoleId, SessionId, Timestamp, User, UserId, UserPage, UserQuery, WebhookEndpointId, Zone,
    ZoneId, ZoneRef,
};
use roster_store::{
    BatchDone, BatchOp, ClaimedWebhook, EventPage, EventQuery, ExpandRequest, FeedPosition,
    IdWindow, IdempotencyRecord, Page, SignedIn, Store, StoreError, StoreResult, StoreStats,
    UserUpdate, WebhookProgress, WebhookUpdate, ZoneScope,
};

use crate::cancel::CancelOnDrop;
use crate::store::PgStore;
use crate::{access, batch, events, idempotency, import, list, tenancy, users, webhooks};

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let client = self.read_client().await?;
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
        stamp: &EventStamp,
    ) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let event = stamp.event(EventType::ZoneCreated, &zone.scope(), zone.clone());
        tenancy::bootstrap(&mut client, org, zone, key, key_hash, &event).await
    }

    async fn default_organization(&self) -> StoreResult<Organization> {
        let client = self.read_client().await?;
        tenancy::first_organization(&client).await
    }

    async fn get_zone(&self, org: &OrgId, zone: &ZoneRef) -> StoreResult<Zone> {
        let client = self.read_client().await?;
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
        let client = self.read_client().await?;
        tenancy::list_zones(&client, org, only, window).await
    }

    async fn create_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tenancy::insert_zone(&tx, zone).await?;
        let event = stamp.event(EventType::ZoneCreated, &zone.scope(), zone.clone());
        events::commit_with(tx, &event).await
    }

    async fn update_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tenancy::update_zone(&tx, zone).await?;
        let event = stamp.event(EventType::ZoneUpdated, &zone.scope(), zone.clone());
        events::commit_with(tx, &event).await
    }

    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId, stamp: &EventStamp) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let gone = tenancy::delete_zone(&tx, org, zone).await?;
        let event = stamp.event(EventType::ZoneDeleted, &gone.scope(), gone);
        events::commit_with(tx, &event).await?;
        self.zones.forget(zone);
        Ok(())
    }

    async fn find_api_key(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        let client = self.read_client().await?;
        tenancy::find_key_by_hash(&client, hash).await
    }

    async fn get_api_key(&self, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey> {
        let client = self.read_client().await?;
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
        let client = self.read_client().await?;
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
        let (zone, client) = self.zoned_read(scope).await?;
        users::get_user(&client, &zone, id).await
    }

    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage> {
        let (zone, client) = self.zoned_read(scope).await?;
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
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let event = stamp.event(EventType::UserCreated, scope, user.clone());
        users::create_user(&mut client, &zone, user, idempotency, &event).await
    }

    async fn import_users(
        &self,
        scope: &ZoneScope,
        users: Vec<User>,
        stamp: &EventStamp,
    ) -> StoreResult<u64> {
        let (zone, mut client) = self.zoned(scope).await?;
        import::import_users(&mut client, &zone, &users, stamp, scope).await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
        stamp: &EventStamp,
    ) -> StoreResult<User> {
        let (zone, mut client) = self.zoned(scope).await?;
        users::update_user(&mut client, &zone, id, update, stamp, scope).await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        users::delete_user(&mut client, &zone, id, expected_version, stamp, scope).await
    }

    async fn batch_users(
        &self,
        scope: &ZoneScope,
        ops: Vec<BatchOp>,
        atomic: bool,
        stamp: &EventStamp,
    ) -> StoreResult<Vec<StoreResult<BatchDone>>> {
        let (zone, mut client) = self.zoned(scope).await?;
        batch::batch(&mut client, &zone, scope, ops, atomic, stamp).await
    }

    async fn get_idempotency(
        &self,
        api_key: &ApiKeyId,
        key: &str,
        not_before: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let client = self.read_client().await?;
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
        let (zone, client) = self.zoned_read(scope).await?;
        access::list_roles(&client, &zone, window).await
    }

    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::get_role(&client, &zone, role).await
    }

    async fn create_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::insert_role(&tx, &zone, role).await?;
        events::commit_with(tx, &stamp.event(EventType::RoleCreated, scope, role.clone())).await
    }

    async fn update_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::update_role(&tx, &zone, role).await?;
        events::commit_with(tx, &stamp.event(EventType::RoleUpdated, scope, role.clone())).await
    }

    async fn delete_role(
        &self,
        scope: &ZoneScope,
        id: &RoleId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let gone = access::delete_role(&tx, &zone, id).await?;
        events::commit_with(tx, &stamp.event(EventType::RoleDeleted, scope, gone)).await
    }

    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::list_role_assignments(&client, &zone, user, window).await
    }

    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
        stamp: &EventStamp,
    ) -> StoreResult<RoleAssignment> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let made = access::insert_role_assignment(&tx, &zone, assignment).await?;
        events::commit_with(
            tx,
            &stamp.event(EventType::RoleAssignmentCreated, scope, made.clone()),
        )
        .await?;
        Ok(made)
    }

    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::get_role_assignment(&client, &zone, user, id).await
    }

    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let gone = access::delete_role_assignment(&tx, &zone, user, id).await?;
        events::commit_with(tx, &stamp.event(EventType::RoleAssignmentDeleted, scope, gone)).await
    }

    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::list_sessions(&client, &zone, user, window).await
    }

    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::get_session(&client, &zone, user, id).await
    }

    async fn create_session(
        &self,
        scope: &ZoneScope,
        session: &Session,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::insert_session(&tx, &zone, session).await?;
        events::commit_with(tx, &stamp.event(EventType::SessionCreated, scope, session.clone()))
            .await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        stamp: &EventStamp,
    ) -> StoreResult<Session> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let (session, revoked) = access::revoke_session(&tx, &zone, user, id, stamp.at).await?;
        if revoked {
            events::record(&tx, &stamp.event(EventType::SessionRevoked, scope, session.clone()))
                .await?;
        }
        tx.commit().await?;
        Ok(session)
    }

    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::list_grants(&client, &zone, user, window).await
    }

    async fn get_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
    ) -> StoreResult<Grant> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::get_grant(&client, &zone, user, id).await
    }

    async fn create_grant(
        &self,
        scope: &ZoneScope,
        grant: &Grant,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::insert_grant(&tx, &zone, grant).await?;
        events::commit_with(tx, &stamp.event(EventType::GrantCreated, scope, grant.clone())).await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        stamp: &EventStamp,
    ) -> StoreResult<Grant> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let (grant, revoked) = access::revoke_grant(&tx, &zone, user, id, stamp.at).await?;
        if revoked {
            events::record(&tx, &stamp.event(EventType::GrantRevoked, scope, grant.clone()))
                .await?;
        }
        tx.commit().await?;
        Ok(grant)
    }

    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::list_providers(&client, &zone, window).await
    }

    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::get_provider(&client, &zone, provider).await
    }

    async fn create_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::insert_provider(&tx, &zone, provider).await?;
        events::commit_with(tx, &stamp.event(EventType::ProviderCreated, scope, provider.clone()))
            .await
    }

    async fn update_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        access::update_provider(&tx, &zone, provider).await?;
        events::commit_with(tx, &stamp.event(EventType::ProviderUpdated, scope, provider.clone()))
            .await
    }

    async fn delete_provider(
        &self,
        scope: &ZoneScope,
        id: &ProviderId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (zone, mut client) = self.zoned(scope).await?;
        let tx = client.transaction().await?;
        let gone = access::delete_provider(&tx, &zone, id).await?;
        events::commit_with(tx, &stamp.event(EventType::ProviderDeleted, scope, gone)).await
    }

    async fn sign_in(
        &self,
        scope: &ZoneScope,
        issuer: &str,
        subject: &str,
        new_user: Option<&User>,
        session: &Session,
        stamp: &EventStamp,
    ) -> StoreResult<SignedIn> {
        let (zone, mut client) = self.zoned(scope).await?;
        access::sign_in(&mut client, &zone, issuer, subject, new_user, session, stamp).await
    }

    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>> {
        let (zone, client) = self.zoned_read(scope).await?;
        access::expand_users(&client, &zone, users, what, now).await
    }

    async fn events_after(&self, query: &EventQuery) -> StoreResult<EventPage> {
        let client = self.read_client().await?;
        events::events_after(&client, query).await
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        let mut client = self.client().await?;
        events::purge(&mut client, before).await
    }

    async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64> {
        let client = self.client().await?;
        webhooks::purge_deliveries(&client, before).await
    }

    async fn event_at(&self, org: &OrgId, at: FeedPosition) -> StoreResult<Event> {
        let client = self.read_client().await?;
        events::event_at(&client, org, at).await
    }

    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let client = self.client().await?;
        webhooks::insert(&client, endpoint).await
    }

    async fn get_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
    ) -> StoreResult<WebhookEndpoint> {
        let client = self.read_client().await?;
        webhooks::get_one(&client, org, id).await
    }

    async fn list_webhooks(
        &self,
        org: &OrgId,
        window: &IdWindow,
    ) -> StoreResult<Page<WebhookEndpoint>> {
        let client = self.read_client().await?;
        webhooks::list(&client, org, window).await
    }

    async fn update_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
        update: WebhookUpdate,
    ) -> StoreResult<WebhookEndpoint> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut endpoint = webhooks::get_for_update(&tx, org, id).await?;
        update(&mut endpoint);
        webhooks::update(&tx, &endpoint).await?;
        tx.commit().await?;
        Ok(endpoint)
    }

    async fn delete_webhook(&self, org: &OrgId, id: &WebhookEndpointId) -> StoreResult<()> {
        let client = self.client().await?;
        webhooks::delete(&client, org, id).await
    }

    async fn claim_webhooks(
        &self,
        now: Timestamp,
        until: Timestamp,
        token: i64,
        limit: usize,
    ) -> StoreResult<Vec<ClaimedWebhook>> {
        let client = self.client().await?;
        webhooks::claim(&client, now, until, token, limit).await
    }

    async fn save_webhook_progress(
        &self,
        id: &WebhookEndpointId,
        token: i64,
        progress: &WebhookProgress,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        webhooks::save_progress(&client, id, token, progress).await
    }

    async fn record_delivery(&self, delivery: &Delivery, at: FeedPosition) -> StoreResult<()> {
        let client = self.client().await?;
        webhooks::record_delivery(&client, delivery, at).await
    }

    async fn list_deliveries(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        window: &IdWindow,
    ) -> StoreResult<Page<Delivery>> {
        let client = self.read_client().await?;
        webhooks::list_deliveries(&client, org, endpoint, window).await
    }

    async fn get_delivery(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        id: &DeliveryId,
    ) -> StoreResult<(Delivery, FeedPosition)> {
        let client = self.read_client().await?;
        webhooks::get_delivery(&client, org, endpoint, id).await
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

    fn stats(&self) -> StoreStats {
        PgStore::stats(self)
    }
}
