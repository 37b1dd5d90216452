//! Field types read through serde rather than from a `Value`, so their
//! errors keep the path into them: a list's items (`scopes[2]`) and an
//! object inside a body (`scope.type`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, Error as _, IntoDeserializer,
    MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::field::{FieldValue, read};

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
