//! Use cases of roles, role assignments, sessions, grants, providers and
//! sign-ins. Everything lives inside a zone and follows the users' rules:
//! another zone's object is `NotFound`, scopes gate every call.

use std::collections::HashMap;

use serde_json::{Map, Value};

use roster_domain::access::{
    Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session, parse_assignment,
    parse_grant, parse_session, parse_sign_in,
};
use roster_domain::{
    GrantId, ProviderId, RoleAssignmentId, RoleId, Scope, SessionId, User, UserId, ZoneRef,
};
use roster_store::{ExpandRequest, SignedIn, StoreError, ZoneScope};

use crate::error::{ServiceError, ServiceResult};
use crate::tenancy::{IdPage, IdPageRequest};
use crate::users::Expand;
use crate::{Principal, Service};

fn not_found_is(param: &str, detail: &str) -> impl Fn(StoreError) -> ServiceError {
    let (param, detail) = (param.to_owned(), detail.to_owned());
    move |e| match e {
        StoreError::NotFound => ServiceError::invalid_body(param.clone(), detail.clone()),
        other => other.into(),
    }
}

fn user_id(id: &str) -> ServiceResult<UserId> {
    UserId::parse(id).ok_or(ServiceError::NotFound)
}

impl Service {
    /// A body naming something that does not exist is the caller's 400 only
    /// when the user in the path exists: a missing user (or zone) is a 404,
    /// whatever the body says, as it is for every other request on it.
    async fn unless_user_missing(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        error: ServiceError,
    ) -> ServiceError {
        match self.store.get_user(scope, user).await {
            Err(StoreError::NotFound) => ServiceError::NotFound,
            _ => error,
        }
    }

    // Roles.

