//! The user: its fields, their defaults and the rules every value obeys.
//!
//! A request's fields arrive already held to their rules (`UserFields`, of
//! `fields.rs` types); creation and merge-patch apply them the same way
//! (`apply_fields`), so what is refused on create is refused on update too.

use serde_json::{Map, Value};

use crate::attributes::Attributes;
use crate::error::ValidationError;
use crate::fields::{Email, Ident, Text};
use crate::ids::{OrgId, ProviderId, UserId, ZoneId};
use crate::text;
use crate::timestamp::Timestamp;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            pub fn allowed() -> String {
                [$($text),+].join(", ")
            }
        }

        impl Default for $name {
            fn default() -> Self { $name::$default }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("expected one of {}", Self::allowed()))
                })
            }
        }
    };
}

string_enum!(
    /// The kind of account.
    UserType {
        SaasAdmin => "saas_admin",
        SaasUser => "saas_user",
        SaasUserClient => "saas_user_client",
    } default SaasUser
);

string_enum!(
    /// Lifecycle status; `disabled` users cannot authenticate.
    UserStatus {
        Active => "active",
        Onboarding => "onboarding",
        Inactive => "inactive",
        Suspended => "suspended",
        Risky => "risky",
        Disabled => "disabled",
    } default Active
);

/// Who made a change: an API key (or, later, a user acting for itself).
pub type Actor = String;

/// Serialized, a user is the `user` snapshot of its events (see
/// `events::Snapshot`): a stored format. A new field takes
/// `#[serde(default)]`; a field is never renamed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: UserId,
    pub organization_id: OrgId,
    pub zone_id: ZoneId,
    pub identifier: String,
    pub email: String,
    pub email_verified: bool,
    pub first_name: String,
    pub last_name: String,
    pub name: String,
    pub description: Option<String>,
    pub user_type: UserType,
    pub status: UserStatus,
    pub attributes: Attributes,
    pub issuer: Option<String>,
    pub provider_id: Option<String>,
    pub subject: Option<String>,
    pub authenticated_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: Actor,
    pub updated_by: Actor,
    /// Bumped on every change; the ETag is derived from it.
    pub version: i64,
    /// The identifier a provisioning system (a SCIM client: Okta, Entra ID)
    /// keeps for this user. Not unique: the client owns its meaning. Left
    /// out of a snapshot when absent, so snapshots stored before the field
    /// existed read and write the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Limits of the user model, in one place so docs and checks agree.
pub mod limits {
    pub const IDENTIFIER_MAX: usize = 255;
    pub const EMAIL_MAX: usize = 254;
    pub const NAME_MAX: usize = 255;
    pub const DESCRIPTION_MAX: usize = 4096;
    pub const ATTRIBUTES_MAX_BYTES: usize = 16 * 1024;
    pub const ATTRIBUTES_MAX_DEPTH: usize = 8;
    pub const LINK_MAX: usize = 1024;
}

/// Fields a client may set on create and change with PATCH.
pub const WRITABLE_FIELDS: &[&str] = &[
    "identifier",
    "email",
    "email_verified",
    "first_name",
    "last_name",
    "name",
    "description",
    "user_type",
    "status",
    "attributes",
    "issuer",
    "provider_id",
    "subject",
    "authenticated_at",
    "external_id",
];

/// Fields the server owns; sending them is an error, not a silent no-op.
pub const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "organization_id",
    "zone_id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "role_assignments",
    "grant_count",
    "session_count",
];

/// What a create or patch changed, for events and for deciding whether a
/// write is needed at all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub fields: Vec<&'static str>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    pub fn touched(&self, field: &str) -> bool {
        self.fields.contains(&field)
    }
    fn note(&mut self, field: &'static str, changed: bool) {
        if changed {
            self.fields.push(field);
        }
    }
}

pub type Identifier = Ident<{ limits::IDENTIFIER_MAX }>;
pub type Name = Text<{ limits::NAME_MAX }>;
pub type Description = Text<{ limits::DESCRIPTION_MAX }>;
/// `issuer` and `subject`: identifiers of another system, so longer.
pub type Link = Ident<{ limits::LINK_MAX }>;
/// A provisioning system's identifier for the user.
pub type ExternalId = Ident<{ limits::IDENTIFIER_MAX }>;

/// What a create or a merge patch says about each field, already held to
/// the field's rule: `None` leaves the field (or its default) as it is; for
/// a nullable field `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFields {
    pub identifier: Option<Identifier>,
    pub email: Option<Email>,
    pub email_verified: Option<bool>,
    pub first_name: Option<Name>,
    pub last_name: Option<Name>,
    pub name: Option<Name>,
    pub description: Option<Option<Description>>,
    pub user_type: Option<UserType>,
    pub status: Option<UserStatus>,
    /// An object to hold (create) or to merge in (patch); `Some(None)`
    /// removes every attribute.
    pub attributes: Option<Option<Map<String, Value>>>,
    pub issuer: Option<Option<Link>>,
    pub provider_id: Option<Option<ProviderId>>,
    pub subject: Option<Option<Link>>,
    pub authenticated_at: Option<Option<Timestamp>>,
    pub external_id: Option<Option<ExternalId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

