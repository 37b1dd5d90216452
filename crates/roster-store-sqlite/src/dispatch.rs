//! The `Store` trait, method by method, handed to the module of its
//! resource: each method picks a reader or the writer, moves its arguments
//! onto that thread and calls one function there.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use rusqlite::Connection;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::events::{Event, EventStamp, EventType, NewEvent, sign_in_events};
use roster_domain::webhooks::{Delivery, WebhookEndpoint};
use roster_domain::{
    ApiKey, ApiKeyId, DeliveryId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId,
    RoleId, SessionId, Timestamp, User, UserId, UserPage, UserQuery, WebhookEndpointId, Zone,
    ZoneId, ZoneRef,
};
use roster_store::{
    BatchDone, BatchOp, ClaimedWebhook, EventPage, EventQuery, ExpandRequest, FeedPosition,
    IdWindow, IdempotencyRecord, Page, SignedIn, Store, StoreResult, StoreStats, UserUpdate,
    WebhookProgress, WebhookUpdate, ZoneScope,
};

use crate::error::from_sqlite;
use crate::store::SqliteStore;
use crate::{access, events, idempotency, list, tenancy, user_writes, users, webhooks};

/// Records the event of a write that succeeded, passing its value on.
fn recorded<T>(conn: &Connection, event: &NewEvent, value: T) -> StoreResult<T> {
    events::record(conn, event)?;
    Ok(value)
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(from_sqlite))
            .await
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
        let event = stamp.event(EventType::ZoneCreated, &zone.scope(), zone.clone());
        let (org, zone, key, hash) = (org.clone(), zone.clone(), key.clone(), *key_hash);
        self.writer
            .call(move |conn| {
                let created = tenancy::bootstrap(conn, &org, &zone, &key, &hash)?;
                if created {
                    events::record(conn, &event)?;
                }
                Ok(created)
            })
            .await
    }

    async fn default_organization(&self) -> StoreResult<Organization> {
        self.readers.call(|conn| tenancy::first_organization(conn)).await
    }

    async fn get_zone(&self, org: &OrgId, zone: &ZoneRef) -> StoreResult<Zone> {
        let (org, zone) = (*org, zone.clone());
        let (seq, zone) =
            self.readers.call(move |conn| tenancy::find_zone(conn, &org, &zone)).await?;
        self.zones.remember(seq, &zone);
        Ok(zone)
    }

    async fn list_zones(
        &self,
        org: &OrgId,
        only: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<Zone>> {
        let (org, only, window) = (*org, only.map(<[ZoneId]>::to_vec), window.clone());
        self.readers
            .call(move |conn| tenancy::list_zones(conn, &org, only.as_deref(), &window))
            .await
    }

    async fn create_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()> {
        let event = stamp.event(EventType::ZoneCreated, &zone.scope(), zone.clone());
        let zone = zone.clone();
        self.writer
            .call(move |conn| recorded(conn, &event, tenancy::insert_zone(conn, &zone)?))
            .await
    }

    async fn update_zone(&self, zone: &Zone, stamp: &EventStamp) -> StoreResult<()> {
        let event = stamp.event(EventType::ZoneUpdated, &zone.scope(), zone.clone());
        let zone = zone.clone();
        self.writer
            .call(move |conn| recorded(conn, &event, tenancy::update_zone(conn, &zone)?))
            .await
    }

    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId, stamp: &EventStamp) -> StoreResult<()> {
        let (org, zone_id, stamp) = (*org, *zone, stamp.clone());
        self.writer
            .call(move |conn| {
                let (_, gone) = tenancy::find_zone(conn, &org, &ZoneRef::Id(zone_id))?;
                tenancy::delete_zone(conn, &org, &zone_id)?;
                let event = stamp.event(EventType::ZoneDeleted, &gone.scope(), gone);
                events::record(conn, &event)
            })
            .await?;
        self.zones.forget(zone);
        Ok(())
    }

    async fn find_api_key(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        let hash = *hash;
        self.readers.call(move |conn| tenancy::find_key_by_hash(conn, &hash)).await
    }

    async fn get_api_key(&self, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey> {
        let (org, id) = (*org, *id);
        self.readers.call(move |conn| tenancy::get_key(conn, &org, &id)).await
    }

    async fn create_api_key(&self, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()> {
        let (key, hash) = (key.clone(), *hash);
        self.writer.call(move |conn| tenancy::insert_key(conn, &key, &hash)).await
    }

    async fn list_api_keys(
        &self,
        org: &OrgId,
        within: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<ApiKey>> {
        let (org, within, window) = (*org, within.map(<[ZoneId]>::to_vec), window.clone());
        self.readers
            .call(move |conn| tenancy::list_keys(conn, &org, within.as_deref(), &window))
            .await
    }

    async fn revoke_api_key(&self, org: &OrgId, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let (org, id) = (*org, *id);
        self.writer.call(move |conn| tenancy::revoke_key(conn, &org, &id, at)).await
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let id = *id;
        self.writer.call(move |conn| tenancy::touch_key(conn, &id, at)).await
    }

    async fn get_user(&self, scope: &ZoneScope, id: &UserId) -> StoreResult<User> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.readers.call_short(move |conn| users::get_user(conn, &zone, &id)).await
    }

    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage> {
        let zone = self.zone_key(scope).await?;
        let (query, limits) = (query.clone(), self.list_limits);
        let short = list::is_short(&query);
        let read = move |conn: &mut Connection| list::list_users(conn, &zone, &query, limits);
        if short { self.readers.call_short(read).await } else { self.readers.call(read).await }
    }

    async fn create_user(
        &self,
        scope: &ZoneScope,
        user: &User,
        idempotency: Option<&IdempotencyRecord>,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (user, idempotency) = (user.clone(), idempotency.cloned());
        let (scope, stamp) = (*scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            user_writes::create(conn, zone, &scope, &user, idempotency.as_ref(), &stamp)
        })
        .await
    }

    async fn import_users(
        &self,
        scope: &ZoneScope,
        users: Vec<User>,
        stamp: &EventStamp,
    ) -> StoreResult<u64> {
        let (scope, stamp) = (*scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let n = users::import_users(conn, zone, &users)?;
            for user in users {
                let event = stamp.follow_up().event(EventType::UserCreated, &scope, user);
                events::record(conn, &event)?;
            }
            Ok(n)
        })
        .await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
        stamp: &EventStamp,
    ) -> StoreResult<User> {
        let (id, scope, stamp) = (*id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            user_writes::update(conn, zone, &scope, &id, update, &stamp)
        })
        .await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (id, scope, stamp) = (*id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            user_writes::delete(conn, zone, &scope, &id, expected_version, &stamp)
        })
        .await
    }

    async fn batch_users(
        &self,
        scope: &ZoneScope,
        ops: Vec<BatchOp>,
        atomic: bool,
        stamp: &EventStamp,
    ) -> StoreResult<Vec<StoreResult<BatchDone>>> {
        let (scope, stamp) = (*scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            user_writes::batch(conn, zone, &scope, ops, atomic, &stamp)
        })
        .await
    }

    async fn get_idempotency(
        &self,
        api_key: &ApiKeyId,
        key: &str,
        not_before: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let (api_key, key) = (*api_key, key.to_owned());
        self.readers.call(move |conn| idempotency::get(conn, &api_key, &key, not_before)).await
    }

    async fn put_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let record = record.clone();
        self.writer.call(move |conn| idempotency::insert(conn, &record)).await
    }

    async fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64> {
        self.writer.call(move |conn| idempotency::purge(conn, before)).await
    }

    async fn list_roles(&self, scope: &ZoneScope, window: &IdWindow) -> StoreResult<Page<Role>> {
        let window = window.clone();
        self.read_in(scope, move |conn, zone| access::list_roles(conn, zone, &window)).await
    }

    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role> {
        let role = role.clone();
        self.read_in(scope, move |conn, zone| access::get_role(conn, zone, &role)).await
    }

    async fn create_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::RoleCreated, scope, role.clone());
        let role = role.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::insert_role(conn, zone, &role)?)
        })
        .await
    }

    async fn update_role(
        &self,
        scope: &ZoneScope,
        role: &Role,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::RoleUpdated, scope, role.clone());
        let role = role.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::update_role(conn, zone, &role)?)
        })
        .await
    }

    async fn delete_role(
        &self,
        scope: &ZoneScope,
        id: &RoleId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (id, scope, stamp) = (*id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let gone = access::get_role(conn, zone, &RoleRef::Id(id))?;
            access::delete_role(conn, zone, &id)?;
            events::record(conn, &stamp.event(EventType::RoleDeleted, &scope, gone))
        })
        .await
    }

    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>> {
        let (user, window) = (*user, window.clone());
        self.read_in(scope, move |conn, zone| {
            access::list_role_assignments(conn, zone, &user, &window)
        })
        .await
    }

    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
        stamp: &EventStamp,
    ) -> StoreResult<RoleAssignment> {
        let (assignment, scope, stamp) = (assignment.clone(), *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let made = access::insert_role_assignment(conn, zone, &assignment)?;
            let event = stamp.event(EventType::RoleAssignmentCreated, &scope, made.clone());
            recorded(conn, &event, made)
        })
        .await
    }

    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment> {
        let (user, id) = (*user, *id);
        self.read_in(scope, move |conn, zone| access::get_role_assignment(conn, zone, &user, &id))
            .await
    }

    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (user, id, scope, stamp) = (*user, *id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let gone = access::get_role_assignment(conn, zone, &user, &id)?;
            access::delete_role_assignment(conn, zone, &user, &id)?;
            let event = stamp.event(EventType::RoleAssignmentDeleted, &scope, gone);
            events::record(conn, &event)
        })
        .await
    }

    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>> {
        let (user, window) = (*user, window.clone());
        self.read_in(scope, move |conn, zone| access::list_sessions(conn, zone, &user, &window))
            .await
    }

    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session> {
        let (user, id) = (*user, *id);
        self.read_in(scope, move |conn, zone| access::get_session(conn, zone, &user, &id)).await
    }

    async fn create_session(
        &self,
        scope: &ZoneScope,
        session: &Session,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::SessionCreated, scope, session.clone());
        let session = session.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::insert_session(conn, zone, &session)?)
        })
        .await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        stamp: &EventStamp,
    ) -> StoreResult<Session> {
        let (user, id, scope, stamp) = (*user, *id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let (session, revoked) = access::revoke_session(conn, zone, &user, &id, stamp.at)?;
            if !revoked {
                return Ok(session);
            }
            let event = stamp.event(EventType::SessionRevoked, &scope, session.clone());
            recorded(conn, &event, session)
        })
        .await
    }

    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>> {
        let (user, window) = (*user, window.clone());
        self.read_in(scope, move |conn, zone| access::list_grants(conn, zone, &user, &window)).await
    }

    async fn get_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
    ) -> StoreResult<Grant> {
        let (user, id) = (*user, *id);
        self.read_in(scope, move |conn, zone| access::get_grant(conn, zone, &user, &id)).await
    }

    async fn create_grant(
        &self,
        scope: &ZoneScope,
        grant: &Grant,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::GrantCreated, scope, grant.clone());
        let grant = grant.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::insert_grant(conn, zone, &grant)?)
        })
        .await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        stamp: &EventStamp,
    ) -> StoreResult<Grant> {
        let (user, id, scope, stamp) = (*user, *id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let (grant, revoked) = access::revoke_grant(conn, zone, &user, &id, stamp.at)?;
            if !revoked {
                return Ok(grant);
            }
            let event = stamp.event(EventType::GrantRevoked, &scope, grant.clone());
            recorded(conn, &event, grant)
        })
        .await
    }

    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>> {
        let window = window.clone();
        self.read_in(scope, move |conn, zone| access::list_providers(conn, zone, &window)).await
    }

    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider> {
        let provider = provider.to_owned();
        self.read_in(scope, move |conn, zone| access::get_provider(conn, zone, &provider)).await
    }

    async fn create_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::ProviderCreated, scope, provider.clone());
        let provider = provider.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::insert_provider(conn, zone, &provider)?)
        })
        .await
    }

    async fn update_provider(
        &self,
        scope: &ZoneScope,
        provider: &Provider,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let event = stamp.event(EventType::ProviderUpdated, scope, provider.clone());
        let provider = provider.clone();
        self.write_in(scope, move |conn, zone| {
            recorded(conn, &event, access::update_provider(conn, zone, &provider)?)
        })
        .await
    }

    async fn delete_provider(
        &self,
        scope: &ZoneScope,
        id: &ProviderId,
        stamp: &EventStamp,
    ) -> StoreResult<()> {
        let (id, scope, stamp) = (*id, *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let gone = access::get_provider(conn, zone, &id.to_string())?;
            access::delete_provider(conn, zone, &id)?;
            events::record(conn, &stamp.event(EventType::ProviderDeleted, &scope, gone))
        })
        .await
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
        let (issuer, subject) = (issuer.to_owned(), subject.to_owned());
        let (new_user, session, scope, stamp) =
            (new_user.cloned(), session.clone(), *scope, stamp.clone());
        self.write_in(&scope, move |conn, zone| {
            let signed_in =
                access::sign_in(conn, zone, &issuer, &subject, new_user.as_ref(), &session)?;
            let (user, session) = (&signed_in.user, &signed_in.session);
            for event in sign_in_events(&stamp, &scope, user, session, signed_in.created) {
                events::record(conn, &event)?;
            }
            Ok(signed_in)
        })
        .await
    }

    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>> {
        let users = users.to_vec();
        self.read_in(scope, move |conn, zone| access::expand_users(conn, zone, &users, what, now))
            .await
    }

    async fn events_after(&self, query: &EventQuery) -> StoreResult<EventPage> {
        let query = query.clone();
        self.readers.call(move |conn| events::events_after(conn, &query)).await
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        self.writer.call(move |conn| events::purge(conn, before)).await
    }

    async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64> {
        self.writer.call(move |conn| webhooks::purge_deliveries(conn, before)).await
    }

    async fn event_at(&self, org: &OrgId, at: FeedPosition) -> StoreResult<Event> {
        let org = *org;
        self.readers.call(move |conn| events::event_at(conn, &org, at)).await
    }

    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let endpoint = endpoint.clone();
        self.writer.call(move |conn| webhooks::insert(conn, &endpoint)).await
    }

    async fn get_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
    ) -> StoreResult<WebhookEndpoint> {
        let (org, id) = (*org, *id);
        self.readers.call(move |conn| webhooks::get(conn, &org, &id)).await
    }

    async fn list_webhooks(
        &self,
        org: &OrgId,
        window: &IdWindow,
    ) -> StoreResult<Page<WebhookEndpoint>> {
        let (org, window) = (*org, window.clone());
        self.readers.call(move |conn| webhooks::list(conn, &org, &window)).await
    }

    async fn update_webhook(
        &self,
        org: &OrgId,
        id: &WebhookEndpointId,
        update: WebhookUpdate,
    ) -> StoreResult<WebhookEndpoint> {
        let (org, id) = (*org, *id);
        // The single writer reads and writes with nothing in between.
        self.writer
            .call(move |conn| {
                let mut endpoint = webhooks::get(conn, &org, &id)?;
                update(&mut endpoint);
                webhooks::update(conn, &endpoint)?;
                Ok(endpoint)
            })
            .await
    }

    async fn delete_webhook(&self, org: &OrgId, id: &WebhookEndpointId) -> StoreResult<()> {
        let (org, id) = (*org, *id);
        self.writer.call(move |conn| webhooks::delete(conn, &org, &id)).await
    }

    async fn claim_webhooks(
        &self,
        now: Timestamp,
        until: Timestamp,
        token: i64,
        limit: usize,
    ) -> StoreResult<Vec<ClaimedWebhook>> {
        // Every node asks every second: a reader answers "nothing due" (the
        // usual answer) without taking a turn of the one writer.
        if !self.readers.call_short(move |conn| webhooks::any_due(conn, now)).await? {
            return Ok(Vec::new());
        }
        self.writer.call(move |conn| webhooks::claim(conn, now, until, token, limit)).await
    }

    async fn save_webhook_progress(
        &self,
        id: &WebhookEndpointId,
        token: i64,
        progress: &WebhookProgress,
    ) -> StoreResult<bool> {
        let (id, progress) = (*id, progress.clone());
        self.writer.call(move |conn| webhooks::save_progress(conn, &id, token, &progress)).await
    }

    async fn record_delivery(&self, delivery: &Delivery, at: FeedPosition) -> StoreResult<()> {
        let delivery = delivery.clone();
        self.writer.call(move |conn| webhooks::record_delivery(conn, &delivery, at)).await
    }

    async fn list_deliveries(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        window: &IdWindow,
    ) -> StoreResult<Page<Delivery>> {
        let (org, endpoint, window) = (*org, *endpoint, window.clone());
        self.readers
            .call(move |conn| webhooks::list_deliveries(conn, &org, &endpoint, &window))
            .await
    }

    async fn get_delivery(
        &self,
        org: &OrgId,
        endpoint: &WebhookEndpointId,
        id: &DeliveryId,
    ) -> StoreResult<(Delivery, FeedPosition)> {
        let (org, endpoint, id) = (*org, *endpoint, *id);
        self.readers.call(move |conn| webhooks::get_delivery(conn, &org, &endpoint, &id)).await
    }

    fn close(&self) {
        SqliteStore::close(self);
    }

    fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn queries_abandoned(&self) -> u64 {
        self.readers.abandoned()
    }

    fn stats(&self) -> StoreStats {
        let (pool, read_wait) = self.readers.stats();
        StoreStats { pool, read_wait, writer: Some(self.writer.stats()) }
    }
}
