//! The checked-in `openapi.json` is what the code generates.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json")
}

#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let generated = roster_api::openapi_json();
    let on_disk = std::fs::read_to_string(checked_in()).expect("openapi.json at the repo root");
    assert!(
        generated == on_disk,
        "openapi.json is stale: run `cargo run -p roster -- openapi > openapi.json` and commit it"
    );
}

#[test]
fn the_openapi_document_is_version_3_1_and_names_every_operation() {
    let doc: serde_json::Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut ids = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}"));
            assert!(!ids.contains(&id.to_owned()), "operationId {id} is used twice");
            ids.push(id.to_owned());
        }
    }
    assert!(ids.len() >= 20, "{ids:?}");
}

#[test]
fn every_documented_user_body_field_is_one_the_domain_accepts() {
    let doc: serde_json::Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    for schema in ["CreateUser", "UpdateUser"] {
        let props = doc["components"]["schemas"][schema]["properties"].as_object().unwrap();
        let mut documented: Vec<&str> = props.keys().map(String::as_str).collect();
        documented.sort_unstable();
        let mut accepted = roster_domain::user::WRITABLE_FIELDS.to_vec();
        accepted.sort_unstable();
        assert_eq!(documented, accepted, "{schema} drifted from the domain's writable fields");
    }
}

#[test]
fn every_openapi_link_leads_to_an_operation_and_parameters_that_exist() {
    let wrong = roster_api::links::dangling(&roster_api::openapi());
    assert!(wrong.is_empty(), "links pointing nowhere: {wrong:?}");
}

#[test]
fn a_created_user_links_to_its_retrieve_update_and_delete() {
    let doc: serde_json::Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    let links = &doc["paths"]["/v1/users"]["post"]["responses"]["201"]["links"];
    for op in ["users.retrieve", "users.update", "users.delete"] {
        assert_eq!(links[op]["operationId"], op);
        assert_eq!(links[op]["parameters"]["id"], "$response.body#/id");
    }
}

#[test]
fn every_schema_reference_of_the_openapi_document_resolves() {
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc: serde_json::Value = serde_json::from_str(&roster_api::openapi_json()).unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external reference {r}"));
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }
}