impl User {
    /// The public fields that differ from `before`, in the order a user is
    /// rendered: a `user.updated` event's `changed_fields`. `updated_at`,
    /// `updated_by` and `version` move with every change and are not listed.
    pub fn changed_since(&self, before: &User) -> Vec<&'static str> {
        let mut changes = Changes::default();
        changes.note("identifier", self.identifier != before.identifier);
        changes.note("email", self.email != before.email);
        changes.note("email_verified", self.email_verified != before.email_verified);
        changes.note("first_name", self.first_name != before.first_name);
        changes.note("last_name", self.last_name != before.last_name);
        changes.note("name", self.name != before.name);
        changes.note("description", self.description != before.description);
        changes.note("user_type", self.user_type != before.user_type);
        changes.note("status", self.status != before.status);
        changes.note("attributes", self.attributes != before.attributes);
        changes.note("issuer", self.issuer != before.issuer);
        changes.note("provider_id", self.provider_id != before.provider_id);
        changes.note("subject", self.subject != before.subject);
        changes.note("authenticated_at", self.authenticated_at != before.authenticated_at);
        changes.note("external_id", self.external_id != before.external_id);
        changes.fields
    }

    /// A user with every default, before the client's fields are applied.
    pub fn blank(
        id: UserId,
        organization_id: OrgId,
        zone_id: ZoneId,
        now: Timestamp,
        actor: Actor,
    ) -> Self {
        Self {
            id,
            organization_id,
            zone_id,
            identifier: id.to_string(),
            email: String::new(),
            email_verified: false,
            first_name: String::new(),
            last_name: String::new(),
            name: String::new(),
            description: None,
            user_type: UserType::default(),
            status: UserStatus::default(),
            attributes: Attributes::empty(),
            issuer: None,
            provider_id: None,
            subject: None,
            authenticated_at: None,
            created_at: now,
            updated_at: now,
            created_by: actor.clone(),
            updated_by: actor,
            version: 1,
            external_id: None,
        }
    }

    /// Builds a new user from the fields of a create request.
    pub fn create(base: User, fields: UserFields) -> Result<(User, Changes), ValidationError> {
        let mut user = base;
        let changes = apply_fields(&mut user, fields, Mode::Create)?;
        if !changes.touched("email") {
            return Err(ValidationError::new("email", "is required"));
        }
        if !changes.touched("name") {
            user.name = derive_display_name(&user.first_name, &user.last_name);
        }
        Ok((user, changes))
    }

    /// Applies an RFC 7396 merge patch. Returns what changed; the caller
    /// bumps `updated_*` and `version` only when something did.
    pub fn patch(&mut self, fields: UserFields) -> Result<Changes, ValidationError> {
        apply_fields(self, fields, Mode::Patch)
    }

    pub fn touch(&mut self, now: Timestamp, actor: &str) {
        self.updated_at = now.max(self.created_at);
        self.updated_by = actor.to_owned();
        self.version += 1;
    }

    /// The strong ETag of this version of the user.
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.ulid(), self.version)
    }
}

/// `first last` with surrounding space trimmed: the seed's display name.
pub fn derive_display_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_owned()
}

