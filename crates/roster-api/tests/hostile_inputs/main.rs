//! Generated hostile input against the edge's parsers: query strings into
//! every query parser, bodies into the body reader, the JSON parser and the
//! typed bodies (users, roles, providers, assignments, sessions, grants and
//! sign-ins).
//! The promise: never a panic; every refusal is a 4xx problem+json (400
//! for a bad parameter or body, 413 for size, 415 for media type); and what
//! is well formed parses.
//!
//! Every property runs the number of cases `PLAN` gives it, checked as it
//! runs; `the_plan_generates_at_least_60_000_cases` holds the sum (with
//! `roster-domain`'s hostile inputs, over 100 000 per run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bodies;
// The generators and the case-counting runner of the domain's hostile
// inputs, shared so both suites draw from the same nasty strings.
#[allow(dead_code)]
#[path = "../../../roster-domain/tests/hostile_inputs/generate.rs"]
mod generate;

use generate::run;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::response::IntoResponse;
use http::{HeaderMap, HeaderValue, Request, header};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use roster_api::body::{BodyKind, MAX_BODY_BYTES, RawBody, parse_json};
use roster_api::problem::{ApiError, PROBLEM_JSON};
use roster_api::query::{
    ExpandParams, IdPageParams, ListUsersParams, NoParams, decode_pairs, read,
};

const PLAN: &[(&str, u32)] = &[
    ("every_query_parser_parses_or_answers_a_400_problem_naming_a_parameter", 12_000),
    ("well_formed_list_queries_parse", 5_000),
    ("json_bodies_parse_or_answer_400_or_415_problems", 8_000),
    ("any_json_value_sent_as_a_body_parses_back_to_itself", 4_000),
    ("the_body_reader_returns_the_body_or_answers_413", 1_500),
    ("user_bodies_create_or_name_a_field_of_the_body", 8_000),
    ("user_patches_apply_or_name_a_field_of_the_patch", 6_000),
    ("role_and_provider_bodies_apply_or_name_their_field", 6_000),
    ("assignment_session_grant_and_sign_in_bodies_parse_or_name_their_field", 10_000),
];

#[test]
fn the_plan_generates_at_least_60_000_cases() {
    let total: u32 = PLAN.iter().map(|(_, n)| n).sum();
    println!("roster-api hostile inputs: {total} generated cases per run");
    assert!(total >= 60_000, "the plan shrank to {total} cases");
}

/// The error as the client receives it: status, content type, problem.
pub fn assert_problem(e: &ApiError, allowed: &[u16]) -> Result<Value, TestCaseError> {
    let status = e.status().as_u16();
    prop_assert!(allowed.contains(&status), "status {status} for {e:?}");
    let response = e.clone().into_response();
    prop_assert_eq!(response.status().as_u16(), status);
    prop_assert_eq!(
        response.headers().get(header::CONTENT_TYPE),
        Some(&HeaderValue::from_static(PROBLEM_JSON))
    );
    let problem = serde_json::to_value(e.problem()).unwrap();
    prop_assert_eq!(&problem["status"], &Value::from(status));
    prop_assert!(problem["code"].as_str().is_some_and(|c| !c.is_empty()));
    Ok(problem)
}

/// Parameter names every parser knows, in every spelling, plus junk.
const NAMES: &[&str] = &[
    "limit",
    "page",
    "page_size",
    "after",
    "before",
    "id",
    "email",
    "identifier",
    "user_type",
    "status",
    "created_by",
    "updated_by",
    "created_at_from",
    "created_at_to",
    "updated_at_from",
    "updated_at_to",
    "provider_id",
    "role",
    "search",
    "q",
    "query",
    "query[]",
    "sort",
    "sort_by",
    "sort_order",
    "expand",
    "expand[]",
    "filter[status]",
    "filter[email]",
    "filter[search]",
    "filter[sort]",
    "attributes.plan",
    "attributes.",
    "attributes.a\"b",
    "filter[attributes.x]",
];

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "1000",
    "1001",
    "-1",
    "18446744073709551616",
    " 5 ",
    "active",
    "active,risky",
    "gone",
    "saas_user",
    "-created_at,email",
    "+email",
    "email,email",
    "password",
    "asc",
    "desc",
    "role_assignments",
    "secrets",
    "2024-01-15T09:30:00Z",
    "yesterday",
    "user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "user_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    "null",
    "true",
    "\"3\"",
    "[1]",
];

