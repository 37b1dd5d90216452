//! Use cases of sessions and delegated grants.

use roster_domain::access::{
    Grant, GrantFields, GrantRequest, Session, SessionFields, SessionRequest,
};
use roster_domain::{GrantId, Scope, SessionId};
use roster_store::ZoneScope;

use crate::error::{ServiceError, ServiceResult};
use crate::tenancy::{IdPage, IdPageRequest};
use crate::{Principal, Service};

use super::user_id;

impl Service {
    pub async fn list_sessions(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Session>> {
        principal.require(Scope::UsersRead)?;
        let user = user_id(user)?;
        let window = self.id_window("sessions", request)?;
        let page = self.store.list_sessions(scope, &user, &window).await?;
        Ok(self.id_page("sessions", request, page, |s| s.id.to_bytes()))
    }

    pub async fn create_session(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        fields: SessionFields,
    ) -> ServiceResult<Session> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let now = self.now();
        let request = SessionRequest::new(fields, now)?;
        let session = Session {
            id: SessionId::from_ulid(self.next_ulid()),
            user_id: user,
            provider_id: request.provider_id,
            created_at: now,
            expires_at: request.expires_at,
            revoked_at: None,
            created_by: principal.actor(),
        };
        self.store.create_session(scope, &session, &self.stamp(principal)).await?;
        Ok(session)
    }

    pub async fn get_session(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<Session> {
        principal.require(Scope::UsersRead)?;
        let user = user_id(user)?;
        let id = SessionId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.get_session(scope, &user, &id).await?)
    }

    pub async fn revoke_session(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<Session> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let id = SessionId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.revoke_session(scope, &user, &id, &self.stamp(principal)).await?)
    }

    // Grants.

    pub async fn list_grants(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Grant>> {
        principal.require(Scope::UsersRead)?;
        let user = user_id(user)?;
        let window = self.id_window("grants", request)?;
        let page = self.store.list_grants(scope, &user, &window).await?;
        Ok(self.id_page("grants", request, page, |g| g.id.to_bytes()))
    }

    pub async fn create_grant(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        fields: GrantFields,
    ) -> ServiceResult<Grant> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let now = self.now();
        let request = GrantRequest::new(fields, now)?;
        let grant = Grant {
            id: GrantId::from_ulid(self.next_ulid()),
            user_id: user,
            client_id: request.client_id,
            resource: request.resource,
            scopes: request.scopes,
            created_at: now,
            expires_at: request.expires_at,
            revoked_at: None,
            created_by: principal.actor(),
        };
        self.store.create_grant(scope, &grant, &self.stamp(principal)).await?;
        Ok(grant)
    }

    pub async fn get_grant(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<Grant> {
        principal.require(Scope::UsersRead)?;
        let user = user_id(user)?;
        let id = GrantId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.get_grant(scope, &user, &id).await?)
    }

    pub async fn revoke_grant(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<Grant> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let id = GrantId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.revoke_grant(scope, &user, &id, &self.stamp(principal)).await?)
    }
}
