//! Roster under hostile traffic: headers every response carries, metrics no
//! request can inflate, and bodies refused instead of silently accepted.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sha2::Digest;

use roster_testkit::{Resp, TestServer, send};

use crate::support::{create_zone, get_ok, id_of, invalid_body, key};

/// A mix of answers: success, errors, 404, 405, unauthenticated, and the
/// operational endpoints.
async fn assorted_responses(server: &TestServer) -> Vec<(String, Resp)> {
    let mut out = Vec::new();
    for (method, path, authenticated) in [
        ("GET", "/v1/users", true),
        ("GET", "/v1/users", false),
        ("GET", "/v1/users?limit=0", true),
        ("GET", "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV", true),
        ("GET", "/v1/nowhere", true),
        ("PUT", "/v1/users", true),
        ("GET", "/v1/api-keys", true),
        ("GET", "/nowhere", false),
        ("DELETE", "/healthz", false),
        ("GET", "/healthz", false),
        ("GET", "/readyz", false),
        ("GET", "/openapi.json", false),
        ("GET", "/docs", false),
        ("GET", "/metrics", false),
    ] {
        let r = if authenticated {
            server.call(method, path, None).await
        } else {
            send(server.request(method, path)).await
        };
        out.push((format!("{method} {path} -> {}", r.status), r));
    }
    let r = server.post("/v1/api-keys", json!({"name": "secret", "scopes": ["users:read"]})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    out.push(("POST /v1/api-keys -> 201".to_owned(), r));
    out
}

pub async fn every_response_carries_x_content_type_options_nosniff(server: &TestServer) {
    let statuses: BTreeSet<u16> =
        assorted_responses(server).await.iter().map(|(_, r)| r.status).collect();
    // The mix really holds errors of every kind.
    for status in [200, 201, 400, 401, 404, 405] {
        assert!(statuses.contains(&status), "no {status} in {statuses:?}");
    }
    for (what, r) in assorted_responses(server).await {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    }
}

pub async fn every_v1_response_is_not_stored_by_caches(server: &TestServer) {
    for (what, r) in assorted_responses(server).await {
        if what.contains(" /v1") {
            assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
        }
    }
}

/// The value of `directive` in a Content-Security-Policy.
fn directive<'a>(policy: &'a str, name: &str) -> Option<Vec<&'a str>> {
    policy.split(';').map(str::trim).find_map(|d| {
        let mut words = d.split_whitespace();
        (words.next() == Some(name)).then(|| words.collect())
    })
}

pub async fn the_docs_page_has_a_content_security_policy_allowing_only_its_own_styles(
    server: &TestServer,
) {
    let r = send(server.request("GET", "/docs")).await;
    assert_eq!(r.status, 200);
    let policy = r.header("content-security-policy").expect("CSP on /docs").to_owned();
    assert_eq!(directive(&policy, "default-src"), Some(vec!["'none'"]), "{policy}");
    assert_eq!(directive(&policy, "frame-ancestors"), Some(vec!["'none'"]), "{policy}");
    assert_eq!(directive(&policy, "base-uri"), Some(vec!["'none'"]), "{policy}");
    for loose in ["'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "*", "data:"] {
        assert!(!policy.split_whitespace().any(|w| w == loose), "{loose} in {policy}");
    }
    // No script at all: nothing needs script-src.
    let html = r.text();
    assert!(!html.to_ascii_lowercase().contains("<script"), "/docs grew a script");
    assert!(directive(&policy, "script-src").is_none_or(|s| s == ["'none'"]), "{policy}");
    // Nothing is fetched: no src= and no stylesheet links.
    assert!(!html.contains(" src="), "/docs fetches something");
    assert!(!html.contains("rel=stylesheet") && !html.contains("rel=\"stylesheet\""));
    // Every inline <style> is allowed by its hash, so the page still renders.
    let allowed = directive(&policy, "style-src").expect("style-src");
    let mut styles = 0;
    for chunk in html.split("<style>").skip(1) {
        let css = chunk.split("</style>").next().unwrap();
        let hash = format!("'sha256-{}'", STANDARD.encode(sha2::Sha256::digest(css.as_bytes())));
        assert!(allowed.contains(&hash.as_str()), "style {hash} not allowed by {policy}");
        styles += 1;
    }
    assert!(styles >= 1, "/docs has no stylesheet to check");
    assert!(html.contains("<h1>"), "the page still renders its content");
}

