//! The value types a body field can hold: how each reads from JSON, in
//! which words it refuses, and its JSON Schema. The rules are the domain's.

use std::borrow::Cow;

use serde_json::{Map, Value};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::tenancy::ZoneSlug;
use roster_domain::{Email, Ident, ProviderId, RoleId, Text, Timestamp, UserStatus, UserType};

use super::field::{FieldValue, Refused};

/// The pattern of `text::check_identifier`: not blank, no control
/// characters (Unicode `Cc`).
const IDENT_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";

/// The pattern of `text::check_text`: anything but NUL.
const TEXT_PATTERN: &str = r"^[^\u0000]*$";

fn string_schema(pattern: Option<&str>, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(max)
        .pattern(pattern.map(str::to_owned))
}

/// A prefixed id: the prefix, then a ULID (Crockford base 32, either case).
pub fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{{25}}$")
}

fn string(value: Value) -> Result<String, Refused> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(Refused::WrongType),
    }
}

impl<const MAX: usize> FieldValue for Text<MAX> {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        Text::parse(&string(value)?).map_err(Refused::Rule)
    }
    fn schema() -> RefOr<Schema> {
        string_schema(Some(TEXT_PATTERN), Some(MAX)).into()
    }
}

impl<const MAX: usize> FieldValue for Ident<MAX> {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        Ident::parse(&string(value)?).map_err(Refused::Rule)
    }
    fn schema() -> RefOr<Schema> {
        string_schema(Some(IDENT_PATTERN), Some(MAX)).into()
    }
}

impl FieldValue for Email {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        Email::parse(&string(value)?).map_err(Refused::Rule)
    }
    fn schema() -> RefOr<Schema> {
        string_schema(None, Some(Email::MAX))
            .format(Some(SchemaFormat::Custom("email".into())))
            .into()
    }
}

impl FieldValue for ZoneSlug {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        ZoneSlug::parse(&string(value)?).map_err(Refused::Rule)
    }
    fn schema() -> RefOr<Schema> {
        string_schema(Some("^[a-z0-9][a-z0-9_-]{0,62}$"), None).into()
    }
}

/// Any string (looked up later, e.g. a zone id or identifier).
impl FieldValue for String {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        string(value)
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).into()
    }
}

impl FieldValue for bool {
    const EXPECTS: &'static str = "a boolean";
    fn from_json(value: Value) -> Result<Self, Refused> {
        value.as_bool().ok_or(Refused::WrongType)
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Boolean).into()
    }
    fn null_refused() -> String {
        Self::wrong_type(false)
    }
}

/// A prefixed id (`role_…`), or `words` for text that is not one.
fn prefixed<T>(value: Value, parse: fn(&str) -> Option<T>, words: &str) -> Result<T, Refused> {
    parse(&string(value)?).ok_or_else(|| Refused::Rule(words.to_owned()))
}

/// A role named by id, in the words assignments use.
impl FieldValue for RoleId {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        prefixed(value, RoleId::parse, "is not a role id")
    }
    fn schema() -> RefOr<Schema> {
        string_schema(Some(&id_pattern(RoleId::PREFIX)), None).into()
    }
}

/// A provider a user is linked to, in the words user bodies use.
impl FieldValue for ProviderId {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        prefixed(value, ProviderId::parse, "must be a provider id (idp_…)")
    }
    fn schema() -> RefOr<Schema> {
        string_schema(Some(&id_pattern(ProviderId::PREFIX)), None).into()
    }
}

/// The provider a session was recorded through, in the words sessions
/// have always used (users say `must be a provider id`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionProvider(pub ProviderId);

impl FieldValue for SessionProvider {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        prefixed(value, ProviderId::parse, "is not a provider id").map(SessionProvider)
    }
    fn schema() -> RefOr<Schema> {
        ProviderId::schema()
    }
}

impl FieldValue for Timestamp {
    const EXPECTS: &'static str = "an RFC 3339 date-time";
    fn from_json(value: Value) -> Result<Self, Refused> {
        Timestamp::parse_rfc3339(&string(value)?)
            .ok_or_else(|| Refused::Rule(format!("must be {}", Self::EXPECTS)))
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

/// A JSON object, kept as it came (custom attributes, claims).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(pub Map<String, Value>);

impl FieldValue for Object {
    const EXPECTS: &'static str = "an object";
    fn from_json(value: Value) -> Result<Self, Refused> {
        match value {
            Value::Object(map) => Ok(Object(map)),
            _ => Err(Refused::WrongType),
        }
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Object).into()
    }
    // Objects have always been refused in these words, null or not.
    fn wrong_type(_nullable: bool) -> String {
        format!("must be {}", Self::EXPECTS)
    }
}

/// An enumeration of the domain, as a `$ref` to its component schema.
macro_rules! enum_field {
    ($ty:ty, $schema:ident, $name:literal, $doc:literal) => {
        impl FieldValue for $ty {
            const EXPECTS: &'static str = "a string";
            fn from_json(value: Value) -> Result<Self, Refused> {
                let s = string(value)?;
                <$ty>::parse(&s)
                    .ok_or_else(|| Refused::Rule(format!("must be one of {}", <$ty>::allowed())))
            }
            fn schema() -> RefOr<Schema> {
                RefOr::Ref(Ref::from_schema_name($name))
            }
        }

        #[doc = $doc]
        pub struct $schema;

        impl PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                let names = <$ty>::ALL.iter().map(|v| Value::from(v.as_str()));
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($doc))
                    .enum_values(Some(names))
                    .into()
            }
        }

        impl ToSchema for $schema {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

enum_field!(UserType, UserTypeSchema, "UserType", "A user's kind.");
enum_field!(UserStatus, UserStatusSchema, "UserStatus", "A user's lifecycle status.");
