//! Body of `POST /v1/api-keys`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use roster_domain::tenancy::ApiKeyFields;
use roster_domain::{Ident, Scope};

use super::RequestBody;
use super::field::{Field, NullIsWrongType, described, example, schema, whole_detail};

type Name = Field<NullIsWrongType<Ident<255>>>;
type ZoneText = Field<NullIsWrongType<String>>;

/// Body of `POST /v1/api-keys`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    #[serde(default)]
    #[schema(schema_with = docs::name, required = true)]
    pub name: Name,
    // Absent, null, empty and not an array are all told the same words.
    #[serde(default)]
    #[schema(schema_with = docs::scopes, required = true)]
    pub scopes: Option<Listed<ScopeItem>>,
    // Absent and null both mean every zone.
    #[serde(default)]
    #[schema(schema_with = docs::zones)]
    pub zones: Option<Listed<ZoneItem>>,
    #[serde(default)]
    #[schema(schema_with = docs::default_zone)]
    pub default_zone: ZoneText,
}

impl RequestBody for CreateApiKey {
    const FIELDS: &'static [&'static str] = &["name", "scopes", "zones", "default_zone"];
    const NOT_AN_OBJECT: (Option<&'static str>, &'static str) =
        (None, "the body must be a JSON object");
}

impl From<CreateApiKey> for ApiKeyFields {
    fn from(b: CreateApiKey) -> Self {
        ApiKeyFields {
            name: b.name.into_option().map(|n| n.0),
            scopes: b.scopes.map(|s| s.0),
            zones: b.zones.map(|z| z.0),
            default_zone: b.default_zone.into_option().map(|z| z.0),
        }
    }
}

/// An item of a key's list, in the words key bodies have always used:
/// the item's words are the whole detail, and the list's own words are
/// its `NOT_A_LIST`.
pub trait KeyListItem: Sized {
    type Value;
    const NOT_A_LIST: &'static str;
    fn item(value: Value) -> Result<Self::Value, String>;
}

/// A key body's list, read through serde so an item's error names its
/// index (`scopes[2]`).
#[derive(Debug, PartialEq)]
pub struct Listed<I: KeyListItem>(pub Vec<I::Value>);

impl<'de, I: KeyListItem> Deserialize<'de> for Listed<I> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListedVisitor::<I>(PhantomData))
    }
}

struct Item<I: KeyListItem>(I::Value);

impl<'de, I: KeyListItem> Deserialize<'de> for Item<I> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        I::item(Value::deserialize(d)?).map(Item).map_err(|w| D::Error::custom(whole_detail(&w)))
    }
}

struct ListedVisitor<I>(PhantomData<I>);

impl<'de, I: KeyListItem> Visitor<'de> for ListedVisitor<I> {
    type Value = Listed<I>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(I::NOT_A_LIST)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Item(item)) = seq.next_element::<Item<I>>()? {
            items.push(item);
        }
        Ok(Listed(items))
    }

    // Every other JSON value (null is an `Option`'s) is not a list.
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(I::NOT_A_LIST))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(I::NOT_A_LIST))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(I::NOT_A_LIST))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(I::NOT_A_LIST))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(I::NOT_A_LIST))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(I::NOT_A_LIST))
    }
}

/// A scope name.
#[derive(Debug, PartialEq)]
pub struct ScopeItem;

impl KeyListItem for ScopeItem {
    type Value = Scope;
    const NOT_A_LIST: &'static str = "must be a non-empty array of scope names";
    fn item(value: Value) -> Result<Scope, String> {
        value.as_str().and_then(Scope::parse).ok_or_else(|| {
            let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown scope; use {}", names.join(", "))
        })
    }
}

/// A zone id or identifier (the service looks it up).
#[derive(Debug, PartialEq)]
pub struct ZoneItem;

impl KeyListItem for ZoneItem {
    type Value = String;
    const NOT_A_LIST: &'static str = "must be an array or null";
    fn item(value: Value) -> Result<String, String> {
        match value {
            Value::String(s) => Ok(s),
            _ => Err("must be a zone id or identifier".into()),
        }
    }
}

/// The `ScopeName` component: the scopes the domain knows, in its order.
pub struct ScopeNameSchema;

impl PartialSchema for ScopeNameSchema {
    fn schema() -> RefOr<Schema> {
        let names = Scope::ALL.iter().map(|s| Value::from(s.as_str()));
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A permission an API key carries."))
            .enum_values(Some(names))
            .into()
    }
}

impl ToSchema for ScopeNameSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ScopeName")
    }
}

/// Descriptions and examples (`schema_with` drops doc comments).
mod docs {
    use super::*;

    pub fn name() -> RefOr<Schema> {
        example(schema::<Name>(), "ci")
    }

    pub fn scopes() -> RefOr<Schema> {
        let mut scopes = ArrayBuilder::new()
            .items(Ref::from_schema_name("ScopeName"))
            .min_items(Some(1))
            .build();
        scopes.example = Some(serde_json::json!(["users:read", "users:write"]));
        RefOr::T(Schema::Array(scopes))
    }

    pub fn zones() -> RefOr<Schema> {
        let mut zones = ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("Zone ids or identifiers; omitted or null for every zone."))
            .build();
        zones.schema_type =
            utoipa::openapi::schema::SchemaType::from_iter([Type::Array, Type::Null]);
        RefOr::T(Schema::Array(zones))
    }

    pub fn default_zone() -> RefOr<Schema> {
        described::<ZoneText>("One of `zones`; defaults to the first of them, else `default`.")
    }
}
