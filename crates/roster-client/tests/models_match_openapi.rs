//! Every model of the SDK has exactly the fields of its schema in
//! `openapi.json`. The models are written by hand; this holds them to the
//! document the server generates, so a field added, renamed or dropped on
//! either side fails here instead of drifting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The JSON names of a struct's fields, as its `Deserialize` impl declares
/// them (after `rename`s): a deserializer that only records what it is
/// asked for.
fn field_names<'de, T: Deserialize<'de>>() -> BTreeSet<&'static str> {
    struct Names(Vec<&'static str>);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for &mut Names {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0.extend_from_slice(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut names = Names(Vec::new());
    let _ = T::deserialize(&mut names);
    names.0.into_iter().collect()
}

fn documented(schema: &str) -> BTreeSet<String> {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../../openapi.json")).unwrap();
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("openapi.json has no schema {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn check<'de, T: Deserialize<'de>>(schema: &str) {
    let fields: BTreeSet<String> = field_names::<T>().into_iter().map(str::to_owned).collect();
    assert_eq!(fields, documented(schema), "the SDK's model for {schema}");
}

#[test]
fn each_model_has_exactly_the_fields_of_its_openapi_schema() {
    use roster_client::*;
    check::<User>("User");
    check::<PageInfo>("PageInfo");
    check::<Page<User>>("UserList");
    check::<Zone>("Zone");
    check::<ApiKey>("ApiKey");
    check::<Role>("Role");
    check::<AssignmentScope>("AssignmentScopeView");
    check::<RoleAssignment>("RoleAssignment");
    check::<Session>("Session");
    check::<Grant>("Grant");
    check::<Provider>("Provider");
    check::<SignIn>("SignIn");
    check::<Health>("Health");
}
