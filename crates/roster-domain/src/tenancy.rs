//! Organizations, zones, API keys and the scopes keys carry.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::ids::{ApiKeyId, OrgId, ZoneId};
use crate::text;
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: OrgId,
    pub identifier: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub id: ZoneId,
    pub organization_id: OrgId,
    pub identifier: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Zone {
    /// The zone as a tenant scope (its own events are recorded in it).
    pub fn scope(&self) -> ZoneScope {
        ZoneScope { org: self.organization_id, zone: self.id }
    }
}

/// How a path names a zone: by id (`zone_…`) or by identifier (`default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneRef {
    Id(ZoneId),
    Identifier(String),
}

impl ZoneRef {
    pub fn parse(s: &str) -> Self {
        match ZoneId::parse(s) {
            Some(id) => ZoneRef::Id(id),
            None => ZoneRef::Identifier(text::fold(s)),
        }
    }
}

/// Zone identifiers are slugs: they appear in URLs, and a slug can never be
/// mistaken for a `zone_…` id.
pub fn check_zone_identifier(field: &str, s: &str) -> Result<(), ValidationError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && ZoneId::parse(s).is_none();
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must be 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit",
        ))
    }
}

pub fn check_zone_name(field: &str, s: &str) -> Result<(), ValidationError> {
    text::check_text(field, s, 255)
}

/// A zone identifier that passed `check_zone_identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ZoneSlug(String);

impl ZoneSlug {
    pub fn parse(s: &str) -> Result<Self, String> {
        check_zone_identifier("", s).map_err(|e| e.detail)?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub type ZoneName = crate::fields::Text<255>;

/// What a key create says, each field held to its own rule; the rules
/// across fields and the zones' existence are the service's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyFields {
    pub name: Option<crate::fields::Ident<255>>,
    pub scopes: Option<Vec<Scope>>,
    /// Zone ids or identifiers, as given; `None` for every zone.
    pub zones: Option<Vec<String>>,
    pub default_zone: Option<String>,
}

/// What a zone create or patch says: `None` leaves the field as it is (on
/// create, `name` defaults to the identifier).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneFields {
    pub identifier: Option<ZoneSlug>,
    pub name: Option<ZoneName>,
}

/// A permission a key may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    UsersRead,
    UsersWrite,
    UsersMetadata,
    RolesRead,
    RolesWrite,
    ZonesRead,
    ZonesWrite,
    KeysWrite,
    EventsRead,
    WebhooksWrite,
    /// Provisioning over SCIM 2.0 (`/scim/v2`): users and roles as SCIM
    /// Users and Groups.
    Scim,
    Admin,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::UsersRead,
        Scope::UsersWrite,
        Scope::UsersMetadata,
        Scope::RolesRead,
        Scope::RolesWrite,
        Scope::ZonesRead,
        Scope::ZonesWrite,
        Scope::KeysWrite,
        Scope::EventsRead,
        Scope::WebhooksWrite,
        Scope::Scim,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::UsersMetadata => "users:metadata",
            Scope::RolesRead => "roles:read",
            Scope::RolesWrite => "roles:write",
            Scope::ZonesRead => "zones:read",
            Scope::ZonesWrite => "zones:write",
            Scope::KeysWrite => "keys:write",
            Scope::EventsRead => "events:read",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::Scim => "scim",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|scope| scope.as_str() == s)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The scopes this one grants besides itself.
    fn implied(self) -> &'static [Scope] {
        match self {
            Scope::UsersWrite => &[Scope::UsersRead],
            Scope::RolesWrite => &[Scope::RolesRead],
            Scope::ZonesWrite => &[Scope::ZonesRead],
            // What SCIM's operations are made of: a `scim` key may do
            // through `/v1` exactly what it may do through `/scim/v2`.
            Scope::Scim => {
                &[Scope::UsersRead, Scope::UsersWrite, Scope::RolesRead, Scope::RolesWrite]
            }
            Scope::Admin => Scope::ALL,
            _ => &[],
        }
    }
}

/// The scopes a key was given, as written, plus what they imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeSet {
    granted: u16,
    effective: u16,
}

impl ScopeSet {
    pub fn from_scopes(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut set = ScopeSet::default();
        for scope in scopes {
            set.granted |= scope.bit();
            set.effective |= scope.bit();
            for implied in scope.implied() {
                set.effective |= implied.bit();
            }
        }
        set
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.effective & scope.bit() != 0
    }

    /// Every scope of `other` is allowed by this set.
    pub fn covers(&self, other: &ScopeSet) -> bool {
        other.effective & !self.effective == 0
    }