const STANDARD_METHODS: [&str; 8] =
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "_OTHER"];

/// (method, route) label values of `roster_http_requests_total`.
fn series(metrics: &str) -> Vec<(String, String)> {
    metrics
        .lines()
        .filter(|l| l.starts_with("roster_http_requests_total{"))
        .map(|l| {
            let label = |name: &str| {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                l[start..].split('"').next().unwrap().to_owned()
            };
            (label("method"), label("route"))
        })
        .collect()
}

pub async fn invented_methods_and_paths_add_no_metrics_series(server: &TestServer) {
    let before = series(&send(server.request("GET", "/metrics")).await.text()).len();
    for i in 1..=50 {
        let method = format!("FOO{i}");
        for path in ["/v1/users".to_owned(), format!("/invented-{i}"), "/healthz".to_owned()] {
            let r = send(server.request(&method, &path)).await;
            assert!(r.status >= 400, "{method} {path} answered {}", r.status);
        }
    }
    let text = send(server.request("GET", "/metrics")).await.text();
    assert!(!text.contains("FOO"), "an invented method became a label");
    assert!(!text.contains("invented-"), "an invented path became a label");
    let after = series(&text);
    assert!(after.iter().any(|(m, _)| m == "_OTHER"), "invented methods are counted as _OTHER");
    for (method, route) in &after {
        assert!(STANDARD_METHODS.contains(&method.as_str()), "method label {method}");
        assert!(route == "unmatched" || route.starts_with('/'), "route label {route}");
    }
    // 150 requests with 50 methods on 52 paths: a handful of series at most
    // (per route and status), not one per method or path.
    assert!(after.len() <= before + 6, "{before} series grew to {}: {after:?}", after.len());
}

pub async fn a_zone_scope_on_a_role_assignment_must_name_a_zone_of_the_organization(
    server: &TestServer,
) {
    assert_eq!(server.post("/v1/roles", json!({"identifier": "admin"})).await.status, 201);
    let user = id_of(&server.create_user(json!({"email": "scoped@example.com"})).await);
    let path = format!("/v1/users/{user}/role-assignments");
    let hidden = create_zone(server, "hidden").await;
    let hidden_id = hidden["id"].as_str().unwrap();
    for id in ["no-such-zone", "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV", "Not A Slug"] {
        let body = json!({"role_identifier": "admin", "scope": {"type": "zone", "id": id}});
        invalid_body(&server.post(&path, body).await, "scope.id");
    }
    assert_eq!(get_ok(server, &path).await["total_count"], json!(0));
    // A zone the key cannot see reads like one that does not exist.
    let default_id = get_ok(server, "/v1/zones/default").await["id"].as_str().unwrap().to_owned();
    let (limited, _) = key(server, &["roles:write", "users:read"], Some(&[&default_id])).await;
    let body = json!({"role_identifier": "admin", "scope": {"type": "zone", "id": hidden_id}});
    invalid_body(&server.call_as(&limited, "POST", &path, Some(body)).await, "scope.id");
    // Zones of the organization, by id or identifier, are taken as given.
    for id in [hidden_id, "default"] {
        let body = json!({"role_identifier": "admin", "scope": {"type": "zone", "id": id}});
        let r = server.post(&path, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["scope"], json!({"type": "zone", "id": id}));
    }
    // Other scope types stay opaque.
    let body = json!({"role_identifier": "admin", "scope": {"type": "project", "id": "p-1"}});
    assert_eq!(server.post(&path, body).await.status, 201);
}

pub async fn a_grant_without_scopes_answers_400_naming_scopes(server: &TestServer) {
    let user = id_of(&server.create_user(json!({"email": "granted@example.com"})).await);
    let path = format!("/v1/users/{user}/grants");
    for body in [
        json!({"client_id": "app", "resource": "api"}),
        json!({"client_id": "app", "resource": "api", "scopes": null}),
        json!({"client_id": "app", "resource": "api", "scopes": []}),
    ] {
        invalid_body(&server.post(&path, body).await, "scopes");
    }
    assert_eq!(get_ok(server, &path).await["total_count"], json!(0));
    let r = server
        .post(&path, json!({"client_id": "app", "resource": "api", "scopes": ["read"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}
