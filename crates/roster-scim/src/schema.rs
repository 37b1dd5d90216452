//! The schemas Roster publishes (`/Schemas`), and what a request's
//! resource is held to: attribute names spelled as published, read-only
//! attributes dropped, each value of its published type.
//!
//! The published schemas are data (`schemas/schemas.json`: RFC 7643 §8.7's
//! User, enterprise User and Group, with Roster's requirements written in,
//! and Roster's own extension), so what `/Schemas` says and what requests
//! are checked against cannot drift apart.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::error::ScimError;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const ROSTER: &str = "urn:roster:params:scim:schemas:extension:roster:2.0:User";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub const USER_EXTENSIONS: &[&str] = &[ENTERPRISE, ROSTER];

static SCHEMAS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schemas/schemas.json")).unwrap_or_default()
});

/// Every published schema, as `/Schemas` lists them (without `meta`).
pub fn all() -> &'static [Value] {
    &SCHEMAS
}

/// A published schema by its URN, case-insensitively.
pub fn by_id(id: &str) -> Option<&'static Value> {
    all().iter().find(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
}

/// The attributes of a published schema.
pub fn attributes(id: &str) -> &'static [Value] {
    by_id(id).and_then(|s| s["attributes"].as_array()).map(Vec::as_slice).unwrap_or(&[])
}

/// An attribute definition by name, case-insensitively.
pub fn find<'a>(attrs: &'a [Value], name: &str) -> Option<&'a Value> {
    attrs.iter().find(|a| a["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

pub fn sub_attributes(def: &Value) -> &[Value] {
    def["subAttributes"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub fn is_multi_valued(def: &Value) -> bool {
    def["multiValued"].as_bool().unwrap_or(false)
}

fn is_read_only(def: &Value) -> bool {
    def["mutability"].as_str() == Some("readOnly")
}

/// Whether string comparisons on an attribute of `schema` (its lowercased
/// dotted path, as the filter evaluator asks) are case-exact.
pub fn case_exact(schema: &str, dotted: &str) -> bool {
    if matches!(dotted, "id" | "externalid" | "meta.version" | "meta.location") {
        return true;
    }
    let (name, sub) = match dotted.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (dotted, None),
    };
    let schemas = std::iter::once(schema).chain(USER_EXTENSIONS.iter().copied());
    for id in schemas {
        if let Some(def) = find(attributes(id), name) {
            let def = match sub {
                Some(s) => match find(sub_attributes(def), s) {
                    Some(d) => d,
                    None => return false,
                },
                None => def,
            };
            return def["caseExact"].as_bool().unwrap_or(false);
        }
    }
    false
}

/// A request's object held to `attrs`: names respelled as published,
/// read-only and unknown attributes left out (RFC 7644 §3.3 lets a service
/// provider ignore what it does not hold), values checked by type. `at`
/// names the place for errors.
pub fn canonical(
    object: &Map<String, Value>,
    attrs: &[Value],
    at: &str,
) -> Result<Map<String, Value>, ScimError> {
    let mut out = Map::new();
    for (key, value) in object {
        let Some(def) = find(attrs, key) else { continue };
        if is_read_only(def) || value.is_null() {
            continue;
        }
        let name = def["name"].as_str().unwrap_or(key);
        let here = if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") };
        let value = if is_multi_valued(def) {
            // A single value where a list belongs is taken as a list of one,
            // as several identity providers send it.
            let items = match value {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let items: Result<Vec<Value>, ScimError> =
                items.iter().filter(|v| !v.is_null()).map(|v| single(v, def, &here)).collect();
            Value::Array(items?)
        } else {
            single(value, def, &here)?
        };
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

fn single(value: &Value, def: &Value, at: &str) -> Result<Value, ScimError> {
    let kind = def["type"].as_str().unwrap_or("string");
    let wrong = || ScimError::invalid_value(format!("{at} must be of type {kind}"));
    match kind {
        "complex" => match value {
            Value::Object(map) => Ok(Value::Object(canonical(map, sub_attributes(def), at)?)),
            // Entra ID sends `manager` as the manager's id alone.
            Value::String(_) if find(sub_attributes(def), "value").is_some() => {
                let map = Map::from_iter([("value".to_owned(), value.clone())]);
                Ok(Value::Object(canonical(&map, sub_attributes(def), at)?))
            }
            _ => Err(wrong()),
        },
        "boolean" => match value {
            Value::Bool(_) => Ok(value.clone()),
            // Entra ID sends booleans as strings ("False") in PATCH values.
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(wrong()),
        },
        "integer" => value.as_i64().map(Value::from).ok_or_else(wrong),
        "decimal" => value.is_number().then(|| value.clone()).ok_or_else(wrong),
        _ => value.is_string().then(|| value.clone()).ok_or_else(wrong),
    }
}
