//! Response bodies: every JSON body Roster sends is written here.
//!
//! Writing JSON is most of a list page's work, and most of that is scanning
//! strings for characters to escape. sonic-rs scans 16 bytes at a time where
//! serde_json goes byte by byte: a page of 50 users costs 1.46 M instructions
//! with serde_json and 1.30 M with sonic-rs (BENCHMARKS.md, "Response bodies
//! written by sonic-rs"). serde_json stays for reading requests and for
//! `Value`, which sonic-rs writes through the same `Serialize` impls.

use roster_domain::Attributes;
use serde::{Serialize, Serializer};

/// `value` as compact JSON bytes.
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    json_bytes_sized(value, 1024)
}

/// Bytes a user takes in a list body, a little over the usual: a page's
/// buffer is made once at about its final size, where growing it by
/// doubling from empty cost 6 % of a page of 50 (reallocations and copies).
pub const USER_BYTES: usize = 768;

/// `value` as compact JSON bytes, written into a buffer of `capacity`.
pub fn json_bytes_sized<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(capacity);
    sonic_rs::to_writer(&mut out, value).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A user's attributes, written as the text they were stored as.
///
/// The text goes out through sonic-rs's `LazyValue`, which its serializer
/// copies verbatim once its scan has found one whole JSON value there. This
/// works with `json_bytes` only (another serializer would write the lazy
/// value's wrapper), which is why every body is written by `json_bytes`.
pub struct RawAttributes<'a>(pub &'a Attributes);

impl Serialize for RawAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match sonic_rs::from_str::<sonic_rs::LazyValue<'_>>(self.0.as_json()) {
            Ok(raw) => raw.serialize(serializer),
            // Storage only holds objects it was given; should a row be
            // damaged, the user still reads, with no attributes.
            Err(_) => serializer.serialize_map(Some(0))?.end(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::json_bytes;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// Attributes pass through as the text they are stored as, and come out
    /// as the same object, whatever their spacing; a damaged text reads as
    /// no attributes, never as a broken body.
    #[test]
    fn attributes_are_written_as_the_object_they_store() {
        use roster_domain::Attributes;

        use super::RawAttributes;
        let stored =
            Attributes::from_stored(r#"{ "a" : [1, "x\u0001"], "b": {"c": null} }"#.into());
        #[derive(serde::Serialize)]
        struct Holder<'a> {
            attributes: RawAttributes<'a>,
        }
        let bytes = json_bytes(&Holder { attributes: RawAttributes(&stored) }).unwrap();
        let back: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back["attributes"], Value::Object(stored.to_map()));
        assert_eq!(back["attributes"]["a"][1], "x\u{1}");
        let damaged = Attributes::from_stored("{\"a\": }".into());
        let bytes = json_bytes(&RawAttributes(&damaged)).unwrap();
        assert_eq!(bytes, b"{}");
    }

    proptest! {
        /// Whatever a user stores (any string, any number, any nesting),
        /// the body Roster writes reads back as the same value.
        #[test]
        fn every_value_written_reads_back_the_same(v in value()) {
            let bytes = json_bytes(&v).unwrap();
            let back: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
