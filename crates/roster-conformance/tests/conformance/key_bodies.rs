//! API-key bodies: each fault is named by its field (or list item) in the
//! words key creation has always used, a key without `keys:write` hears 403
//! before anything about its body, and a refused body creates no key.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::support::*;

/// Creates a key with `body` and expects a 400 naming `param` in `detail`.
async fn refused(server: &TestServer, body: Value, param: &str, detail: &str) {
    let r = server.post("/v1/api-keys", body.clone()).await;
    let p = problem_param(&r, 400, "invalid_body", param);
    assert_eq!(p["detail"], json!(detail), "for {body}");
}

pub async fn api_key_bodies_name_each_fault_in_the_words_keys_have_always_used(
    server: &TestServer,
) {
    let keys_before = server.get("/v1/api-keys").await.json()["total_count"].clone();
    let all = "users:read, users:write, users:metadata, roles:read, roles:write, \
               zones:read, zones:write, keys:write, events:read, webhooks:write, scim, admin";
    let cases = [
        (json!({"scopes": ["users:read"]}), "name", "name is required".to_owned()),
        (json!({"name": null, "scopes": ["users:read"]}), "name", "name must be a string".into()),
        (json!({"name": " ", "scopes": ["users:read"]}), "name", "name must not be empty".into()),
        (json!({"name": "k"}), "scopes", "scopes must be a non-empty array of scope names".into()),
        (
            json!({"name": "k", "scopes": []}),
            "scopes",
            "scopes must be a non-empty array of scope names".into(),
        ),
        (
            json!({"name": "k", "scopes": "admin"}),
            "scopes",
            "scopes must be a non-empty array of scope names".into(),
        ),
        (
            json!({"name": "k", "scopes": ["users:read", "users:destroy"]}),
            "scopes[1]",
            format!("unknown scope; use {all}"),
        ),
        (
            json!({"name": "k", "scopes": ["users:read"], "zones": "default"}),
            "zones",
            "zones must be an array or null".into(),
        ),
        (
            json!({"name": "k", "scopes": ["users:read"], "zones": [7]}),
            "zones[0]",
            "must be a zone id or identifier".into(),
        ),
        (
            json!({"name": "k", "scopes": ["users:read"], "zones": ["default", "nowhere"]}),
            "zones[1]",
            "nowhere is not a zone".into(),
        ),
        (
            json!({"name": "k", "scopes": ["users:read"], "default_zone": null}),
            "default_zone",
            "default_zone must be a string".into(),
        ),
        (
            json!({"name": "k", "scopes": ["users:read"], "secret": "x"}),
            "secret",
            "secret is not a known field".into(),
        ),
    ];
    for (body, param, detail) in cases {
        refused(server, body, param, &detail).await;
    }
    let r = server.post("/v1/api-keys", json!([1])).await;
    let p = problem(&r, 400, "invalid_body");
    assert_eq!(p["detail"], json!("the body must be a JSON object"));
    assert_eq!(server.get("/v1/api-keys").await.json()["total_count"], keys_before);
}

pub async fn a_key_without_keys_write_hears_403_before_any_key_body_error(server: &TestServer) {
    let (reader, _) = key(server, &["users:read", "users:write"], None).await;
    for body in [json!({"name": 5}), json!({"nope": true}), json!([1]), json!({"name": "k"})] {
        let r = server.call_as(&reader, "POST", "/v1/api-keys", Some(body)).await;
        problem(&r, 403, "insufficient_scope");
    }
}
