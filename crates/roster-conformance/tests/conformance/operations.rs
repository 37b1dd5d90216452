//! Operations: health, readiness, metrics, OpenAPI, docs, rate limit,
//! graceful shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, Backend, TestServer, send};

use crate::support::*;

pub async fn healthz_and_readyz_answer_200_without_a_key(server: &TestServer) {
    for path in ["/healthz", "/readyz"] {
        let r = send(server.request("GET", path)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.header("x-api-version"), Some("v1"));
        assert!(r.header("ratelimit-limit").is_none());
    }
    // An invalid key does not matter there either.
    let r = send(server.request("GET", "/healthz").bearer_auth("nonsense-key-value-xx")).await;
    assert_eq!(r.status, 200);
}

pub async fn metrics_serve_prometheus_text_that_counts_requests(server: &TestServer) {
    for _ in 0..3 {
        server.get("/v1/users").await;
    }
    let r = send(server.request("GET", "/metrics")).await;
    assert_eq!(r.status, 200);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("text/plain"), "content-type {ct:?}");
    let before = prometheus_samples(&r.text());
    assert!(!before.is_empty());
    for _ in 0..5 {
        server.get("/v1/users").await;
    }
    server.create_user(json!({"email": "m@example.com"})).await;
    let after = prometheus_samples(&send(server.request("GET", "/metrics")).await.text());
    let grew = after.iter().any(|(k, v)| before.get(k).is_none_or(|b| v > b));
    assert!(grew, "no sample grew after more requests");
}

pub async fn metrics_report_the_build_requests_in_flight_and_the_process(server: &TestServer) {
    let samples = prometheus_samples(&send(server.request("GET", "/metrics")).await.text());
    let build = format!("roster_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"));
    assert_eq!(samples.get(&build), Some(&1.0), "{build}");
    // The scrape itself is in flight while it is answered.
    let in_flight = samples.get("roster_http_requests_in_flight").copied().unwrap_or(-1.0);
    assert!(in_flight >= 1.0, "in flight {in_flight}");
    if cfg!(target_os = "linux") {
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_threads",
        ] {
            assert!(samples.get(name).is_some_and(|v| *v > 0.0), "{name}");
        }
    }
    // Requests that ended are no longer counted: a scrape on its own sees itself.
    for _ in 0..5 {
        server.get("/v1/users").await;
    }
    let again = prometheus_samples(&send(server.request("GET", "/metrics")).await.text());
    assert_eq!(again.get("roster_http_requests_in_flight"), Some(&1.0));
}

pub async fn openapi_json_is_an_openapi_3_1_document_of_the_whole_api(server: &TestServer) {
    let r = send(server.request("GET", "/openapi.json")).await;
    assert_eq!(r.status, 200);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{ct}");
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"),
        "openapi version {}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/v1/users", &["get", "post"][..]),
        ("/v1/users/{id}", &["get", "patch", "delete"][..]),
        ("/v1/zones/{zone}/users", &["get", "post"][..]),
        ("/v1/zones/{zone}/users/{id}", &["get", "patch", "delete"][..]),
        ("/v1/zones", &["get", "post"][..]),
        ("/v1/zones/{zone}", &["get", "patch", "delete"][..]),
        ("/v1/api-keys", &["get", "post"][..]),
        ("/v1/api-keys/{id}", &["delete"][..]),
        ("/healthz", &["get"][..]),
        ("/readyz", &["get"][..]),
        ("/metrics", &["get"][..]),
        ("/openapi.json", &["get"][..]),
        ("/docs", &["get"][..]),
    ] {
        let item =
            paths.get(path).unwrap_or_else(|| panic!("{path} is missing from /openapi.json"));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} is missing");
        }
    }
    // Every list parameter of the contract is documented.
    let params: Vec<String> = paths["/v1/users"]["get"]["parameters"]
        .as_array()
        .expect("parameters of GET /v1/users")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    for name in [
        "limit",
        "after",
        "before",
        "page",
        "page_size",
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
        "search",
        "q",
        "sort_by",
        "sort_order",
        "sort",
    ] {
        assert!(
            params.iter().any(|p| p == name),
            "GET /v1/users does not document {name}: {params:?}"
        );
    }
    assert!(params.iter().any(|p| p.starts_with("expand")), "expand[] is not documented");
    // Bearer authentication is declared.
    let schemes = doc["components"]["securitySchemes"].as_object().expect("securitySchemes");
    assert!(
        schemes
            .values()
            .any(|s| s["scheme"].as_str().is_some_and(|x| x.eq_ignore_ascii_case("bearer"))),
        "no bearer scheme: {schemes:?}"
    );
    // The server is the public URL (by default the listen address).
    let servers = doc["servers"].as_array().expect("servers");
    assert_eq!(
        servers[0]["url"].as_str().map(|u| u.trim_end_matches('/')),
        Some(server.base_url.as_str())
    );
}

fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every `http://` or `https://` URL in a page.
fn urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        let mut rest = html;
        while let Some(i) = rest.find(scheme) {
            let tail = &rest[i..];
            let mut end = tail
                .find(|c: char| c == '"' || c == '\'' || c == '<' || c.is_whitespace() || c == ')')
                .unwrap_or(tail.len());
            for entity in ["&quot;", "&#39;", "&#x27;", "&lt;", "&gt;"] {
                if let Some(j) = tail[..end].find(entity) {
                    end = j;
                }
            }
            out.push(unescape_html(&tail[..end]));
            rest = &tail[end..];
        }
    }
    out
}

pub async fn docs_render_offline_with_the_product_metadata_and_working_examples(
    server: &TestServer,
) {
    let r = send(server.request("GET", "/docs")).await;
    assert_eq!(r.status, 200);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = r.text();
    assert!(html.contains("Roster"), "the product name");
    assert!(html.contains(env!("CARGO_PKG_VERSION")), "the product version");
    // Offline: nothing is fetched from anywhere.
    let lower = html.to_ascii_lowercase();
    for needle in ["<script src", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!lower.contains(needle), "/docs loads something: {needle}");
    }
    // Every absolute URL on the page is this server's public URL.
    let found = urls(&html);
    assert!(!found.is_empty(), "no example URLs in /docs");
    for u in &found {
        assert!(
            u.starts_with(&server.base_url),
            "{u} is not under the public URL {}",
            server.base_url
        );
    }
    // A curl line for listing users, copied as it is, works.
    let example = found
        .iter()
        .find(|u| {
            u.trim_end_matches('/')
                .strip_prefix(&server.base_url)
                .is_some_and(|p| p.starts_with("/v1/users") && !p.contains('$') && !p.contains('{'))
        })
        .unwrap_or_else(|| panic!("no runnable /v1/users example in {found:?}"));
    let r = send(server.client.get(example).bearer_auth(ADMIN_KEY)).await;
    assert_eq!(r.status, 200, "the docs example {example}: {}", r.text());
    assert!(r.json()["data"].is_array());
    // Every documented route is on the page.
    for path in ["/v1/users", "/v1/zones", "/v1/api-keys", "/v1/users/{id}"] {
        assert!(html.contains(path), "/docs does not mention {path}");
    }
    assert!(html.contains("Authorization: Bearer"), "no auth example");
}

pub async fn docs_and_openapi_use_the_configured_public_url(server: &TestServer) {
    let public = "https://users.example.test:8443";
    let server = TestServer::builder(server.backend)
        .settings(|s| s.public_url = Some(public.to_owned()))
        .start()
        .await;
    let html = send(server.request("GET", "/docs")).await.text();
    let found = urls(&html);
    assert!(found.iter().any(|u| u.starts_with(&format!("{public}/v1/users"))));
    for u in &found {
        assert!(u.starts_with(public), "{u} is not under {public}");
    }
    assert!(!html.contains(&server.base_url), "the listen address leaks into /docs");
    let doc = send(server.request("GET", "/openapi.json")).await.json();
    assert_eq!(doc["servers"][0]["url"].as_str().map(|u| u.trim_end_matches('/')), Some(public));
    server.stop().await;
}

async fn rate_limited_server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .settings(|s| {
            s.rate_limit_per_second = 5;
            s.rate_limit_burst = Some(5);
        })
        .start()
        .await
}

fn header_u64(r: &roster_testkit::Resp, name: &str) -> u64 {
    r.header(name)
        .unwrap_or_else(|| panic!("{} response lacks {name}", r.status))
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not an integer: {:?}", r.header(name)))
}

