//! A user's custom attributes, kept as the JSON text they are stored as.
//!
//! Most reads only pass attributes through: a list page used to parse every
//! user's attributes into a map and write the map straight back out, about
//! a tenth of the page's work (BENCHMARKS.md, "Attributes pass through as
//! text"). The text is parsed only where a rule needs the map: a change, a
//! filter checked in memory, a comparison.

use std::fmt;

use serde_json::{Map, Value};

/// A JSON object, as text. Built from a checked map, or read back from
/// storage that only ever holds what a map was written as (a database may
/// re-space it; PostgreSQL's `json` column keeps it as written).
#[derive(Clone)]
pub struct Attributes {
    json: String,
}

impl Attributes {
    pub fn empty() -> Self {
        Self { json: "{}".to_owned() }
    }

    pub fn from_map(map: &Map<String, Value>) -> Self {
        // A map of JSON values always serializes; the fallback is unreachable.
        Self { json: serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned()) }
    }

    /// Text read back from storage. Anything but an object reads as empty,
    /// as a damaged row must never make a response invalid JSON.
    pub fn from_stored(json: String) -> Self {
        let t = json.trim();
        if t.starts_with('{') && t.ends_with('}') { Self { json } } else { Self::empty() }
    }

    /// The object's JSON text, to store or to send as it is.
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The object as a map; empty when the text is not an object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.parsed().unwrap_or_default()
    }

    fn parsed(&self) -> Option<Map<String, Value>> {
        if self.json == "{}" {
            return Some(Map::new());
        }
        match serde_json::from_str::<Value>(&self.json) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }
}

impl Default for Attributes {
    fn default() -> Self {
        Self::empty()
    }
}

/// Equal as JSON objects, whatever the spacing or the order of members. A
/// damaged text equals no other, so writing `{}` over it is a change.
impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
            || matches!((self.parsed(), other.parsed()), (Some(a), Some(b)) if a == b)
    }
}

/// In an event's snapshot, the object's text as a string: kept byte for
/// byte, whatever a JSON re-encoding would do to its numbers or order.
impl serde::Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.json)
    }
}

impl<'de> serde::Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from_stored)
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn attributes_compare_as_objects_not_as_text() {
        let compact = Attributes::from_map(&map(json!({"a": 1, "b": [true]})));
        let spaced = Attributes::from_stored(r#"{"b": [true], "a": 1}"#.to_owned());
        assert_eq!(compact, spaced);
        assert_ne!(compact, Attributes::from_map(&map(json!({"a": 2, "b": [true]}))));
    }

    #[test]
    fn stored_text_that_is_not_an_object_reads_as_empty() {
        for bad in ["", "[1]", "null", "\"x\""] {
            let a = Attributes::from_stored(bad.to_owned());
            assert_eq!(a.as_json(), "{}", "{bad:?}");
            assert!(a.to_map().is_empty());
        }
        let damaged = Attributes::from_stored("{ \"a\": }".to_owned());
        assert_eq!(damaged.to_map(), Map::new());
        assert_ne!(damaged, Attributes::empty(), "writing {{}} over a damaged text is a change");
    }

    #[test]
    fn a_member_is_read_by_key() {
        let a = Attributes::from_map(&map(json!({"plan": "pro"})));
        assert_eq!(a.get("plan"), Some(json!("pro")));
        assert_eq!(a.get("tier"), None);
    }
}
