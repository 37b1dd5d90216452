//! The `Store` trait, method by method, handed to the module of its
//! resource: each method picks a reader or the writer, moves its arguments
//! onto that thread and calls one function there.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use rusqlite::Connection;

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::{
    ApiKey, ApiKeyId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId, RoleId,
    SessionId, Timestamp, User, UserId, UserPage, UserQuery, Zone, ZoneId, ZoneRef,
};
use roster_store::{
    ExpandRequest, IdWindow, IdempotencyRecord, Page, SignedIn, Store, StoreResult, UserUpdate,
    ZoneScope,
};

use crate::error::from_sqlite;
use crate::store::SqliteStore;
use crate::{access, idempotency, list, tenancy, users};

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
    ) -> StoreResult<bool> {
        let (org, zone, key, hash) = (org.clone(), zone.clone(), key.clone(), *key_hash);
        self.writer.call(move |conn| tenancy::bootstrap(conn, &org, &zone, &key, &hash)).await
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

    async fn create_zone(&self, zone: &Zone) -> StoreResult<()> {
        let zone = zone.clone();
        self.writer.call(move |conn| tenancy::insert_zone(conn, &zone)).await
    }

    async fn update_zone(&self, zone: &Zone) -> StoreResult<()> {
        let zone = zone.clone();
        self.writer.call(move |conn| tenancy::update_zone(conn, &zone)).await
    }

    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId) -> StoreResult<()> {
        let (org, zone_id) = (*org, *zone);
        self.writer.call(move |conn| tenancy::delete_zone(conn, &org, &zone_id)).await?;
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
    ) -> StoreResult<()> {
        let (user, idempotency) = (user.clone(), idempotency.cloned());
        self.write_in(scope, move |conn, zone| {
            users::insert_user(conn, zone, &user, idempotency.as_ref()).map(drop)
        })
        .await
    }

    async fn import_users(&self, scope: &ZoneScope, users: Vec<User>) -> StoreResult<u64> {
        self.write_in(scope, move |conn, zone| users::import_users(conn, zone, &users)).await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        let id = *id;
        self.write_in(scope, move |conn, zone| users::update_user(conn, zone, &id, update)).await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
    ) -> StoreResult<()> {
        let id = *id;
        self.write_in(scope, move |conn, zone| {
            users::delete_user(conn, zone, &id, expected_version)
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

    async fn create_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let role = role.clone();
        self.write_in(scope, move |conn, zone| access::insert_role(conn, zone, &role)).await
    }

    async fn update_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let role = role.clone();
        self.write_in(scope, move |conn, zone| access::update_role(conn, zone, &role)).await
    }

    async fn delete_role(&self, scope: &ZoneScope, id: &RoleId) -> StoreResult<()> {
        let id = *id;
        self.write_in(scope, move |conn, zone| access::delete_role(conn, zone, &id)).await
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
    ) -> StoreResult<RoleAssignment> {
        let assignment = assignment.clone();
        self.write_in(scope, move |conn, zone| {
            access::insert_role_assignment(conn, zone, &assignment)
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
    ) -> StoreResult<()> {
        let (user, id) = (*user, *id);
        self.write_in(scope, move |conn, zone| {
            access::delete_role_assignment(conn, zone, &user, &id)
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

    async fn create_session(&self, scope: &ZoneScope, session: &Session) -> StoreResult<()> {
        let session = session.clone();
        self.write_in(scope, move |conn, zone| access::insert_session(conn, zone, &session)).await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        at: Timestamp,
    ) -> StoreResult<Session> {
        let (user, id) = (*user, *id);
        self.write_in(scope, move |conn, zone| access::revoke_session(conn, zone, &user, &id, at))
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

    async fn create_grant(&self, scope: &ZoneScope, grant: &Grant) -> StoreResult<()> {
        let grant = grant.clone();
        self.write_in(scope, move |conn, zone| access::insert_grant(conn, zone, &grant)).await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        at: Timestamp,
    ) -> StoreResult<Grant> {
        let (user, id) = (*user, *id);
        self.write_in(scope, move |conn, zone| access::revoke_grant(conn, zone, &user, &id, at))
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

    async fn create_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let provider = provider.clone();
        self.write_in(scope, move |conn, zone| access::insert_provider(conn, zone, &provider)).await
    }

    async fn update_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let provider = provider.clone();
        self.write_in(scope, move |conn, zone| access::update_provider(conn, zone, &provider)).await
    }

    async fn delete_provider(&self, scope: &ZoneScope, id: &ProviderId) -> StoreResult<()> {
        let id = *id;
        self.write_in(scope, move |conn, zone| access::delete_provider(conn, zone, &id)).await
    }

    async fn sign_in(
        &self,
        scope: &ZoneScope,
        issuer: &str,
        subject: &str,
        new_user: Option<&User>,
        session: &Session,
    ) -> StoreResult<SignedIn> {
        let (issuer, subject) = (issuer.to_owned(), subject.to_owned());
        let (new_user, session) = (new_user.cloned(), session.clone());
        self.write_in(scope, move |conn, zone| {
            access::sign_in(conn, zone, &issuer, &subject, new_user.as_ref(), &session)
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

    fn close(&self) {
        SqliteStore::close(self);
    }

    fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn queries_abandoned(&self) -> u64 {
        self.readers.abandoned()
    }
}
