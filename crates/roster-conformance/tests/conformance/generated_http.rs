//! Generated hostile requests over real HTTP: random query strings, random
//! bodies and media types, odd ids and garbled cursors, on every kind of
//! route. The server never answers 5xx, every 4xx is problem+json, and it
//! still serves an ordinary request afterwards.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use roster_testkit::TestServer;

use crate::support::{enc, get_ok, raw, seed_users};

/// Requests per backend and run.
const REQUESTS: usize = 400;

#[derive(Debug, Clone)]
struct Hostile {
    method: &'static str,
    path: String,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
}

/// Route templates; `{x}` is an odd id, `{u}` a real user, `{z}` the
/// default zone (so that deeper code runs, not only the 404 of a missing
/// parent).
const TEMPLATES: &[&str] = &[
    "/v1/users",
    "/v1/users/{x}",
    "/v1/users/{u}",
    "/v1/users/{u}/sessions",
    "/v1/users/{u}/grants",
    "/v1/users/{u}/role-assignments",
    "/v1/users/{u}/sessions/{x}",
    "/v1/users/{x}/grants/{x}",
    "/v1/zones",
    "/v1/zones/{x}",
    "/v1/zones/{z}/users",
    "/v1/zones/{x}/users/{x}",
    "/v1/roles",
    "/v1/roles/{x}",
    "/v1/providers",
    "/v1/providers/{x}",
    "/v1/providers/{x}/sign-ins",
    "/v1/api-keys",
    "/v1/api-keys/{x}",
];

/// Odd ids: arbitrary text (percent-encoded), ids of the wrong kind or
/// overflowing, path tricks, NUL, invalid UTF-8, long.
fn odd_id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>().prop_map(|s| enc(&s)),
        2 => prop::sample::select(vec![
            "user_01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV", "role_0", "..", "%2e%2e", "%00", "%FF%FE",
            "a%2Fb", "default", "DEFAULT", "%20", "null", "-1", "user_%00",
        ])
        .prop_map(str::to_owned),
        1 => "[0-9A-Za-z_-]{100,1500}",
    ]
}

fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>().prop_map(|s| enc(&s)),
        2 => prop::sample::select(vec![
            "", "0", "1", "1001", "-1", "99999999999999999999", "active,gone", "%00", "a%00b",
            "%FF", "%", "%zz", "-email,email", "role_assignments", "2024-13-45T99:99:99Z",
            "eyJ6IjoxfQ", "user_ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "%22%5C%22",
        ])
        .prop_map(str::to_owned),
        1 => "[A-Za-z0-9_-]{1,300}",
    ]
}

