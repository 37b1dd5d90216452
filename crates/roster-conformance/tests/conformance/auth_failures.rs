//! Failed authentication is cheap for the server: unknown keys are
//! remembered for a while, and an address that keeps failing is refused
//! before its keys are looked up.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use roster_testkit::{ADMIN_KEY, Backend, TestServer, send};

use crate::support::problem;

const UNKNOWN: &str = "rk_unknown_0123456789abcdefghijklmnop";

async fn limited_server(backend: Backend, per_minute: u64) -> TestServer {
    TestServer::builder(backend).settings(|s| s.auth_failures_per_minute = per_minute).start().await
}

/// A counter of `/metrics`.
async fn counter(server: &TestServer, name: &str) -> u64 {
    let text = send(server.request("GET", "/metrics")).await.text();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("/metrics has no {name}"))
}

pub async fn repeated_unknown_keys_from_one_address_answer_429_with_retry_after(
    server: &TestServer,
) {
    let server = limited_server(server.backend, 5).await;
    for i in 0..5 {
        let r = server.call_as(&format!("{UNKNOWN}{i}"), "GET", "/v1/users", None).await;
        problem(&r, 401, "unauthorized");
    }
    let r = server.call_as(UNKNOWN, "GET", "/v1/users", None).await;
    problem(&r, 429, "rate_limited");
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
    // 5 a minute: one failure comes back every 12 s.
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    // While over the limit the address is refused whatever key it presents.
    problem(&server.get("/v1/users").await, 429, "rate_limited");
    // Routes without authentication are not limited.
    assert_eq!(send(server.request("GET", "/healthz")).await.status, 200);
    server.stop().await;
}

pub async fn a_valid_key_from_another_address_still_works_while_one_address_is_limited(
    server: &TestServer,
) {
    let server = limited_server(server.backend, 3).await;
    for _ in 0..3 {
        problem(&server.call_as(UNKNOWN, "GET", "/v1/users", None).await, 401, "unauthorized");
    }
    problem(&server.call_as(UNKNOWN, "GET", "/v1/users", None).await, 429, "rate_limited");
    // Every 127.x.y.z address is loopback on Linux: a second client.
    let other = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r = send(other.get(server.url("/v1/users")).bearer_auth(ADMIN_KEY)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Its own failures count separately.
    let r = send(other.get(server.url("/v1/users")).bearer_auth(UNKNOWN)).await;
    problem(&r, 401, "unauthorized");
    server.stop().await;
}

pub async fn failed_authentication_is_not_limited_when_the_limit_is_off(server: &TestServer) {
    let server = limited_server(server.backend, 0).await;
    for _ in 0..30 {
        problem(&server.call_as(UNKNOWN, "GET", "/v1/users", None).await, 401, "unauthorized");
    }
    assert_eq!(server.get("/v1/users").await.status, 200);
    server.stop().await;
}

pub async fn an_unknown_key_is_looked_up_once_then_refused_from_the_negative_cache(
    server: &TestServer,
) {
    let lookups = counter(server, "roster_auth_key_lookups_total").await;
    let hits = counter(server, "roster_auth_negative_cache_hits_total").await;
    let failures = counter(server, "roster_auth_failures_total").await;
    for _ in 0..3 {
        let r =
            server.call_as("rk_never_issued_0123456789abcdefghij", "GET", "/v1/users", None).await;
        problem(&r, 401, "unauthorized");
    }
    assert_eq!(counter(server, "roster_auth_key_lookups_total").await, lookups + 1);
    assert_eq!(counter(server, "roster_auth_negative_cache_hits_total").await, hits + 2);
    assert_eq!(counter(server, "roster_auth_failures_total").await, failures + 3);
}

pub async fn a_revoked_key_is_refused_and_a_key_created_after_works_at_once(server: &TestServer) {
    let secret = server.create_key(&["users:read"], None).await;
    assert_eq!(server.call_as(&secret, "GET", "/v1/users", None).await.status, 200);
    let keys = server.get("/v1/api-keys?limit=100").await.json();
    let id = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "test")
        .and_then(|k| k["id"].as_str())
        .unwrap()
        .to_owned();
    assert_eq!(server.delete(&format!("/v1/api-keys/{id}")).await.status, 204);
    for _ in 0..2 {
        let r = server.call_as(&secret, "GET", "/v1/users", None).await;
        problem(&r, 401, "unauthorized");
    }
    // A key created afterwards works at once: its secret is new.
    let fresh = server.create_key(&["users:read"], None).await;
    assert_eq!(server.call_as(&fresh, "GET", "/v1/users", None).await.status, 200);
}
