//! The request-body schemas of `openapi.json` state the domain's field
//! rules: a string matches a documented pattern exactly when the domain
//! accepts it. Schemathesis' positive and negative checks rely on that.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_domain::tenancy::check_zone_identifier;
use roster_domain::text::{check_identifier, check_text};
use serde_json::Value;

fn schema_of(doc: &Value, schema: &str, field: &str) -> Value {
    doc["components"]["schemas"][schema]["properties"][field].clone()
}

/// Whether `s` satisfies the string schema's pattern and maxLength.
fn satisfies(prop: &Value, s: &str) -> bool {
    let pattern = prop["pattern"].as_str().expect("a pattern");
    let re = regex::Regex::new(pattern).unwrap();
    let fits = prop["maxLength"].as_u64().is_none_or(|max| s.chars().count() as u64 <= max);
    re.is_match(s) && fits
}

const SAMPLES: &[&str] = &[
    "admin",
    "a",
    "",
    " ",
    "\t",
    "  x  ",
    "with space",
    "nul\0inside",
    "line\nbreak",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{a0}x",
    "\u{3000}",
    "ünïcödé",
    "😀",
    "eu-west_1",
    "-leading",
    "Upper",
    "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV",
];

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn identifier_fields_document_exactly_what_check_identifier_accepts() {
    let doc: Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    let prop = schema_of(&doc, "CreateRole", "identifier");
    let mut samples: Vec<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
    samples.extend([long(255), long(256)]);
    for s in &samples {
        assert_eq!(
            satisfies(&prop, s),
            check_identifier("identifier", s, 255).is_ok(),
            "role identifier {s:?}"
        );
    }
}

#[test]
fn free_text_fields_document_exactly_what_check_text_accepts() {
    let doc: Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    let prop = schema_of(&doc, "CreateZone", "name");
    let mut samples: Vec<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
    samples.extend([long(255), long(256)]);
    for s in &samples {
        assert_eq!(satisfies(&prop, s), check_text("name", s, 255).is_ok(), "zone name {s:?}");
    }
}

#[test]
fn zone_identifiers_document_exactly_what_check_zone_identifier_accepts() {
    let doc: Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    let prop = schema_of(&doc, "CreateZone", "identifier");
    let mut samples: Vec<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
    samples.extend([long(63), long(64)]);
    for s in &samples {
        assert_eq!(
            satisfies(&prop, s),
            check_zone_identifier("identifier", s).is_ok(),
            "zone identifier {s:?}"
        );
    }
}

#[test]
fn fields_the_server_refuses_null_for_are_not_nullable() {
    let doc: Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    for (schema, field) in [
        ("CreateRole", "name"),
        ("UpdateRole", "identifier"),
        ("CreateZone", "name"),
        ("UpdateZone", "name"),
        ("CreateApiKey", "default_zone"),
        ("CreateUser", "identifier"),
        ("UpdateUser", "email"),
        ("UpdateProvider", "issuer"),
    ] {
        let prop = schema_of(&doc, schema, field);
        assert_eq!(prop["type"], "string", "{schema}.{field} must not admit null: {prop}");
    }
    for schema in ["CreateUser", "CreateZone", "CreateRole", "CreateGrant", "AssignRoleById"] {
        let s = &doc["components"]["schemas"][schema];
        assert_eq!(s["additionalProperties"], false, "{schema} refuses unknown fields");
    }
}