    /// The scopes as they were granted, in canonical order.
    pub fn granted(&self) -> Vec<Scope> {
        Scope::ALL.iter().copied().filter(|s| self.granted & s.bit() != 0).collect()
    }

    pub fn granted_strings(&self) -> Vec<String> {
        self.granted().into_iter().map(|s| s.as_str().to_owned()).collect()
    }
}

/// An API key as stored: the secret itself is never kept, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub organization_id: OrgId,
    pub name: String,
    pub scopes: ScopeSet,
    /// `None`: every zone of the organization, present and future.
    pub zones: Option<Vec<ZoneId>>,
    pub default_zone_id: Option<ZoneId>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn may_see_zone(&self, zone: &ZoneId) -> bool {
        match &self.zones {
            None => true,
            Some(zones) => zones.contains(zone),
        }
    }
}

/// What a fresh directory starts with: the `default` organization, its
/// `default` zone, and an admin key named `key_name` defaulting to that
/// zone. `next_ulid` gives the three ids in that order.
pub fn first_tenancy(
    mut next_ulid: impl FnMut() -> ulid::Ulid,
    now: Timestamp,
    key_name: &str,
) -> (Organization, Zone, ApiKey) {
    let org = Organization {
        id: OrgId::from_ulid(next_ulid()),
        identifier: "default".into(),
        created_at: now,
    };
    let zone = Zone {
        id: ZoneId::from_ulid(next_ulid()),
        organization_id: org.id,
        identifier: "default".into(),
        name: "Default".into(),
        created_at: now,
        updated_at: now,
    };
    let key = ApiKey {
        id: ApiKeyId::from_ulid(next_ulid()),
        organization_id: org.id,
        name: key_name.into(),
        scopes: ScopeSet::from_scopes([Scope::Admin]),
        zones: None,
        default_zone_id: Some(zone.id),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    (org, zone, key)
}

pub const API_KEY_PREFIX: &str = "rk_live_";

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A fresh secret: `rk_live_` + 32 base62 characters (about 190 bits).
pub fn generate_api_key_secret() -> String {
    let mut out = String::with_capacity(API_KEY_PREFIX.len() + 32);
    out.push_str(API_KEY_PREFIX);
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    for b in bytes {
        // 256 = 4 * 62 + 8: reject the top 8 values to keep characters uniform.
        let mut b = b;
        while b >= 248 {
            let mut one = [0u8; 1];
            rand::fill(&mut one);
            b = one[0];
        }
        out.push(char::from(BASE62[usize::from(b % 62)]));
    }
    out
}

/// What `ROSTER_BOOTSTRAP_API_KEY` may hold: 20–256 visible ASCII characters.
pub fn check_bootstrap_secret(s: &str) -> Result<(), String> {
    if !(20..=256).contains(&s.len()) {
        return Err(format!(
            "ROSTER_BOOTSTRAP_API_KEY must be 20-256 characters long (got {})",
            s.len()
        ));
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("ROSTER_BOOTSTRAP_API_KEY must hold only visible ASCII characters".into());
    }
    Ok(())
}

/// The SHA-256 under which a secret is stored and looked up.
pub fn hash_api_key_secret(secret: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_scopes_imply_read_and_admin_implies_everything() {
        let s = ScopeSet::from_scopes([Scope::UsersWrite]);
        assert!(s.allows(Scope::UsersRead));
        assert!(!s.allows(Scope::UsersMetadata));
        let admin = ScopeSet::from_scopes([Scope::Admin]);
        assert!(Scope::ALL.iter().all(|x| admin.allows(*x)));
        assert!(admin.covers(&s));
        assert!(!s.covers(&admin));
        assert_eq!(s.granted(), vec![Scope::UsersWrite]);
    }

    #[test]
    fn generated_secrets_have_the_documented_shape() {
        let k = generate_api_key_secret();
        assert!(k.starts_with("rk_live_"));
        assert_eq!(k.len(), 40);
        assert!(k[8..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(k, generate_api_key_secret());
    }

    #[test]
    fn zone_identifiers_are_slugs_that_never_look_like_ids() {
        assert!(check_zone_identifier("identifier", "default").is_ok());
        assert!(check_zone_identifier("identifier", "eu-west_1").is_ok());
        for bad in ["", "Default", "-x", "a b", "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
            assert!(check_zone_identifier("identifier", bad).is_err(), "{bad}");
        }
    }
}

/// The tenant of every user operation: a zone of an organization, resolved
/// and checked against the caller's key before any store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZoneScope {
    pub org: OrgId,
    pub zone: ZoneId,
}
