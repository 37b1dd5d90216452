//! Helpers shared by the conformance tests.

#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, Resp, TestServer};

/// Creates `n` users with predictable emails `prefix-000@example.com`...
pub async fn seed_users(server: &TestServer, prefix: &str, n: usize) -> Vec<Value> {
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        users.push(
            server
                .create_user(json!({
                    "email": format!("{prefix}-{i:03}@example.com"),
                    "first_name": format!("First{i:03}"),
                    "last_name": format!("Last{i:03}"),
                }))
                .await,
        );
    }
    users
}

/// The ids of a list page's `data`.
pub fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list page: {page}"))
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of a slice of users.
pub fn user_ids(users: &[Value]) -> Vec<String> {
    users.iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect()
}

pub fn id_of(user: &Value) -> String {
    user["id"].as_str().unwrap_or_else(|| panic!("no id in {user}")).to_owned()
}

/// Percent-encodes a query-string component.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Asserts an error response: status, `application/problem+json`, the RFC
/// 9457 members with the right types, `status` equal to the HTTP status and
/// the given `code`. Returns the problem.
pub fn problem(r: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(r.status, status, "expected {status} {code}, got {} {}", r.status, r.text());
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type of an error is {ct:?}, not application/problem+json"
    );
    let p = r.json();
    let obj = p.as_object().unwrap_or_else(|| panic!("problem is not an object: {p}"));
    for member in obj.keys() {
        assert!(
            ["type", "title", "status", "detail", "code", "param", "errors"]
                .contains(&member.as_str()),
            "unexpected problem member {member:?} in {p}"
        );
    }
    assert!(p["type"].is_string(), "problem.type missing: {p}");
    assert!(p["title"].is_string(), "problem.title missing: {p}");
    assert!(p["detail"].is_string(), "problem.detail missing: {p}");
    assert_eq!(p["status"], json!(status), "problem.status: {p}");
    assert_eq!(p["code"], json!(code), "problem.code: {p}");
    if let Some(param) = obj.get("param") {
        assert!(param.is_string(), "problem.param is not a string: {p}");
    }
    p
}

/// `problem` plus the exact `param`.
pub fn problem_param(r: &Resp, status: u16, code: &str, param: &str) -> Value {
    let p = problem(r, status, code);
    assert_eq!(p["param"], json!(param), "problem.param: {p}");
    p
}

/// Shorthand for 400 `invalid_parameter` naming `param`.
pub fn invalid_parameter(r: &Resp, param: &str) -> Value {
    problem_param(r, 400, "invalid_parameter", param)
}

/// Shorthand for 400 `invalid_body` naming `param`.
pub fn invalid_body(r: &Resp, param: &str) -> Value {
    problem_param(r, 400, "invalid_body", param)
}

/// 400 `invalid_cursor` naming `param`.
pub fn invalid_cursor(r: &Resp, param: &str) -> Value {
    problem_param(r, 400, "invalid_cursor", param)
}

/// A GET that must answer 200; returns the JSON body.
pub async fn get_ok(server: &TestServer, path: &str) -> Value {
    let r = server.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    r.json()
}

/// A GET with another key.
pub async fn get_as(server: &TestServer, key: &str, path: &str) -> Resp {
    server.call_as(key, "GET", path, None).await
}

/// Creates an API key; returns the whole 201 body (with `key` and `id`).
pub async fn create_key_full(server: &TestServer, body: Value) -> Value {
    let r = server.post("/v1/api-keys", body.clone()).await;
    assert_eq!(r.status, 201, "creating key {body}: {}", r.text());
    r.json()
}

/// Creates a key with these scopes (and zones) and returns (secret, id).
pub async fn key(server: &TestServer, scopes: &[&str], zones: Option<&[&str]>) -> (String, String) {
    let mut body = json!({"name": "conformance", "scopes": scopes});
    if let Some(z) = zones {
        body["zones"] = json!(z);
    }
    let k = create_key_full(server, body).await;
    (k["key"].as_str().unwrap().to_owned(), k["id"].as_str().unwrap().to_owned())
}

/// Creates a zone and returns it.
pub async fn create_zone(server: &TestServer, identifier: &str) -> Value {
    let r = server
        .post("/v1/zones", json!({"identifier": identifier, "name": format!("Zone {identifier}")}))
        .await;
    assert_eq!(r.status, 201, "creating zone {identifier}: {}", r.text());
    r.json()
}

/// Creates a user in a zone (by id or identifier) and returns it.
pub async fn create_in(server: &TestServer, zone: &str, body: Value) -> Value {
    let r = server.post(&format!("/v1/zones/{zone}/users"), body).await;
    assert_eq!(r.status, 201, "creating a user in {zone}: {}", r.text());
    r.json()
}

/// The `default` zone.
pub async fn default_zone(server: &TestServer) -> Value {
    get_ok(server, "/v1/zones/default").await
}

