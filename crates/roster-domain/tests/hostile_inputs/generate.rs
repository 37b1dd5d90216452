//! Generators of hostile input, and the runner that counts cases.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

/// Runs `test` on as many generated values as `PLAN` names for `name`,
/// asserts it really ran that many and prints the count. A panic inside
/// `test` is a failure (proptest catches it and shrinks the input).
pub fn run<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let cases = crate::PLAN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("{name} is not in PLAN"));
    let ran = Cell::new(0u32);
    // No persistence file: these run from any directory, and a failure
    // prints its minimal input.
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&strategy, |value| {
        ran.set(ran.get() + 1);
        test(value)
    });
    if let Err(e) = outcome {
        panic!("{name}: {e}");
    }
    assert!(ran.get() >= cases, "{name} ran {} of {cases} cases", ran.get());
    println!("{name}: {} generated cases", ran.get());
}

/// Strings that have broken parsers before: empty, blank, NUL, controls,
/// bidi overrides, astral characters, id and date look-alikes, overlong.
pub fn nasty_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("\0".to_owned()),
        Just("a\0b".to_owned()),
        Just("\u{202e}evil".to_owned()),
        Just("💥🧨".to_owned()),
        Just("user_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned()),
        Just("zone_01arz3ndektsv4rrffq69g5fav".to_owned()),
        Just("role_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned()),
        Just("idp_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned()),
        Just("user_ZZZZZZZZZZZZZZZZZZZZZZZZZZ".to_owned()),
        Just("2024-01-15T09:30:00Z".to_owned()),
        Just("9999-12-31T23:59:59.999999Z".to_owned()),
        Just("0000-01-01T00:00:00Z".to_owned()),
        Just("2024-02-30T25:61:61+99:99".to_owned()),
        Just("jane@example.com".to_owned()),
        Just("@".to_owned()),
        Just("a@b..c".to_owned()),
        Just("x".repeat(300)),
        Just("é".repeat(1100)),
        Just("%00%FF".to_owned()),
        Just("{\"z\":1}".to_owned()),
    ]
}

/// Any string: arbitrary Unicode, printable text, or a nasty literal.
pub fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "\\PC{0,24}",
        2 => nasty_literal(),
        1 => (nasty_literal(), "\\PC{0,8}").prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // serde_json turns non-finite floats into null.
        any::<f64>().prop_map(Value::from),
        hostile_string().prop_map(Value::String),
    ]
}

/// Any JSON value, up to a few levels deep.
pub fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((hostile_string(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object whose keys are mostly `fields` (so parsing goes deep) and
/// sometimes anything, with any values. (Bodies are `roster-api`'s, whose
/// hostile inputs share this file.)
#[allow(dead_code)]
pub fn body_object(fields: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![
        4 => prop::sample::select(fields).prop_map(str::to_owned),
        1 => hostile_string(),
    ];
    let value = prop_oneof![
        3 => json_value(),
        2 => hostile_string().prop_map(Value::String),
    ];
    prop::collection::vec((key, value), 0..6).prop_map(|kv| kv.into_iter().collect())
}

/// A body: usually an object of `fields`, sometimes any JSON at all.
#[allow(dead_code)]
pub fn body(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        5 => body_object(fields).prop_map(Value::Object),
        1 => json_value(),
    ]
}
