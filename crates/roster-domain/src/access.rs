//! What hangs off a user inside its zone: roles and their assignments,
//! sessions, delegated grants, and the identity providers users come from.

use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::ids::{GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, UserId};
use crate::text;
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: RoleId,
    pub identifier: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct AssignmentScope {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
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

fn object(body: &Value) -> Result<&Map<String, Value>, ValidationError> {
    body.as_object().ok_or_else(|| ValidationError::new("body", "must be a JSON object"))
}

fn known(body: &Map<String, Value>, fields: &[&str]) -> Result<(), ValidationError> {
    match body.keys().find(|k| !fields.contains(&k.as_str())) {
        Some(k) => Err(ValidationError::new(k.clone(), "is not a known field")),
        None => Ok(()),
    }
}

fn string<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ValidationError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Null) => Err(ValidationError::new(field, "cannot be null")),
        Some(_) => Err(ValidationError::new(field, "must be a string")),
    }
}

fn nullable_string<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<Option<&'a str>>, ValidationError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s))),
        Some(_) => Err(ValidationError::new(field, "must be a string or null")),
    }
}

fn timestamp(body: &Map<String, Value>, field: &str) -> Result<Option<Timestamp>, ValidationError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Timestamp::parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| ValidationError::new(field, "must be an RFC 3339 date-time")),
        Some(_) => Err(ValidationError::new(field, "must be an RFC 3339 date-time")),
    }
}

/// A future instant, or an error naming `field`.
fn future(field: &str, at: Option<Timestamp>, now: Timestamp) -> Result<(), ValidationError> {
    match at {
        Some(t) if t <= now => Err(ValidationError::new(field, "must be in the future")),
        _ => Ok(()),
    }
}

impl Role {
    /// Applies a create body (`identifier` required) or a patch.
    pub fn apply(&mut self, body: &Value, creating: bool) -> Result<bool, ValidationError> {
        let body = object(body)?;
        known(body, &["identifier", "name", "description"])?;
        let mut changed = false;
        match string(body, "identifier")? {
            Some(v) => {
                text::check_identifier("identifier", v, 255)?;
                changed |= self.identifier != v;
                self.identifier = v.to_owned();
            }
            None if creating => return Err(ValidationError::new("identifier", "is required")),
            None => {}
        }
        if let Some(v) = string(body, "name")? {
            text::check_text("name", v, 255)?;
            changed |= self.name != v;
            self.name = v.to_owned();
        } else if creating {
            self.name = self.identifier.clone();
        }
        if let Some(v) = nullable_string(body, "description")? {
            if let Some(d) = v {
                text::check_text("description", d, 4096)?;
            }
            changed |= self.description.as_deref() != v;
            self.description = v.map(str::to_owned);
        }
        Ok(changed)
    }
}

impl Provider {
    pub fn apply(&mut self, body: &Value, creating: bool) -> Result<bool, ValidationError> {
        let body = object(body)?;
        known(body, &["identifier", "issuer", "user_identifier_claim"])?;
        let mut changed = false;
        for field in ["identifier", "issuer"] {
            match string(body, field)? {
                Some(v) => {
                    text::check_identifier(field, v, if field == "issuer" { 1024 } else { 255 })?;
                    let slot =
                        if field == "issuer" { &mut self.issuer } else { &mut self.identifier };
                    changed |= slot != v;
                    *slot = v.to_owned();
                }
                None if creating => return Err(ValidationError::new(field, "is required")),
                None => {}
            }
        }
        if let Some(v) = nullable_string(body, "user_identifier_claim")? {
            if let Some(c) = v {
                text::check_identifier("user_identifier_claim", c, 255)?;
            }
            changed |= self.user_identifier_claim.as_deref() != v;
            self.user_identifier_claim = v.map(str::to_owned);
        }
        Ok(changed)
    }
}

/// The body of a role assignment: which role, and optionally what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRequest {
    pub role: RoleRef,
    /// The parameter that named the role, for errors.
    pub role_param: &'static str,
    pub scope: Option<AssignmentScope>,
}