/// A page of a list, asserting 200.
pub async fn page(server: &TestServer, base: &str, query: &str) -> Value {
    let path = if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") };
    get_ok(server, &path).await
}

/// Walks `base?query` forward with `limit` through `after=end_cursor` and
/// returns every user, in order, checking the page_info invariants on the
/// way (`has_previous_page` iff `after` was given).
pub async fn walk_forward(
    server: &TestServer,
    base: &str,
    query: &str,
    limit: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    let sep = if query.is_empty() { "" } else { "&" };
    for _ in 0..10_000 {
        let q = match &after {
            None => format!("{query}{sep}limit={limit}"),
            Some(c) => format!("{query}{sep}limit={limit}&after={}", enc(c)),
        };
        let p = page(server, base, &q).await;
        let data = p["data"].as_array().unwrap().clone();
        assert!(data.len() <= limit, "page longer than limit {limit}: {p}");
        assert_eq!(
            p["page_info"]["has_previous_page"],
            json!(after.is_some()),
            "forward: has_previous_page iff after was given ({q})"
        );
        let more = p["page_info"]["has_next_page"].as_bool().unwrap();
        out.extend(data);
        if !more {
            return out;
        }
        after = Some(
            p["page_info"]["end_cursor"]
                .as_str()
                .unwrap_or_else(|| panic!("has_next_page without end_cursor: {p}"))
                .to_owned(),
        );
    }
    panic!("the walk did not end");
}

/// Every user of a list, by one large page.
pub async fn all(server: &TestServer, base: &str, query: &str) -> Vec<Value> {
    let sep = if query.is_empty() { "" } else { "&" };
    let p = page(server, base, &format!("{query}{sep}limit=1000")).await;
    assert_eq!(p["page_info"]["has_next_page"], json!(false));
    p["data"].as_array().unwrap().clone()
}

/// Sends a raw request with the admin key and returns the response.
pub async fn raw(_server: &TestServer, req: reqwest::RequestBuilder) -> Resp {
    roster_testkit::send(req.bearer_auth(ADMIN_KEY)).await
}

/// Checks `s` is an RFC 3339 UTC timestamp with a `Z` suffix.
pub fn assert_utc_timestamp(s: &Value) {
    let s = s.as_str().unwrap_or_else(|| panic!("timestamp is not a string: {s}"));
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    let ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[b.len() - 1] == b'Z'
        && (b.len() == 20 || (b[19] == b'.' && b.len() > 21 && digits(20..b.len() - 1)));
    assert!(ok, "{s:?} is not an RFC 3339 UTC timestamp ending in Z");
}

/// A timestamp in a form that sorts lexicographically in time order (six
/// fractional digits always).
pub fn normalized_time(s: &str) -> String {
    let body = s.strip_suffix('Z').unwrap_or(s);
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    format!("{whole}.{frac:0<6}Z")
}

/// Whether a string is `prefix` + a 26-character Crockford ULID.
pub fn is_prefixed_ulid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 26
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
    })
}

/// Adds `n` plain users to the `default` zone of a SQLite server straight
/// through its database file (behind the server's back: the search index
/// and counters are not kept), so that a walk of the zone takes long
/// enough to be stopped. Seeding that many over HTTP would take minutes.
pub async fn fill_zone_behind_the_server(server: &TestServer, n: u64) {
    let file = server.database_url.trim_start_matches("sqlite://").to_owned();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(file).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        let zone: i64 = conn
            .query_row("SELECT seq FROM zones WHERE identifier = 'default'", [], |r| r.get(0))
            .unwrap();
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
             INSERT INTO users (id, zone, identifier, email, email_verified, first_name, \
             last_name, name, user_type, status, attributes, created_at, updated_at, \
             created_by, updated_by, version) \
             SELECT randomblob(16), ?1, 'bulk' || i, 'bulk' || i || '@example.com', 0, 'Bulk', \
             'User', 'Bulk User', 'saas_user', 'active', '{}', 1700000000000000 + i, \
             1700000000000000 + i, 'test', 'test', 1 FROM n",
            rusqlite::params![zone, i64::try_from(n).unwrap()],
        )
        .unwrap();
    })
    .await
    .unwrap();
}

/// Samples of a Prometheus text exposition, checking its syntax.
pub fn prometheus_samples(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    let mut typed = 0;
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start();
            if comment.starts_with("TYPE ") {
                let kind = comment.split_whitespace().nth(2).unwrap_or("");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "bad TYPE line {line:?}"
                );
                typed += 1;
            }
            continue;
        }
        let (series, value) =
            line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample line: {line:?}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
            "bad metric name in {line:?}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels in {line:?}");
        }
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("bad sample value in {line:?}")),
        };
        samples.insert(series.to_owned(), v);
    }
    assert!(typed > 0, "no # TYPE lines in the exposition");
    samples
}
