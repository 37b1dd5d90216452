//! What hangs off a user inside its zone: roles and their assignments,
//! sessions, delegated grants, and the identity providers users come from.

use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::fields::{Ident, Text};
use crate::ids::{GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, UserId};
use crate::timestamp::Timestamp;
use crate::user::set;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Role {
    pub id: RoleId,
    pub identifier: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A provisioning system's identifier for the role (SCIM's Group
    /// `externalId`). Left out of a snapshot when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// How a path or body names a role: by id (`role_…`) or identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    Id(RoleId),
    Identifier(String),
}

impl RoleRef {
    pub fn parse(s: &str) -> Self {
        match RoleId::parse(s) {
            Some(id) => RoleRef::Id(id),
            None => RoleRef::Identifier(s.to_owned()),
        }
    }
}

/// What an assignment is limited to; `None` means the zone itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AssignmentScope {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleAssignment {
    pub id: RoleAssignmentId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub role_identifier: String,
    pub scope: Option<AssignmentScope>,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Active,
    Expired,
    Revoked,
}

impl Liveness {
    pub fn of(
        revoked_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Self {
        if revoked_at.is_some() {
            Liveness::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            Liveness::Expired
        } else {
            Liveness::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Active => "active",
            Liveness::Expired => "expired",
            Liveness::Revoked => "revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub provider_id: Option<ProviderId>,
    /// When the authentication happened.
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub client_id: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provider {
    pub id: ProviderId,
    pub identifier: String,
    pub issuer: String,
    /// The claim whose value becomes a new user's `identifier`.
    pub user_identifier_claim: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Per-user extras computed for `expand[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    pub role_assignments: Vec<RoleAssignment>,
    pub grant_count: u64,
    pub session_count: u64,
}

pub type RoleIdentifier = Ident<255>;
pub type RoleName = Text<255>;
pub type RoleDescription = Text<4096>;
pub type ProviderIdentifier = Ident<255>;
pub type Issuer = Ident<1024>;
/// A claim's name, and each half of an assignment's scope.
pub type ShortIdent = Ident<255>;
/// A grant's `client_id` and `resource`, and a sign-in's `subject`:
/// identifiers of another system, so longer.
pub type ForeignIdent = Ident<1024>;
pub type GrantScope = Ident<255>;

/// Sets `slot` to a value that was given; whether it changed. Patches
/// join these with `|`, not `||`, so that every given field is set.
fn set_given<T: PartialEq>(slot: &mut T, value: Option<T>) -> bool {
    value.is_some_and(|v| set(slot, v))
}

fn required(field: &str) -> ValidationError {
    ValidationError::new(field, "is required")
}

/// What a role create or patch says, each value already held to its rule:
/// `None` leaves the field as it is; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFields {
    pub identifier: Option<RoleIdentifier>,
    pub name: Option<RoleName>,
    pub description: Option<Option<RoleDescription>>,
    pub external_id: Option<Option<crate::user::ExternalId>>,
}

impl Role {
    /// A new role: `identifier` is required, `name` defaults to it.
    pub fn create(id: RoleId, now: Timestamp, fields: RoleFields) -> Result<Self, ValidationError> {
        let identifier = fields.identifier.as_ref().ok_or_else(|| required("identifier"))?;
        let mut role = Role {
            id,
            identifier: String::new(),
            name: identifier.as_str().to_owned(),
            description: None,
            created_at: now,
            updated_at: now,
            external_id: None,
        };
        role.patch(fields);
        Ok(role)
    }

    /// Applies a merge patch; whether anything changed.
    pub fn patch(&mut self, fields: RoleFields) -> bool {
        let RoleFields { identifier, name, description, external_id } = fields;
        set_given(&mut self.identifier, identifier.map(Ident::into_string))
            | set_given(&mut self.name, name.map(Text::into_string))
            | set_given(&mut self.description, description.map(|d| d.map(Text::into_string)))
            | set_given(&mut self.external_id, external_id.map(|e| e.map(Ident::into_string)))
    }
}

/// What a provider create or patch says (see `RoleFields`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderFields {
    pub identifier: Option<ProviderIdentifier>,
    pub issuer: Option<Issuer>,
    pub user_identifier_claim: Option<Option<ShortIdent>>,
}

impl Provider {
    /// A new provider: `identifier` and `issuer` are required.
    pub fn create(
        id: ProviderId,
        now: Timestamp,
        fields: ProviderFields,
    ) -> Result<Self, ValidationError> {
        fields.identifier.as_ref().ok_or_else(|| required("identifier"))?;
        fields.issuer.as_ref().ok_or_else(|| required("issuer"))?;
        let mut provider = Provider {
            id,
            identifier: String::new(),
            issuer: String::new(),
            user_identifier_claim: None,
            created_at: now,
            updated_at: now,
        };
        provider.patch(fields);
        Ok(provider)
    }

    /// Applies a merge patch; whether anything changed.
    pub fn patch(&mut self, fields: ProviderFields) -> bool {
        let ProviderFields { identifier, issuer, user_identifier_claim } = fields;
        let claim = user_identifier_claim.map(|c| c.map(Ident::into_string));
        set_given(&mut self.identifier, identifier.map(Ident::into_string))
            | set_given(&mut self.issuer, issuer.map(Ident::into_string))
            | set_given(&mut self.user_identifier_claim, claim)
    }
}

/// What an assignment's body says: the role, by id or by identifier, and
/// what the assignment is limited to (`None`: absent or null).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentFields {
    pub role_id: Option<RoleId>,
    pub role_identifier: Option<RoleIdentifier>,
    pub scope: Option<ScopeFields>,
}

/// The halves of an assignment's scope, each as it came, or `None` when
/// the scope object left it out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFields {
    pub kind: Option<ShortIdent>,
    pub id: Option<ShortIdent>,
}

/// The body of a role assignment: which role, and optionally what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRequest {
    pub role: RoleRef,
    /// The parameter that named the role, for errors.
    pub role_param: &'static str,
    pub scope: Option<AssignmentScope>,
}

impl AssignmentRequest {
    /// Exactly one of `role_id` and `role_identifier`; a scope names both
    /// its type and its id.
    pub fn new(fields: AssignmentFields) -> Result<Self, ValidationError> {
        let (role, role_param) = match (fields.role_id, fields.role_identifier) {
            (Some(_), Some(_)) => {
                return Err(ValidationError::new(
                    "role_id",
                    "give role_id or role_identifier, not both",
                ));
            }
            (Some(id), None) => (RoleRef::Id(id), "role_id"),
            (None, Some(ident)) => (RoleRef::Identifier(ident.into_string()), "role_identifier"),
            (None, None) => {
                return Err(ValidationError::new(
                    "role_id",
                    "role_id or role_identifier is required",
                ));
            }
        };
        let scope = match fields.scope {
            None => None,
            Some(ScopeFields { kind, id }) => {
                // Left out, a half is told what it must be, as a half of
                // the wrong type is.
                let half = |name: &str, v: Option<ShortIdent>| {
                    v.map(Ident::into_string).ok_or_else(|| {
                        ValidationError::new(format!("scope.{name}"), "must be a string")
                    })
                };
                Some(AssignmentScope { kind: half("type", kind)?, id: half("id", id)? })
            }
        };
        Ok(AssignmentRequest { role, role_param, scope })
    }
}

/// An expiry, if any, that lies in the future.
fn expiry(at: Option<Timestamp>, now: Timestamp) -> Result<Option<Timestamp>, ValidationError> {
    match at {
        Some(t) if t <= now => Err(ValidationError::new("expires_at", "must be in the future")),
        _ => Ok(at),
    }
}

/// The body of `POST …/sessions`, each value held to its rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFields {
    pub provider_id: Option<ProviderId>,
    pub expires_at: Option<Timestamp>,
}

/// A session to record: its expiry, if any, is still ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    pub provider_id: Option<ProviderId>,
    pub expires_at: Option<Timestamp>,
}

impl SessionRequest {
    pub fn new(fields: SessionFields, now: Timestamp) -> Result<Self, ValidationError> {
        let expires_at = expiry(fields.expires_at, now)?;
        Ok(SessionRequest { provider_id: fields.provider_id, expires_at })
    }
}

/// The body of `POST …/grants`, each value held to its rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantFields {
    pub client_id: Option<ForeignIdent>,
    pub resource: Option<ForeignIdent>,
    pub scopes: Option<Vec<GrantScope>>,
    pub expires_at: Option<Timestamp>,
}

/// A grant to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    pub client_id: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
}

impl GrantRequest {
    /// The most scopes one grant holds.
    pub const MAX_SCOPES: usize = 100;

    pub fn new(fields: GrantFields, now: Timestamp) -> Result<Self, ValidationError> {
        let client_id = fields.client_id.ok_or_else(|| required("client_id"))?;
        let resource = fields.resource.ok_or_else(|| required("resource"))?;
        // A grant without scopes would grant nothing: a caller that forgot
        // them hears so instead of storing an empty grant.
        let scopes = fields.scopes.ok_or_else(|| required("scopes"))?;
        if scopes.is_empty() {
            return Err(ValidationError::new("scopes", "must hold at least one scope"));
        }
        if scopes.len() > Self::MAX_SCOPES {
            return Err(ValidationError::new(
                "scopes",
                format!("at most {} scopes", Self::MAX_SCOPES),
            ));
        }
        Ok(GrantRequest {
            client_id: client_id.into_string(),
            resource: resource.into_string(),
            scopes: scopes.into_iter().map(Ident::into_string).collect(),
            expires_at: expiry(fields.expires_at, now)?,
        })
    }
}

/// The body of a sign-in, each value held to its rule; absent or null
/// claims are no claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignInFields {
    pub subject: Option<ForeignIdent>,
    pub claims: Map<String, Value>,
    pub expires_at: Option<Timestamp>,
}

/// A sign-in: the subject the provider vouches for, and its claims.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInRequest {
    pub subject: String,
    pub claims: Map<String, Value>,
    pub expires_at: Option<Timestamp>,
}

impl SignInRequest {
    pub fn new(fields: SignInFields, now: Timestamp) -> Result<Self, ValidationError> {
        let subject = fields.subject.ok_or_else(|| required("subject"))?;
        Ok(SignInRequest {
            subject: subject.into_string(),
            claims: fields.claims,
            expires_at: expiry(fields.expires_at, now)?,
        })
    }
}