const PARAMS: &[&str] = &[
    "limit",
    "page",
    "page_size",
    "after",
    "before",
    "id",
    "email",
    "identifier",
    "status",
    "user_type",
    "created_by",
    "updated_by",
    "created_at_from",
    "updated_at_to",
    "provider_id",
    "role",
    "search",
    "q",
    "query[]",
    "sort",
    "sort_by",
    "sort_order",
    "expand[]",
    "attributes.plan",
    "filter[email]",
    "attributes.%00",
    "colour",
];

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![4 => prop::sample::select(PARAMS).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| enc(&s))];
    prop::collection::vec((name, query_value()), 0..5).prop_map(|pairs| {
        pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&")
    })
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::String),
        Just(serde_json::Value::String("a\0b".into())),
    ];
    const KEYS: &[&str] = &[
        "email",
        "identifier",
        "name",
        "first_name",
        "attributes",
        "status",
        "user_type",
        "provider_id",
        "issuer",
        "subject",
        "authenticated_at",
        "role_id",
        "role_identifier",
        "scope",
        "scopes",
        "client_id",
        "resource",
        "expires_at",
        "claims",
        "zones",
        "id",
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..4)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    });
    let object =
        prop::collection::vec((prop::sample::select(KEYS), value.clone()), 0..5).prop_map(|kv| {
            serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.into(), v)).collect())
        });
    prop_oneof![
        5 => object.prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => value.prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn hostile(user: String, zone: String) -> impl Strategy<Value = Hostile> {
    let method = prop::sample::select(vec!["GET", "GET", "POST", "PATCH", "DELETE", "PUT"]);
    let content_type = prop_oneof![
        4 => Just(Some("application/json".to_owned())),
        1 => Just(Some("application/merge-patch+json".to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,24}".prop_map(Some),
    ];
    let template = prop::sample::select(TEMPLATES);
    (method, template, odd_id(), odd_id(), query(), content_type, json_body()).prop_map(
        move |(method, template, x1, x2, query, content_type, body)| {
            let mut path = template.replacen("{x}", &x1, 1).replacen("{x}", &x2, 1);
            path = path.replace("{u}", &user).replace("{z}", &zone);
            if !query.is_empty() {
                path = format!("{path}?{query}");
            }
            let writes = matches!(method, "POST" | "PATCH" | "PUT");
            Hostile {
                method,
                path,
                content_type: if writes { content_type } else { None },
                body: writes.then_some(body),
            }
        },
    )
}

/// NUL (which PostgreSQL cannot hold) in every query parameter, every
/// path segment and every field that names another object.
fn nul_probes(user: &str) -> Vec<Hostile> {
    let get = |path: String| Hostile { method: "GET", path, content_type: None, body: None };
    let post = |path: &str, body: serde_json::Value| Hostile {
        method: "POST",
        path: path.to_owned(),
        content_type: Some("application/json".into()),
        body: Some(serde_json::to_vec(&body).unwrap()),
    };
    let mut out: Vec<Hostile> =
        PARAMS.iter().map(|p| get(format!("/v1/users?{p}=a%00b"))).collect();
    out.push(get("/v1/users?a%00b=1".into()));
    for template in TEMPLATES {
        let path = template.replace("{x}", "a%00b").replace("{u}", user).replace("{z}", "a%00");
        out.push(get(path));
    }
    let nul = "a\u{0}b";
    out.push(post(
        &format!("/v1/users/{user}/role-assignments"),
        serde_json::json!({"role_identifier": nul}),
    ));
    out.push(post(&format!("/v1/users/{user}/sessions"), serde_json::json!({"provider_id": nul})));
    out.push(post("/v1/users", serde_json::json!({"email": "n@example.com", "provider_id": nul})));
    out.push(post(
        "/v1/api-keys",
        serde_json::json!({"name": "n", "scopes": ["users:read"], "zones": [nul]}),
    ));
    out.push(post(
        "/v1/api-keys",
        serde_json::json!({"name": "n", "scopes": ["users:read"], "default_zone": nul}),
    ));
    out.push(post("/v1/zones", serde_json::json!({"identifier": nul})));
    out
}

/// A real cursor with one character changed, or cut short.
fn garbled(cursor: &str, i: usize, cut: bool) -> String {
    let mut chars: Vec<char> = cursor.chars().collect();
    let i = i % chars.len();
    if cut {
        chars.truncate(i);
    } else {
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

async fn send(server: &TestServer, h: &Hostile) {
    let mut req = server.request(h.method, &h.path);
    if let Some(ct) = &h.content_type {
        req = req.header("content-type", ct.as_str());
    }
    if let Some(body) = &h.body {
        req = req.body(body.clone());
    }
    let r = raw(server, req).await;
    let shown = h.body.as_deref().map(String::from_utf8_lossy);
    assert!(r.status < 500, "{} {} {shown:?}: {} {}", h.method, h.path, r.status, r.text());
    if r.status >= 400 {
        let ct = r.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/problem+json"),
            "{} {} answered {} as {ct:?}: {}",
            h.method,
            h.path,
            r.status,
            r.text()
        );
        let p = r.json();
        assert_eq!(p["status"], serde_json::json!(r.status), "{} {}: {p}", h.method, h.path);
        assert!(p["code"].is_string(), "{p}");
    }
}

pub async fn generated_hostile_requests_never_answer_5xx_and_every_4xx_is_problem_json(
    server: &TestServer,
) {
    let users = seed_users(server, "hostile", 3).await;
    let user = users[0]["id"].as_str().unwrap().to_owned();
    let zone = get_ok(server, "/v1/zones/default").await["id"].as_str().unwrap().to_owned();
    let first = get_ok(server, "/v1/users?limit=1&sort=-email").await;
    let cursor = first["page_info"]["end_cursor"].as_str().unwrap().to_owned();

    // Generate every request first (proptest's runner is synchronous).
    let mut runner = TestRunner::default();
    let strategy = hostile(user.clone(), zone);
    let mut requests = Vec::with_capacity(REQUESTS + 40);
    for _ in 0..REQUESTS {
        requests.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    for i in 0..40 {
        let bad = enc(&garbled(&cursor, i * 7 + 1, i % 3 == 0));
        let param = if i % 2 == 0 { "after" } else { "before" };
        for base in ["/v1/users?limit=1&sort=-email", "/v1/users?limit=1", "/v1/zones?limit=1"] {
            requests.push(Hostile {
                method: "GET",
                path: format!("{base}&{param}={bad}"),
                content_type: None,
                body: None,
            });
        }
    }
    requests.extend(nul_probes(&user));
    for h in &requests {
        send(server, h).await;
    }
    println!("generated_http: {} hostile requests, none 5xx", requests.len());
    // Still serving ordinary requests.
    let created = server.create_user(serde_json::json!({"email": "after@example.com"})).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(get_ok(server, &format!("/v1/users/{id}")).await["email"], "after@example.com");
    assert_eq!(server.get("/readyz").await.status, 200);
}