fn apply_fields(
    user: &mut User,
    fields: UserFields,
    mode: Mode,
) -> Result<Changes, ValidationError> {
    use limits::*;
    let mut changes = Changes::default();
    let owned = |v: Option<Ident<LINK_MAX>>| v.map(Ident::into_string);
    if let Some(v) = fields.identifier {
        changes.note("identifier", set(&mut user.identifier, v.into_string()));
    }
    if let Some(v) = fields.email {
        changes.note("email", set(&mut user.email, v.into_string()));
    }
    if let Some(v) = fields.email_verified {
        changes.note("email_verified", set(&mut user.email_verified, v));
    }
    if let Some(v) = fields.first_name {
        changes.note("first_name", set(&mut user.first_name, v.into_string()));
    }
    if let Some(v) = fields.last_name {
        changes.note("last_name", set(&mut user.last_name, v.into_string()));
    }
    if let Some(v) = fields.name {
        changes.note("name", set(&mut user.name, v.into_string()));
    }
    if let Some(v) = fields.description {
        changes.note("description", set(&mut user.description, v.map(Text::into_string)));
    }
    if let Some(v) = fields.user_type {
        changes.note("user_type", set(&mut user.user_type, v));
    }
    if let Some(v) = fields.status {
        changes.note("status", set(&mut user.status, v));
    }
    if let Some(v) = fields.attributes {
        // Create holds the object as given, except that null members mean
        // "absent", as they would in a patch: both merge, from nothing or
        // from what the user holds.
        let mut merged = match mode {
            Mode::Create => Value::Object(Map::new()),
            Mode::Patch => Value::Object(user.attributes.to_map()),
        };
        let next = match v {
            None => Map::new(),
            Some(patch) => {
                merge_patch(&mut merged, &Value::Object(patch));
                match merged {
                    Value::Object(m) => m,
                    _ => Map::new(),
                }
            }
        };
        text::check_attributes("attributes", &next, ATTRIBUTES_MAX_BYTES, ATTRIBUTES_MAX_DEPTH)?;
        changes.note("attributes", set(&mut user.attributes, Attributes::from_map(&next)));
    }
    if let Some(v) = fields.issuer {
        changes.note("issuer", set(&mut user.issuer, owned(v)));
    }
    if let Some(v) = fields.provider_id {
        // Stored in its one canonical spelling, so filters and the
        // unlinking of a deleted provider find every reference.
        changes.note("provider_id", set(&mut user.provider_id, v.map(|p| p.to_string())));
    }
    if let Some(v) = fields.subject {
        changes.note("subject", set(&mut user.subject, owned(v)));
    }
    if let Some(v) = fields.authenticated_at {
        changes.note("authenticated_at", set(&mut user.authenticated_at, v));
    }
    if let Some(v) = fields.external_id {
        changes.note("external_id", set(&mut user.external_id, v.map(Ident::into_string)));
    }
    Ok(changes)
}

pub(crate) fn set<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        false
    } else {
        *slot = value;
        true
    }
}

/// RFC 7396 merge patch of `patch` into `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target_map) = target {
        for (key, value) in patch_map {
            if value.is_null() {
                target_map.remove(key);
            } else {
                let slot = target_map.entry(key.clone()).or_insert(Value::Null);
                merge_patch(slot, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> User {
        let ids = crate::ids::IdGenerator::new();
        User::blank(
            UserId::from_ulid(ids.next(1)),
            OrgId::from_ulid(ids.next(1)),
            ZoneId::from_ulid(ids.next(1)),
            Timestamp::from_micros(1_000_000).unwrap(),
            "key_x".into(),
        )
    }

    fn email(s: &str) -> UserFields {
        UserFields { email: Some(Email::parse(s).unwrap()), ..UserFields::default() }
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn create_defaults_identifier_to_id_and_name_to_first_last() {
        let fields = UserFields {
            first_name: Some(name(" Jane")),
            last_name: Some(name("Doe ")),
            ..email("a@b.co")
        };
        let (u, _) = User::create(base(), fields).unwrap();
        assert_eq!(u.identifier, u.id.to_string());
        assert_eq!(u.name, "Jane Doe");
        assert_eq!(u.status, UserStatus::Active);
        assert_eq!(u.user_type, UserType::SaasUser);
    }

    #[test]
    fn create_requires_email() {
        assert_eq!(User::create(base(), UserFields::default()).unwrap_err().param, "email");
    }

    #[test]
    fn patch_merges_attributes_and_never_rewrites_name() {
        let attrs = |v: Value| Some(v.as_object().cloned());
        let fields = UserFields {
            first_name: Some(name("A")),
            attributes: attrs(json!({"a": 1, "b": {"c": 2}})),
            ..email("a@b.co")
        };
        let (mut u, _) = User::create(base(), fields).unwrap();
        let patch = UserFields {
            first_name: Some(name("B")),
            attributes: attrs(json!({"a": null, "b": {"d": 3}})),
            ..UserFields::default()
        };
        let ch = u.patch(patch).unwrap();
        assert_eq!(ch.fields, vec!["first_name", "attributes"]);
        assert_eq!(u.name, "A");
        assert_eq!(Value::Object(u.attributes.to_map()), json!({"b": {"c": 2, "d": 3}}));
    }

    #[test]
    fn patch_that_changes_nothing_reports_no_changes() {
        let (mut u, _) = User::create(base(), email("a@b.co")).unwrap();
        assert!(u.patch(email("a@b.co")).unwrap().is_empty());
    }

    #[test]
    fn attributes_over_their_limits_are_refused_by_name() {
        let (mut u, _) = User::create(base(), email("a@b.co")).unwrap();
        let deep = json!({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": 1}}}}}}}}}});
        let patch =
            UserFields { attributes: Some(deep.as_object().cloned()), ..Default::default() };
        assert_eq!(u.patch(patch).unwrap_err().param, "attributes");
    }
}
