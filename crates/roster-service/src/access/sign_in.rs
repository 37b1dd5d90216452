//! Signing in through an identity provider: the user found by subject or
//! made from the claims, and a session.

use std::collections::HashMap;

use serde_json::{Map, Value};

use roster_domain::access::{Expansion, Provider, RoleRef, Session, SignInFields, SignInRequest};
use roster_domain::events::EventStamp;
use roster_domain::{RoleId, Scope, SessionId, User, UserId, claims};
use roster_store::{ExpandRequest, SignedIn, StoreError, ZoneScope};

use crate::error::{ServiceError, ServiceResult};
use crate::users::Expand;
use crate::{Principal, Service};

impl Service {
    /// Finds the provider's user for `subject` or creates it from the
    /// claims, and records a session.
    pub async fn sign_in(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        provider: &str,
        fields: SignInFields,
    ) -> ServiceResult<SignedIn> {
        principal.require(Scope::UsersWrite)?;
        let provider = self.store.get_provider(scope, provider).await?;
        let now = self.now();
        let request = SignInRequest::new(fields, now)?;
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
            .sign_in(
                scope,
                &provider.issuer,
                &request.subject,
                new_user.as_ref(),
                &session,
                &EventStamp { at: now, ..self.stamp(principal) },
            )
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
        let identifier_claim = provider.user_identifier_claim.as_deref();
        let mut fields = claims::user_fields(claims, identifier_claim)?;
        claims::link(&mut fields, provider.id, &provider.issuer, subject)?;
        let id = UserId::from_ulid(self.next_ulid());
        // Created at the instant of the sign-in it records.
        let base = User::blank(id, scope.org, scope.zone, now, principal.actor());
        let (user, _) = User::create(base, fields)?;
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