/// One `name=value` pair: known or arbitrary names and values, raw or
/// percent-encoded, with `%` escapes that may be invalid or not UTF-8.
fn pair() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ];
    let value = prop_oneof![
        3 => prop::sample::select(VALUES).prop_map(str::to_owned),
        2 => "\\PC{0,20}",
        1 => any::<String>(),
        1 => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(|b| b.iter().map(|x| format!("%{x:02X}")).collect()),
        1 => "[%0-9A-Fa-fg+=&]{0,12}",
        1 => Just("x".repeat(300)),
    ];
    (name, value, any::<bool>()).prop_map(|(n, v, eq)| if eq { format!("{n}={v}") } else { n })
}

fn raw_query() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        6 => prop::collection::vec(pair(), 0..8).prop_map(|p| Some(p.join("&"))),
        2 => any::<String>().prop_map(Some),
        1 => "[&=%]{0,10}".prop_map(Some),
    ]
}

#[test]
fn every_query_parser_parses_or_answers_a_400_problem_naming_a_parameter() {
    let name = "every_query_parser_parses_or_answers_a_400_problem_naming_a_parameter";
    run(name, raw_query(), |raw| {
        let raw = raw.as_deref();
        let errors = [
            decode_pairs(raw).err(),
            read::<ListUsersParams>(raw).err(),
            read::<IdPageParams>(raw).err(),
            read::<NoParams>(raw).err(),
            read::<ExpandParams>(raw).err(),
        ];
        let pairs = decode_pairs(raw);
        for e in errors.iter().flatten() {
            let p = assert_problem(e, &[400])?;
            prop_assert_eq!(&p["code"], "invalid_parameter");
            let param = p["param"].as_str().unwrap_or_default();
            // It names a parameter as sent (after decoding), or, when the
            // text would not decode, the text as sent.
            if let Ok(pairs) = &pairs {
                prop_assert!(pairs.iter().any(|(n, _)| n == param), "param {param:?} of {raw:?}");
            }
        }
        if raw.is_none_or(str::is_empty) {
            prop_assert!(errors.iter().all(Option::is_none), "no query is always fine");
        }
        Ok(())
    });
}

/// A query of distinct, valid parameters.
fn well_formed_list_query() -> impl Strategy<Value = String> {
    let options: Vec<BoxedStrategy<String>> = vec![
        (1u32..=1000).prop_map(|n| format!("limit={n}")).boxed(),
        prop::sample::select(vec!["active", "onboarding,active", "disabled"])
            .prop_map(|s| format!("status={s}"))
            .boxed(),
        "[a-z0-9]{1,20}".prop_map(|s| format!("search={s}")).boxed(),
        "[a-z]{1,8}@[a-z]{1,8}\\.com".prop_map(|s| format!("email={s}")).boxed(),
        prop::sample::select(vec!["-created_at", "email,-name", "+identifier,user_type"])
            .prop_map(|s| format!("sort={s}"))
            .boxed(),
        prop::sample::select(vec!["role_assignments", "session_count,grant_count"])
            .prop_map(|s| format!("expand[]={s}"))
            .boxed(),
        "[a-z]{1,8}".prop_map(|k| format!("attributes.{k}=%22v%22")).boxed(),
        Just("created_at_from=2024-01-15T09%3A30%3A00%2B02%3A00".to_owned()).boxed(),
    ];
    prop::sample::subsequence((0..options.len()).collect::<Vec<_>>(), 0..=options.len())
        .prop_flat_map(move |picked| {
            picked.into_iter().map(|i| options[i].clone()).collect::<Vec<_>>()
        })
        .prop_shuffle()
        .prop_map(|parts| parts.join("&"))
}

#[test]
fn well_formed_list_queries_parse() {
    run("well_formed_list_queries_parse", well_formed_list_query(), |q| {
        let parsed = read::<ListUsersParams>(Some(&q));
        prop_assert!(parsed.is_ok(), "{q}: {:?}", parsed.err().map(|e| e.problem()));
        Ok(())
    });
}

