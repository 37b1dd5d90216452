//! One field of a JSON body: absent, null, or a value held to its rule.
//!
//! `Field<T>` refuses null; `Nullable<T>` takes it as "clear". Both read
//! the JSON value, answer the same words the API has always answered
//! (`must be a string`, `cannot be null`, `must be a string or null`) and
//! hand the rest to the value type, whose rule lives in the domain. The
//! field's name is not known here: `input::typed` adds it from the path
//! serde was reading.

use serde::de::{Deserialize, Deserializer, Error as _};
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

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

pub(crate) fn read<'de, T: FieldValue, D: Deserializer<'de>>(
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

// The wrappers that read through serde (lists, nested objects) and the
// value types, re-exported so a body names every field type from here.
pub use super::compound::{List, Nested, NestedObject};
pub use super::values::{Object, SessionProvider, UserStatusSchema, UserTypeSchema, id_pattern};