pub fn parse_assignment(body: &Value) -> Result<AssignmentRequest, ValidationError> {
    let body = object(body)?;
    known(body, &["role_id", "role_identifier", "scope"])?;
    let (role, role_param) = match (string(body, "role_id")?, string(body, "role_identifier")?) {
        (Some(_), Some(_)) => {
            return Err(ValidationError::new(
                "role_id",
                "give role_id or role_identifier, not both",
            ));
        }
        (Some(id), None) => {
            let id = RoleId::parse(id)
                .ok_or_else(|| ValidationError::new("role_id", "is not a role id"))?;
            (RoleRef::Id(id), "role_id")
        }
        (None, Some(ident)) => {
            // Held to the rule roles are created under, so that a NUL or a
            // blank never reaches a lookup (PostgreSQL refuses NUL).
            text::check_identifier("role_identifier", ident, 255)?;
            (RoleRef::Identifier(ident.to_owned()), "role_identifier")
        }
        (None, None) => {
            return Err(ValidationError::new("role_id", "role_id or role_identifier is required"));
        }
    };
    let scope = match body.get("scope") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => {
            known(s, &["type", "id"])
                .map_err(|e| ValidationError::new(format!("scope.{}", e.param), e.detail))?;
            let field = |name: &str| -> Result<String, ValidationError> {
                let param = format!("scope.{name}");
                match s.get(name) {
                    Some(Value::String(v)) => {
                        text::check_identifier(&param, v, 255)?;
                        Ok(v.clone())
                    }
                    _ => Err(ValidationError::new(param, "must be a string")),
                }
            };
            Some(AssignmentScope { kind: field("type")?, id: field("id")? })
        }
        Some(_) => return Err(ValidationError::new("scope", "must be an object or null")),
    };
    Ok(AssignmentRequest { role, role_param, scope })
}

/// The body of `POST …/sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    pub provider_id: Option<ProviderId>,
    pub expires_at: Option<Timestamp>,
}

pub fn parse_session(body: &Value, now: Timestamp) -> Result<SessionRequest, ValidationError> {
    let body = object(body)?;
    known(body, &["provider_id", "expires_at"])?;
    let provider_id = match nullable_string(body, "provider_id")?.flatten() {
        None => None,
        Some(p) => Some(
            ProviderId::parse(p)
                .ok_or_else(|| ValidationError::new("provider_id", "is not a provider id"))?,
        ),
    };
    let expires_at = timestamp(body, "expires_at")?;
    future("expires_at", expires_at, now)?;
    Ok(SessionRequest { provider_id, expires_at })
}

/// The body of `POST …/grants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    pub client_id: String,
    pub resource: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
}

pub fn parse_grant(body: &Value, now: Timestamp) -> Result<GrantRequest, ValidationError> {
    let body = object(body)?;
    known(body, &["client_id", "resource", "scopes", "expires_at"])?;
    let required = |field: &str| -> Result<String, ValidationError> {
        let v = string(body, field)?.ok_or_else(|| ValidationError::new(field, "is required"))?;
        text::check_identifier(field, v, 1024)?;
        Ok(v.to_owned())
    };
    let client_id = required("client_id")?;
    let resource = required("resource")?;
    let scopes = match body.get("scopes") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let param = format!("scopes[{i}]");
                let s =
                    v.as_str().ok_or_else(|| ValidationError::new(&param, "must be a string"))?;
                text::check_identifier(&param, s, 255)?;
                Ok(s.to_owned())
            })
            .collect::<Result<Vec<_>, ValidationError>>()?,
        // A grant without scopes would grant nothing: a caller that forgot
        // them hears so instead of storing an empty grant.
        None | Some(Value::Null) => return Err(ValidationError::new("scopes", "is required")),
        Some(_) => {
            return Err(ValidationError::new("scopes", "must be an array of strings"));
        }
    };
    if scopes.is_empty() {
        return Err(ValidationError::new("scopes", "must hold at least one scope"));
    }
    if scopes.len() > 100 {
        return Err(ValidationError::new("scopes", "at most 100 scopes"));
    }
    let expires_at = timestamp(body, "expires_at")?;
    future("expires_at", expires_at, now)?;
    Ok(GrantRequest { client_id, resource, scopes, expires_at })
}

/// The body of a sign-in: the subject the provider vouches for, and its
/// claims.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInRequest {
    pub subject: String,
    pub claims: Map<String, Value>,
    pub expires_at: Option<Timestamp>,
}

pub fn parse_sign_in(body: &Value, now: Timestamp) -> Result<SignInRequest, ValidationError> {
    let body = object(body)?;
    known(body, &["subject", "claims", "expires_at"])?;
    let subject =
        string(body, "subject")?.ok_or_else(|| ValidationError::new("subject", "is required"))?;
    text::check_identifier("subject", subject, 1024)?;
    let claims = match body.get("claims") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => c.clone(),
        Some(_) => return Err(ValidationError::new("claims", "must be an object")),
    };
    let expires_at = timestamp(body, "expires_at")?;
    future("expires_at", expires_at, now)?;
    Ok(SignInRequest { subject: subject.to_owned(), claims, expires_at })
}
