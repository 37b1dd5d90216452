//! The user: its fields, their defaults and the rules every value obeys.
//!
//! Creation and merge-patch run the same field rules (`apply_fields`), so a
//! value that is refused on create is refused on update too.

use serde_json::{Map, Value};

use crate::attributes::Attributes;
use crate::error::ValidationError;
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

#[derive(Debug, Clone, PartialEq)]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

impl User {
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
        }
    }

    /// Builds a new user from a create body (a JSON object).
    pub fn create(
        base: User,
        body: &Map<String, Value>,
    ) -> Result<(User, Changes), ValidationError> {
        let mut user = base;
        let changes = apply_fields(&mut user, body, Mode::Create)?;
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
    pub fn patch(&mut self, body: &Map<String, Value>) -> Result<Changes, ValidationError> {
        apply_fields(self, body, Mode::Patch)
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
    body: &Map<String, Value>,
    mode: Mode,
) -> Result<Changes, ValidationError> {
    let mut changes = Changes::default();
    for (key, value) in body {
        let field = match WRITABLE_FIELDS.iter().find(|f| **f == key) {
            Some(field) => *field,
            None if READ_ONLY_FIELDS.contains(&key.as_str()) => {
                return Err(ValidationError::new(key.clone(), "is read-only"));
            }
            None => return Err(ValidationError::new(key.clone(), "is not a known field")),
        };
        let changed = apply_field(user, field, value, mode)?;
        if changed {
            changes.fields.push(field);
        }
    }
    Ok(changes)
}

fn apply_field(
    user: &mut User,
    field: &'static str,
    value: &Value,
    mode: Mode,
) -> Result<bool, ValidationError> {
    use limits::*;
    let changed = match field {
        "identifier" => {
            let v = required_string(field, value)?;
            text::check_identifier(field, v, IDENTIFIER_MAX)?;
            set(&mut user.identifier, v.to_owned())
        }
        "email" => {
            let v = required_string(field, value)?;
            text::check_email(field, v, EMAIL_MAX)?;
            set(&mut user.email, v.to_owned())
        }
        "email_verified" => {
            let v =
                value.as_bool().ok_or_else(|| ValidationError::new(field, "must be a boolean"))?;
            set(&mut user.email_verified, v)
        }
        "first_name" | "last_name" | "name" => {
            let v = required_string(field, value)?;
            text::check_text(field, v, NAME_MAX)?;
            let slot = match field {
                "first_name" => &mut user.first_name,
                "last_name" => &mut user.last_name,
                _ => &mut user.name,
            };
            set(slot, v.to_owned())
        }
        "description" => {
            let v = nullable_string(field, value)?;
            if let Some(v) = v {
                text::check_text(field, v, DESCRIPTION_MAX)?;
            }
            set(&mut user.description, v.map(str::to_owned))
        }
        "user_type" => {
            let v = required_string(field, value)?;
            let t = UserType::parse(v).ok_or_else(|| {
                ValidationError::new(field, format!("must be one of {}", UserType::allowed()))
            })?;
            set(&mut user.user_type, t)
        }
        "status" => {
            let v = required_string(field, value)?;
            let s = UserStatus::parse(v).ok_or_else(|| {
                ValidationError::new(field, format!("must be one of {}", UserStatus::allowed()))
            })?;
            set(&mut user.status, s)
        }
        "attributes" => {
            let next = match (value, mode) {
                (Value::Null, _) => Map::new(),
                (Value::Object(patch), Mode::Patch) => {
                    let mut merged = Value::Object(user.attributes.to_map());
                    merge_patch(&mut merged, &Value::Object(patch.clone()));
                    match merged {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    }
                }
                (Value::Object(obj), Mode::Create) => {
                    // Create stores the object as given, except that null
                    // members mean "absent", as they would in a patch.
                    let mut merged = Value::Object(Map::new());
                    merge_patch(&mut merged, &Value::Object(obj.clone()));
                    match merged {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    }
                }
                _ => return Err(ValidationError::new(field, "must be an object")),
            };
            text::check_attributes(field, &next, ATTRIBUTES_MAX_BYTES, ATTRIBUTES_MAX_DEPTH)?;
            set(&mut user.attributes, Attributes::from_map(&next))
        }
        "issuer" | "subject" => {
            let v = nullable_string(field, value)?;
            if let Some(v) = v {
                text::check_identifier(field, v, LINK_MAX)?;
            }
            let slot = if field == "issuer" { &mut user.issuer } else { &mut user.subject };
            set(slot, v.map(str::to_owned))
        }
        "provider_id" => {
            // Stored in its one canonical spelling, so filters and the
            // unlinking of a deleted provider find every reference.
            let v = match nullable_string(field, value)? {
                None => None,
                Some(v) => Some(
                    ProviderId::parse(v)
                        .ok_or_else(|| {
                            ValidationError::new(field, "must be a provider id (idp_…)")
                        })?
                        .to_string(),
                ),
            };
            set(&mut user.provider_id, v)
        }
        "authenticated_at" => {
            let v =
                match value {
                    Value::Null => None,
                    Value::String(s) => Some(Timestamp::parse_rfc3339(s).ok_or_else(|| {
                        ValidationError::new(field, "must be an RFC 3339 date-time")
                    })?),
                    _ => {
                        return Err(ValidationError::new(
                            field,
                            "must be an RFC 3339 date-time or null",
                        ));
                    }
                };
            set(&mut user.authenticated_at, v)
        }
        _ => return Err(ValidationError::new(field, "is not a known field")),
    };
    Ok(changed)
}

fn set<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        false
    } else {
        *slot = value;
        true
    }
}

