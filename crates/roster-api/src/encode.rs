//! Response bodies: every JSON body Roster sends is written here.
//!
//! Writing JSON is most of a list page's work, and most of that is scanning
//! strings for characters to escape. sonic-rs scans 16 bytes at a time where
//! serde_json goes byte by byte: a page of 50 users costs 1.46 M instructions
//! with serde_json and 1.30 M with sonic-rs (BENCHMARKS.md, "Response bodies
//! written by sonic-rs"). serde_json stays for reading requests and for
//! `Value`, which sonic-rs writes through the same `Serialize` impls.

use serde::Serialize;

/// `value` as compact JSON bytes.
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    sonic_rs::to_vec(value).map_err(|e| e.to_string())
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
