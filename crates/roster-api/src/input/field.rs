//! One field of a JSON body: absent, null, or a value held to its rule.
//!
//! `Field<T>` refuses null; `Nullable<T>` takes it as "clear". Both read
//! the JSON value, answer the same words the API has always answered
//! (`must be a string`, `cannot be null`, `must be a string or null`) and
//! hand the rest to the value type, whose rule lives in the domain. The
//! field's name is not known here: `input::typed` adds it from the path
//! serde was reading.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, Error as _, IntoDeserializer,
    MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};
use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::tenancy::ZoneSlug;
use roster_domain::{Email, Ident, ProviderId, RoleId, Text, Timestamp, UserStatus, UserType};

/// Why a JSON value is not a value of the field.
pub enum Refused {
    /// Not the JSON type the field takes.
    WrongType,
    /// The right type, but the rule says no (in the rule's words).
    Rule(String),
}

/// A type a body field can hold.
pub trait FieldValue: Sized {
    /// What the field takes, for "must be …": `a string`.
    const EXPECTS: &'static str;

    fn from_json(value: Value) -> Result<Self, Refused>;

    /// Its JSON Schema, without nullability.
    fn schema() -> RefOr<Schema>;

    /// What a value of the wrong type is told.
    fn wrong_type(nullable: bool) -> String {
        format!("must be {}{}", Self::EXPECTS, if nullable { " or null" } else { "" })
    }

    /// What null is told where null is refused.
    fn null_refused() -> String {
        "cannot be null".to_owned()
    }
}

fn read<'de, T: FieldValue, D: Deserializer<'de>>(
    value: Value,
    nullable: bool,
) -> Result<T, D::Error> {
    T::from_json(value).map_err(|why| match why {
        Refused::WrongType => D::Error::custom(T::wrong_type(nullable)),
        Refused::Rule(detail) => D::Error::custom(detail),
    })
}

/// Marks words that are the whole detail of their error: `input::typed`
/// does not put the field's name before them. (Key bodies' list items have
/// always been told `unknown scope; use …`, not `scopes[1] unknown …`.)
pub(crate) const WHOLE_DETAIL: char = '\u{1e}';

pub(crate) fn whole_detail(words: &str) -> String {
    format!("{WHOLE_DETAIL}{words}")
}

/// A field that may be left out but not set to null.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Set(T),
}

// By hand: a derive would ask `T: Default`, which no value type has.
#[allow(clippy::derivable_impls)]
impl<T> Default for Field<T> {
    fn default() -> Self {
        Field::Absent
    }
}

impl<T> Field<T> {
    pub fn into_option(self) -> Option<T> {
        match self {
            Field::Absent => None,
            Field::Set(v) => Some(v),
        }
    }
}

impl<'de, T: FieldValue> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Err(D::Error::custom(T::null_refused())),
            value => read::<T, D>(value, false).map(Field::Set),
        }
    }
}

impl<T: FieldValue> PartialSchema for Field<T> {
    fn schema() -> RefOr<Schema> {
        T::schema()
    }
}

impl<T: FieldValue> ToSchema for Field<T> {}

/// A field's schema, for `#[schema(schema_with = schema::<Field<Email>>)]`.
pub fn schema<T: PartialSchema>() -> RefOr<Schema> {
    T::schema()
}

/// A field's schema with a description (`schema_with` drops doc comments).
pub fn described<T: PartialSchema>(description: &str) -> RefOr<Schema> {
    match T::schema() {
        RefOr::T(Schema::Object(mut object)) => {
            object.description = Some(description.to_owned());
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

/// A field that may be left out, set, or set to null (cleared).
#[derive(Debug, Clone, PartialEq)]
pub enum Nullable<T> {
    Absent,
    Null,
    Set(T),
}

// By hand: a derive would ask `T: Default`, which no value type has.
#[allow(clippy::derivable_impls)]
impl<T> Default for Nullable<T> {
    fn default() -> Self {
        Nullable::Absent
    }
}

impl<T> Nullable<T> {
    /// `None`: leave it; `Some(None)`: clear it.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Nullable::Absent => None,
            Nullable::Null => Some(None),
            Nullable::Set(v) => Some(Some(v)),
        }
    }
}

impl<'de, T: FieldValue> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Nullable::Null),
            value => read::<T, D>(value, true).map(Nullable::Set),
        }
    }
}

impl<T: FieldValue> PartialSchema for Nullable<T> {
    fn schema() -> RefOr<Schema> {
        match T::schema() {
            RefOr::T(Schema::Object(mut object)) => {
                if let SchemaType::Type(t) = object.schema_type {
                    object.schema_type = SchemaType::from_iter([t, Type::Null]);
                }
                RefOr::T(Schema::Object(object))
            }
            other => other,
        }
    }
}

impl<T: FieldValue> ToSchema for Nullable<T> {}