pub async fn the_rate_limit_answers_429_with_retry_after_and_ratelimit_headers(
    server: &TestServer,
) {
    let server = rate_limited_server(server.backend).await;
    for expected_remaining in (0..5).rev() {
        let r = server.get("/v1/users").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(header_u64(&r, "ratelimit-limit"), 5, "RateLimit-Limit is the burst");
        assert_eq!(header_u64(&r, "ratelimit-remaining"), expected_remaining);
        header_u64(&r, "ratelimit-reset");
    }
    let r = server.get("/v1/users").await;
    problem(&r, 429, "rate_limited");
    let retry = header_u64(&r, "retry-after");
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_eq!(header_u64(&r, "ratelimit-limit"), 5);
    assert_eq!(header_u64(&r, "ratelimit-remaining"), 0);
    assert!(header_u64(&r, "ratelimit-reset") >= 1);
    // A refused write changes nothing.
    let r = server.post("/v1/users", json!({"email": "limited@example.com"})).await;
    problem(&r, 429, "rate_limited");
    // After Retry-After, the key may call again.
    tokio::time::sleep(Duration::from_secs(retry) + Duration::from_millis(50)).await;
    let r = server.get("/v1/users").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["total_count"], json!(0));
    server.stop().await;
}

pub async fn the_rate_limit_is_per_api_key(server: &TestServer) {
    let server = rate_limited_server(server.backend).await;
    let (other, _) = key(&server, &["users:read"], None).await;
    // The admin key has spent one request creating the other key.
    while server.get("/v1/users").await.status != 429 {}
    let r = get_as(&server, &other, "/v1/users").await;
    assert_eq!(r.status, 200, "another key has its own bucket: {}", r.text());
    assert_eq!(header_u64(&r, "ratelimit-remaining"), 4);
    // Unauthenticated operations endpoints are not charged to anyone.
    for _ in 0..10 {
        assert_eq!(send(server.request("GET", "/healthz")).await.status, 200);
    }
    server.stop().await;
}

pub async fn the_burst_defaults_to_twice_the_rate(server: &TestServer) {
    let server = TestServer::builder(server.backend)
        .settings(|s| {
            s.rate_limit_per_second = 5;
            s.rate_limit_burst = None;
        })
        .start()
        .await;
    let r = server.get("/v1/users").await;
    assert_eq!(r.status, 200);
    assert_eq!(header_u64(&r, "ratelimit-limit"), 10);
    assert_eq!(header_u64(&r, "ratelimit-remaining"), 9);
    // Every authenticated response carries them, errors included.
    for r in [
        server.get("/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await,
        server.get("/v1/users?limit=0").await,
        server.post("/v1/users", json!({"email": "x@example.com"})).await,
    ] {
        assert_eq!(header_u64(&r, "ratelimit-limit"), 10, "{}", r.status);
        header_u64(&r, "ratelimit-remaining");
        header_u64(&r, "ratelimit-reset");
    }
    server.stop().await;
}

pub async fn rate_limit_headers_are_absent_when_the_limit_is_off(server: &TestServer) {
    // The default test server runs with the limit off.
    for _ in 0..30 {
        let r = server.get("/v1/users").await;
        assert_eq!(r.status, 200);
        for h in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
            assert!(r.header(h).is_none(), "{h} present with the limit off");
        }
    }
}