    pub async fn list_roles(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Role>> {
        principal.require(Scope::RolesRead)?;
        let window = self.id_window("roles", request)?;
        let page = self.store.list_roles(scope, &window).await?;
        Ok(self.id_page("roles", request, page, |r| r.id.to_bytes()))
    }

    pub async fn get_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesRead)?;
        Ok(self.store.get_role(scope, &RoleRef::parse(role)).await?)
    }

    pub async fn create_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        body: &Value,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesWrite)?;
        let now = self.now();
        let mut role = Role {
            id: RoleId::from_ulid(self.next_ulid()),
            identifier: String::new(),
            name: String::new(),
            description: None,
            created_at: now,
            updated_at: now,
        };
        role.apply(body, true)?;
        self.store.create_role(scope, &role).await?;
        Ok(role)
    }

    pub async fn update_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
        body: &Value,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesWrite)?;
        let mut current = self.store.get_role(scope, &RoleRef::parse(role)).await?;
        if current.apply(body, false)? {
            current.updated_at = self.now().max(current.created_at);
            self.store.update_role(scope, &current).await?;
        }
        Ok(current)
    }

    pub async fn delete_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::RolesWrite)?;
        let found = self.store.get_role(scope, &RoleRef::parse(role)).await?;
        Ok(self.store.delete_role(scope, &found.id).await?)
    }

    // Role assignments.

    pub async fn list_role_assignments(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<RoleAssignment>> {
        principal.require(Scope::RolesRead)?;
        let user = user_id(user)?;
        let window = self.id_window("role_assignments", request)?;
        let page = self.store.list_role_assignments(scope, &user, &window).await?;
        Ok(self.id_page("role_assignments", request, page, |a| a.id.to_bytes()))
    }

    pub async fn create_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        body: &Value,
    ) -> ServiceResult<RoleAssignment> {
        principal.require(Scope::RolesWrite)?;
        let user = user_id(user)?;
        let request = parse_assignment(body)?;
        if let Some(limit) = request.scope.as_ref().filter(|s| s.kind == "zone") {
            // A zone scope names a zone of the organization that this key
            // sees; one it cannot see reads like one that does not exist.
            let detail = format!("{} is not a zone", limit.id);
            let seen = self
                .store
                .get_zone(&principal.org, &ZoneRef::parse(&limit.id))
                .await
                .map_err(not_found_is("scope.id", &detail))
                .and_then(|zone| match principal.may_see_zone(&zone.id) {
                    true => Ok(()),
                    false => Err(ServiceError::invalid_body("scope.id", detail.clone())),
                });
            if let Err(e) = seen {
                return Err(self.unless_user_missing(scope, &user, e).await);
            }
        }
        let param = request.role_param;
        let role = match self.store.get_role(scope, &request.role).await {
            Ok(role) => role,
            Err(e) => {
                let detail = format!("{param} does not name a role of this zone");
                let e = not_found_is(param, &detail)(e);
                return Err(self.unless_user_missing(scope, &user, e).await);
            }
        };
        let assignment = RoleAssignment {
            id: RoleAssignmentId::from_ulid(self.next_ulid()),
            user_id: user,
            role_id: role.id,
            role_identifier: role.identifier,
            scope: request.scope,
            created_at: self.now(),
            created_by: principal.actor(),
        };
        self.store.create_role_assignment(scope, &assignment).await.map_err(|e| match e {
            StoreError::MissingReference { .. } => ServiceError::invalid_body(
                param,
                format!("{param} does not name a role of this zone"),
            ),
            StoreError::Conflict { .. } => ServiceError::Conflict { field: param.to_owned() },
            other => other.into(),
        })
    }

    pub async fn get_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<RoleAssignment> {
        principal.require(Scope::RolesRead)?;
        let user = user_id(user)?;
        let id = RoleAssignmentId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.get_role_assignment(scope, &user, &id).await?)
    }

    pub async fn delete_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::RolesWrite)?;
        let user = user_id(user)?;
        let id = RoleAssignmentId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.delete_role_assignment(scope, &user, &id).await?)
    }

    // Sessions.

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
        body: &Value,
    ) -> ServiceResult<Session> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let now = self.now();
        let request = parse_session(body, now)?;
        let session = Session {
            id: SessionId::from_ulid(self.next_ulid()),
            user_id: user,
            provider_id: request.provider_id,
            created_at: now,
            expires_at: request.expires_at,
            revoked_at: None,
            created_by: principal.actor(),
        };
        self.store.create_session(scope, &session).await?;
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
        Ok(self.store.revoke_session(scope, &user, &id, self.now()).await?)
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
        body: &Value,
    ) -> ServiceResult<Grant> {
        principal.require(Scope::UsersWrite)?;
        let user = user_id(user)?;
        let now = self.now();
        let request = parse_grant(body, now)?;
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
        self.store.create_grant(scope, &grant).await?;
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
        Ok(self.store.revoke_grant(scope, &user, &id, self.now()).await?)
    }

    // Providers.

    pub async fn list_providers(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Provider>> {
        principal.require(Scope::ZonesRead)?;
        let window = self.id_window("providers", request)?;
        let page = self.store.list_providers(scope, &window).await?;
        Ok(self.id_page("providers", request, page, |p| p.id.to_bytes()))
    }

    pub async fn get_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesRead)?;
        Ok(self.store.get_provider(scope, provider).await?)
    }

    pub async fn create_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        body: &Value,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesWrite)?;
        let now = self.now();
        let mut provider = Provider {
            id: ProviderId::from_ulid(self.next_ulid()),
            identifier: String::new(),
            issuer: String::new(),
            user_identifier_claim: None,
            created_at: now,
            updated_at: now,
        };
        provider.apply(body, true)?;
        self.store.create_provider(scope, &provider).await?;
        Ok(provider)
    }

    pub async fn update_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
        body: &Value,
    ) -> ServiceResult<Provider> {
        principal.require(Scope::ZonesWrite)?;
        let mut current = self.store.get_provider(scope, provider).await?;
        if current.apply(body, false)? {
            current.updated_at = self.now().max(current.created_at);
            self.store.update_provider(scope, &current).await?;
        }
        Ok(current)
    }

    pub async fn delete_provider(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::ZonesWrite)?;
        let found = self.store.get_provider(scope, provider).await?;
        Ok(self.store.delete_provider(scope, &found.id).await?)
    }

    /// Finds the provider's user for `subject` or creates it from the
    /// claims, and records a session.
    pub async fn sign_in(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
        body: &Value,
    ) -> ServiceResult<SignedIn> {
        principal.require(Scope::UsersWrite)?;
        let provider = self.store.get_provider(scope, provider).await?;
        let now = self.now();
        let request = parse_sign_in(body, now)?;
        let new_user = self.user_from_claims(
            principal,
            scope,
            &provider,
            &request.subject,
            &request.claims,
            now,
        )?;
        let session = Session {
            id: SessionId::from_ulid(self.next_ulid()),
            user_id: new_user.as_ref().map_or(UserId::from_bytes([0; 16]), |u| u.id),
            provider_id: Some(provider.id),
            created_at: now,
            expires_at: request.expires_at,
            revoked_at: None,
            created_by: principal.actor(),
        };
        self.store
            .sign_in(scope, &provider.issuer, &request.subject, new_user.as_ref(), &session)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::invalid_body(
                    "claims.email",
                    "an email claim is needed to create the user on first sign-in",
                ),
                StoreError::Conflict { field } => ServiceError::Conflict {
                    field: format!("claims.{}", claim_of(field, &provider)),
                },
                other => other.into(),
            })
    }

    /// The user a first sign-in creates, or `None` when the claims cannot
    /// make one (no `email`): the store then only finds.
    fn user_from_claims(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &Provider,
        subject: &str,
        claims: &Map<String, Value>,
        now: roster_domain::Timestamp,
    ) -> ServiceResult<Option<User>> {
        if claims.get("email").is_none_or(Value::is_null) {
            return Ok(None);
        }
        let mut body = Map::new();
        let copy = |claim: &str, field: &str, body: &mut Map<String, Value>| {
            if let Some(v) = claims.get(claim).filter(|v| !v.is_null()) {
                body.insert(field.to_owned(), v.clone());
            }
        };
        copy("email", "email", &mut body);
        copy("email_verified", "email_verified", &mut body);
        copy("given_name", "first_name", &mut body);
        copy("family_name", "last_name", &mut body);
        copy("name", "name", &mut body);
        if let Some(claim) = &provider.user_identifier_claim {
            copy(claim, "identifier", &mut body);
        }
        body.insert("issuer".into(), Value::String(provider.issuer.clone()));
        body.insert("subject".into(), Value::String(subject.to_owned()));
        body.insert("provider_id".into(), Value::String(provider.id.to_string()));
        let id = UserId::from_ulid(self.next_ulid());
        // Created at the instant of the sign-in it records.
        let base = User::blank(id, scope.org, scope.zone, now, principal.actor());
        let (user, _) = User::create(base, &body).map_err(|e| {
            let claim = match e.param.as_str() {
                "first_name" => "given_name".to_owned(),
                "last_name" => "family_name".to_owned(),
                "identifier" => provider.user_identifier_claim.clone().unwrap_or_default(),
                other => other.to_owned(),
            };
            ServiceError::invalid_body(
                format!("claims.{claim}"),
                format!("claims.{claim} {}", e.detail),
            )
        })?;
        Ok(Some(user))
    }

    /// Extras for users being returned, in one store call.
    pub(crate) async fn expansions(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        expand: Expand,
    ) -> ServiceResult<Option<HashMap<UserId, Expansion>>> {
        if !expand.any() {
            return Ok(None);
        }
        let what = ExpandRequest {
            role_assignments: expand.role_assignments,
            grant_count: expand.grant_count,
            session_count: expand.session_count,
        };
        Ok(Some(self.store.expand_users(scope, users, what, self.now()).await?))
    }

    /// A role named by id or identifier, for the user-list `role` filter;
    /// `None` when it names no role of the zone.
    pub(crate) async fn find_role_id(
        &self,
        scope: &ZoneScope,
        role: &str,
    ) -> ServiceResult<Option<RoleId>> {
        match self.store.get_role(scope, &RoleRef::parse(role)).await {
            Ok(r) => Ok(Some(r.id)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The claim a conflicting user field came from.
fn claim_of(field: &str, provider: &Provider) -> String {
    match field {
        "identifier" => provider.user_identifier_claim.clone().unwrap_or_else(|| "sub".into()),
        "subject" => "sub".into(),
        other => other.to_owned(),
    }
}