/// A value of `T` that speaks of null in other words than `T` does.
macro_rules! reworded {
    (
        $(#[$meta:meta])* $name:ident,
        wrong_type($nullable:ident) => $wrong_type:expr,
        null_refused => $null_refused:expr $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<T>(pub T);

        impl<T: FieldValue> FieldValue for $name<T> {
            const EXPECTS: &'static str = T::EXPECTS;
            fn from_json(value: Value) -> Result<Self, Refused> {
                T::from_json(value).map($name)
            }
            fn schema() -> RefOr<Schema> {
                T::schema()
            }
            fn wrong_type($nullable: bool) -> String {
                $wrong_type
            }
            fn null_refused() -> String {
                $null_refused
            }
        }
    };
}

reworded!(
    /// A value whose null is refused as the wrong type (`must be a string`),
    /// as zone and key bodies have always answered, where user bodies say
    /// `cannot be null`.
    NullIsWrongType,
    wrong_type(nullable) => T::wrong_type(nullable),
    null_refused => T::wrong_type(false),
);

reworded!(
    /// A value whose wrong type is told without "or null" though null is
    /// taken (as absent): `expires_at` has always answered so.
    NullUnsaid,
    wrong_type(_nullable) => T::wrong_type(false),
    null_refused => T::null_refused(),
);

/// A JSON array of values of `T`. Read through serde rather than from a
/// `Value`, so that an item's error names its index (`scopes[2]`).
#[derive(Debug, Clone, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: FieldValue> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

struct Item<T>(T);

impl<'de, T: FieldValue> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // An item is never absent, so null is just another wrong type.
        read::<T, D>(Value::deserialize(d)?, false).map(Item)
    }
}

struct ListVisitor<T>(PhantomData<T>);

/// `must be an array of strings`, from what one item must be (`a string`).
fn array_of<T: FieldValue>() -> String {
    let one = T::EXPECTS;
    let kind = one.strip_prefix("an ").or_else(|| one.strip_prefix("a ")).unwrap_or(one);
    format!("must be an array of {kind}s")
}

/// Refuses every JSON value but those a visitor accepts, in the words
/// `refusal` gives: a visitor's default words are serde's, not the API's.
macro_rules! refuse_other_values {
    ($refusal:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom($refusal))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom($refusal))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom($refusal))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom($refusal))
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::custom($refusal))
        }
    };
}

impl<'de, T: FieldValue> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&array_of::<T>())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(128));
        while let Some(Item(item)) = seq.next_element::<Item<T>>()? {
            items.push(item);
        }
        Ok(List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(array_of::<T>()))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(array_of::<T>()))
    }

    refuse_other_values!(array_of::<T>());
}

/// An object inside a body (an assignment's `scope`).
pub trait NestedObject: DeserializeOwned + ToSchema {
    /// The keys it may hold.
    const FIELDS: &'static [&'static str];
}

/// An object inside a body, left out, null, or set. Read through serde
/// rather than from a `Value`, so that its errors keep their path
/// (`scope.type`); its unknown keys are refused by name, as a body's are.
#[derive(Debug, Clone, PartialEq)]
pub enum Nested<T> {
    Absent,
    Null,
    Set(T),
}

// By hand: a derive would ask `T: Default`.
#[allow(clippy::derivable_impls)]
impl<T> Default for Nested<T> {
    fn default() -> Self {
        Nested::Absent
    }
}

impl<T> Nested<T> {
    /// The object, if one was sent (null is none).
    pub fn into_option(self) -> Option<T> {
        match self {
            Nested::Set(v) => Some(v),
            Nested::Absent | Nested::Null => None,
        }
    }
}

const OBJECT_OR_NULL: &str = "must be an object or null";

impl<'de, T: NestedObject> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NestedVisitor(PhantomData))
    }
}

struct NestedVisitor<T>(PhantomData<T>);

impl<'de, T: NestedObject> Visitor<'de> for NestedVisitor<T> {
    type Value = Nested<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(OBJECT_OR_NULL)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let known = KnownKeys { map, fields: T::FIELDS };
        T::deserialize(MapAccessDeserializer::new(known)).map(Nested::Set)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Nested::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(OBJECT_OR_NULL))
    }

    refuse_other_values!(OBJECT_OR_NULL);
}

/// A map whose keys outside `fields` are refused while their value is
/// read, so that the error's path ends in the key (`scope.colour`).
struct KnownKeys<A> {
    map: A,
    fields: &'static [&'static str],
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KnownKeys<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<String>()? else {
            return Ok(None);
        };
        if !self.fields.contains(&key.as_str()) {
            return self.map.next_value_seed(UnknownKey).map(|never| match never {});
        }
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

struct UnknownKey;

impl<'de> DeserializeSeed<'de> for UnknownKey {
    type Value = std::convert::Infallible;

    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<Self::Value, D::Error> {
        Err(D::Error::custom("is not a known field"))
    }
}

impl<T: NestedObject> PartialSchema for Nested<T> {
    fn schema() -> RefOr<Schema> {
        let null = ObjectBuilder::new().schema_type(Type::Null);
        OneOfBuilder::new().item(Ref::from_schema_name(T::name())).item(null).into()
    }
}

impl<T: NestedObject> ToSchema for Nested<T> {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

/// A list's schema: its items' and how many it holds.
pub fn array(items: RefOr<Schema>, min: usize, max: usize) -> RefOr<Schema> {
    ArrayBuilder::new().items(items).min_items(Some(min)).max_items(Some(max)).into()
}

/// A field's schema with an example (`schema_with` drops `example = …`).
pub fn example(mut schema: RefOr<Schema>, example: &str) -> RefOr<Schema> {
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.example = Some(example.into());
    }
    schema
}

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
            .examples([Value::from("jane.doe@example.com")])
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