pub async fn a_restarted_server_on_the_same_database_has_every_acknowledged_write(
    server: &TestServer,
) {
    let first = TestServer::builder(server.backend).start().await;

    // Sequential writes of every kind.
    let zone = create_zone(&first, "kept").await;
    let kept =
        create_in(&first, "kept", json!({"email": "kept@example.com", "attributes": {"a": 1}}))
            .await;
    let patched = first.create_user(json!({"email": "patched@example.com"})).await;
    let patched = first
        .patch(
            &format!("/v1/users/{}", id_of(&patched)),
            json!({"first_name": "Patched", "status": "risky"}),
        )
        .await
        .json();
    let gone = first.create_user(json!({"email": "gone@example.com"})).await;
    assert_eq!(first.delete(&format!("/v1/users/{}", id_of(&gone))).await.status, 204);
    let (new_key, _) = key(&first, &["users:read"], None).await;
    let (revoked, revoked_id) = key(&first, &["users:read"], None).await;
    assert_eq!(first.delete(&format!("/v1/api-keys/{revoked_id}")).await.status, 204);
    let keys_before = get_ok(&first, "/v1/api-keys").await["total_count"].clone();
    let idem = send(
        first
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", "restart-1")
            .body(json!({"email": "idem@example.com"}).to_string()),
    )
    .await;
    assert_eq!(idem.status, 201);

    // Then writes in flight while the server stops.
    let acknowledged = Arc::new(parking_lot_free::Acks::default());
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..8 {
        let client = first.client.clone();
        let base = first.base_url.clone();
        let acks = acknowledged.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..1000 {
                let r = client
                    .post(format!("{base}/v1/users"))
                    .bearer_auth(ADMIN_KEY)
                    .header("content-type", "application/json")
                    .body(json!({"email": format!("inflight-{t}-{i}@example.com")}).to_string())
                    .send()
                    .await;
                let Ok(r) = r else { return };
                let status = r.status().as_u16();
                let Ok(body) = r.bytes().await else { return };
                assert_eq!(
                    status,
                    201,
                    "a request answered during shutdown failed: {}",
                    String::from_utf8_lossy(&body)
                );
                let v: Value = serde_json::from_slice(&body).unwrap();
                acks.push(v);
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    while done.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Stops the server (gracefully), then starts another on its database.
    let second = first.restart().await;
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acknowledged.take();
    assert!(acked.len() >= 20);
    assert_eq!(get_ok(&second, "/v1/zones/kept").await, zone);
    assert_eq!(get_ok(&second, &format!("/v1/zones/kept/users/{}", id_of(&kept))).await, kept);
    assert_eq!(get_ok(&second, &format!("/v1/users/{}", id_of(&patched))).await, patched);
    problem(&second.get(&format!("/v1/users/{}", id_of(&gone))).await, 404, "not_found");
    assert_eq!(get_as(&second, &new_key, "/v1/users").await.status, 200);
    problem(&get_as(&second, &revoked, "/v1/users").await, 401, "unauthorized");
    let replay = send(
        second
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", "restart-1")
            .body(json!({"email": "idem@example.com"}).to_string()),
    )
    .await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.json(), idem.json());
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    // A restart does not bootstrap again.
    assert_eq!(get_ok(&second, "/v1/api-keys").await["total_count"], keys_before);
    assert_eq!(get_ok(&second, "/v1/zones").await["total_count"], json!(2));
    for u in &acked {
        let r = second.get(&format!("/v1/users/{}", id_of(u))).await;
        assert_eq!(r.status, 200, "acknowledged user {} was lost", u["email"]);
        assert_eq!(&r.json(), u);
    }
    let total = get_ok(&second, "/v1/users").await["total_count"].as_u64().unwrap();
    assert!(total as usize >= acked.len() + 2);
    second.stop().await;
}

pub async fn cursors_survive_a_restart(server: &TestServer) {
    let first = TestServer::builder(server.backend).start().await;
    let users = seed_users(&first, "c", 4).await;
    let p = page(&first, "/v1/users", "limit=2").await;
    let c = p["page_info"]["end_cursor"].as_str().unwrap().to_owned();
    let second = first.restart().await;
    let next = page(&second, "/v1/users", &format!("limit=2&after={}", enc(&c))).await;
    assert_eq!(ids(&next), user_ids(&users[2..4]));
    second.stop().await;
}

/// A tiny thread-safe list, so the test needs no extra crates.
mod parking_lot_free {
    use serde_json::Value;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct Acks(Mutex<Vec<Value>>);

    impl Acks {
        pub fn push(&self, v: Value) {
            self.0.lock().unwrap().push(v);
        }
        pub fn take(&self) -> Vec<Value> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }
}

pub async fn metrics_listen_moves_metrics_off_the_main_port(server: &TestServer) {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let server = TestServer::builder(server.backend)
        .settings(|s| s.metrics_listen = Some(addr))
        .start()
        .await;
    problem(&send(server.request("GET", "/metrics")).await, 404, "not_found");
    let mut r = None;
    for _ in 0..100 {
        if let Ok(resp) = server.client.get(format!("http://{addr}/metrics")).send().await {
            r = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = r.expect("the metrics listener answers");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("x-api-version").and_then(|v| v.to_str().ok()), Some("v1"));
    prometheus_samples(&r.text().await.unwrap());
    // The rest of the API stays on the main port.
    assert_eq!(send(server.request("GET", "/healthz")).await.status, 200);
    server.stop().await;
}