fn required_string<'a>(field: &str, value: &'a Value) -> Result<&'a str, ValidationError> {
    match value {
        Value::String(s) => Ok(s),
        Value::Null => Err(ValidationError::new(field, "cannot be null")),
        _ => Err(ValidationError::new(field, "must be a string")),
    }
}

fn nullable_string<'a>(field: &str, value: &'a Value) -> Result<Option<&'a str>, ValidationError> {
    match value {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        _ => Err(ValidationError::new(field, "must be a string or null")),
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

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn create_defaults_identifier_to_id_and_name_to_first_last() {
        let (u, _) = User::create(
            base(),
            &obj(json!({"email": "a@b.co", "first_name": " Jane", "last_name": "Doe "})),
        )
        .unwrap();
        assert_eq!(u.identifier, u.id.to_string());
        assert_eq!(u.name, "Jane Doe");
        assert_eq!(u.status, UserStatus::Active);
        assert_eq!(u.user_type, UserType::SaasUser);
    }

    #[test]
    fn create_requires_email_and_rejects_unknown_and_read_only_fields() {
        assert_eq!(User::create(base(), &obj(json!({}))).unwrap_err().param, "email");
        let e = User::create(base(), &obj(json!({"email": "a@b.co", "admin": true}))).unwrap_err();
        assert_eq!(e.param, "admin");
        let e = User::create(base(), &obj(json!({"email": "a@b.co", "id": "x"}))).unwrap_err();
        assert_eq!(e.param, "id");
    }

    #[test]
    fn patch_merges_attributes_and_never_rewrites_name() {
        let (mut u, _) = User::create(
            base(),
            &obj(json!({"email": "a@b.co", "first_name": "A", "attributes": {"a": 1, "b": {"c": 2}}})),
        )
        .unwrap();
        let ch = u
            .patch(&obj(json!({"first_name": "B", "attributes": {"a": null, "b": {"d": 3}}})))
            .unwrap();
        assert_eq!(ch.fields, vec!["first_name", "attributes"]);
        assert_eq!(u.name, "A");
        assert_eq!(Value::Object(u.attributes.to_map()), json!({"b": {"c": 2, "d": 3}}));
    }

    #[test]
    fn patch_that_changes_nothing_reports_no_changes() {
        let (mut u, _) = User::create(base(), &obj(json!({"email": "a@b.co"}))).unwrap();
        assert!(u.patch(&obj(json!({"email": "a@b.co"}))).unwrap().is_empty());
    }

    #[test]
    fn null_is_refused_for_fields_that_are_not_nullable() {
        let (mut u, _) = User::create(base(), &obj(json!({"email": "a@b.co"}))).unwrap();
        assert_eq!(u.patch(&obj(json!({"email": null}))).unwrap_err().param, "email");
        assert!(u.patch(&obj(json!({"description": null}))).is_ok());
    }
}