fn headers(content_type: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    h
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(Some("application/json".to_owned())),
        2 => Just(Some("application/merge-patch+json; charset=utf-8".to_owned())),
        1 => Just(Some("APPLICATION/JSON ; q=1".to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,30}".prop_map(Some),
    ]
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "\\PC{0,40}".prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 0..64),
        2 => prop::sample::select(vec![
            "{", "{}", "[]", "null", "\"\\ud800\"", "{\"a\":1,\"a\":2}", "1e999", "-0",
            "{\"email\":\"\\u0000\"}", "   ", "\u{feff}{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => (1usize..200).prop_map(|n| "[".repeat(n).into_bytes()),
    ]
}

#[test]
fn json_bodies_parse_or_answer_400_or_415_problems() {
    let strategy = (content_type(), body_bytes(), any::<bool>());
    run("json_bodies_parse_or_answer_400_or_415_problems", strategy, |(ct, body, patch)| {
        let kind = if patch { BodyKind::MergePatch } else { BodyKind::Json };
        if let Err(e) = parse_json(&headers(ct.as_deref()), &body, kind) {
            let p = assert_problem(&e, &[400, 415])?;
            let code = p["code"].as_str().unwrap();
            prop_assert!(code == "invalid_body" || code == "unsupported_media_type", "{code}");
        }
        Ok(())
    });
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

#[test]
fn any_json_value_sent_as_a_body_parses_back_to_itself() {
    run("any_json_value_sent_as_a_body_parses_back_to_itself", json_value(), |v| {
        let text = serde_json::to_vec(&v).unwrap();
        let parsed = parse_json(&headers(Some("application/json")), &text, BodyKind::Json);
        let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{:?}", e.problem())))?;
        prop_assert_eq!(parsed, v);
        Ok(())
    });
}

/// serde_json without `float_roundtrip` parsed this subnormal one ulp off
/// (found by the property test above); every double must come back exactly.
#[test]
fn a_subnormal_double_in_a_body_parses_back_exactly() {
    for x in [1.43532213690597e-309_f64, f64::MIN_POSITIVE / 3.0, 5e-324, 1.7976931348623157e308] {
        let v = serde_json::json!({ "attributes": { "x": x } });
        let text = serde_json::to_vec(&v).unwrap();
        let parsed = parse_json(&headers(Some("application/json")), &text, BodyKind::Json);
        let parsed = parsed.unwrap_or_else(|e| panic!("{:?}", e.problem()));
        assert_eq!(parsed["attributes"]["x"].as_f64(), Some(x), "{x:e} came back changed");
    }
}

#[test]
fn the_body_reader_returns_the_body_or_answers_413() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let size = prop_oneof![
        4 => 0usize..4096,
        1 => (MAX_BODY_BYTES - 2)..(MAX_BODY_BYTES + 3),
    ];
    // The declared length: honest, absent, a lie either way, or garbage.
    let declared = prop_oneof![
        Just(None),
        Just(Some("honest".to_owned())),
        Just(Some("99999999999".to_owned())),
        Just(Some("0".to_owned())),
        "[ -~]{0,8}".prop_map(Some),
    ];
    let strategy = (size, any::<u8>(), declared);
    run("the_body_reader_returns_the_body_or_answers_413", strategy, |(n, byte, declared)| {
        let body = vec![byte; n];
        let mut req = Request::builder().method("POST").uri("/v1/users");
        let declared_len = match declared.as_deref() {
            Some("honest") => Some(n.to_string()),
            other => other.map(str::to_owned),
        };
        if let Some(len) = &declared_len {
            req = req.header(header::CONTENT_LENGTH, len.as_str());
        }
        let Ok(req) = req.body(Body::from(body.clone())) else {
            return Ok(()); // not a header value at all: never reaches us
        };
        let announced_too_large = declared_len
            .as_deref()
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|d| d > MAX_BODY_BYTES as u64);
        match rt.block_on(RawBody::from_request(req, &())) {
            Ok(RawBody(got)) => {
                prop_assert!(n <= MAX_BODY_BYTES && !announced_too_large);
                prop_assert_eq!(&got[..], &body[..]);
            }
            Err(e) => {
                let p = assert_problem(&e, &[413])?;
                prop_assert_eq!(&p["code"], "payload_too_large");
                prop_assert!(n > MAX_BODY_BYTES || announced_too_large);
            }
        }
        Ok(())
    });
}
