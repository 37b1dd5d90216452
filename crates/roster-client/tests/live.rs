//! The Rust SDK against a live server (real HTTP on loopback).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use roster_client::{Client, Error, ListParams, ListUsers, OPERATIONS, RoleAssignment, Session};
use roster_testkit::{ADMIN_KEY, Backend, TestServer};

async fn server() -> (TestServer, Client) {
    let server = TestServer::start(Backend::Sqlite).await;
    let client = Client::new(server.base_url.clone(), ADMIN_KEY);
    (server, client)
}

#[test]
fn every_openapi_operation_has_an_sdk_method() {
    let spec = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json"),
    )
    .unwrap();
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let mut in_spec = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            in_spec.insert(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    let in_sdk: BTreeSet<String> = OPERATIONS.iter().map(|(id, _)| (*id).to_owned()).collect();
    let missing: Vec<_> = in_spec.difference(&in_sdk).collect();
    assert!(missing.is_empty(), "the Rust SDK lacks {missing:?}");
    let stale: Vec<_> = in_sdk.difference(&in_spec).collect();
    assert!(stale.is_empty(), "the Rust SDK names operations the API does not have: {stale:?}");
}

#[tokio::test]
async fn users_are_created_retrieved_updated_listed_and_deleted() {
    let (server, client) = server().await;
    let jane = client
        .users()
        .create(&json!({"email": "jane@example.com", "first_name": "Jane"}))
        .await
        .unwrap();
    assert!(jane.id.starts_with("user_"));
    assert_eq!(client.users().get(&jane.id).await.unwrap().email, "jane@example.com");
    let updated = client.users().update(&jane.id, &json!({"status": "risky"}), None).await.unwrap();
    assert_eq!(updated.status, "risky");
    let page = client.users().list(&ListUsers::default()).await.unwrap();
    println!("{}", page.data[0].id);
    assert_eq!(page.total_count, 1);
    let zone_page = client.zones().users("default").list(&ListUsers::default()).await.unwrap();
    assert_eq!(zone_page.data[0].id, jane.id);
    client.users().delete(&jane.id, None).await.unwrap();
    assert!(client.users().retrieve(&jane.id).await.unwrap_err().is_not_found());
    server.stop().await;
}

#[tokio::test]
async fn stream_walks_every_page_and_page_mode_pages() {
    let (server, client) = server().await;
    for i in 0..7 {
        client.users().create(&json!({"email": format!("u{i}@example.com")})).await.unwrap();
    }
    let params = ListUsers { limit: Some(2), ..ListUsers::default() };
    let all: Vec<_> = client.users().stream(params).try_collect().await.unwrap();
    assert_eq!(all.len(), 7, "four pages of two walked");
    let emails: Vec<_> = all.iter().map(|u| u.email.clone()).collect();
    assert_eq!(emails[0], "u0@example.com");
    assert_eq!(emails[6], "u6@example.com");
    let page2 = client
        .users()
        .list(&ListUsers { page: Some(2), limit: Some(3), ..ListUsers::default() })
        .await
        .unwrap();
    assert_eq!(page2.page, Some(2));
    assert_eq!(page2.data[0].email, "u3@example.com");
    server.stop().await;
}

#[tokio::test]
async fn filters_search_sort_and_expand_reach_the_api() {
    let (server, client) = server().await;
    for (email, status, plan) in
        [("b@x.io", "active", "pro"), ("a@x.io", "risky", "free"), ("c@x.io", "active", "free")]
    {
        client
            .users()
            .create(&json!({"email": email, "status": status, "attributes": {"plan": plan}}))
            .await
            .unwrap();
    }
    let q = ListUsers {
        statuses: vec!["active".into()],
        sort: vec!["-email".into()],
        attributes: vec![("plan".into(), json!("free"))],
        expand: vec!["session_count".into()],
        ..ListUsers::default()
    };
    let page = client.users().list(&q).await.unwrap();
    assert_eq!(page.data.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), vec!["c@x.io"]);
    assert_eq!(page.data[0].session_count, Some(0));
    let found = client
        .users()
        .list(&ListUsers { search: vec!["A@X".into()], ..ListUsers::default() })
        .await
        .unwrap();
    assert_eq!(found.data[0].email, "a@x.io");
    server.stop().await;
}

#[tokio::test]
async fn problems_become_typed_errors() {
    let (server, client) = server().await;
    client.users().create(&json!({"email": "dup@example.com"})).await.unwrap();
    let conflict = client.users().create(&json!({"email": "DUP@example.com"})).await.unwrap_err();
    assert!(conflict.is_conflict());
    assert_eq!((conflict.code(), conflict.param()), (Some("conflict"), Some("email")));
    let bad = client
        .users()
        .list(&ListUsers { limit: Some(0), ..ListUsers::default() })
        .await
        .unwrap_err();
    assert_eq!((bad.status(), bad.param()), (Some(400), Some("limit")));
    let stranger = Client::new(server.base_url.clone(), "rk_live_not_a_real_key_at_all_1234");
    assert_eq!(stranger.users().list(&ListUsers::default()).await.unwrap_err().status(), Some(401));
    let secret = server.create_key(&["users:read"], None).await;
    let reader = Client::new(server.base_url.clone(), secret);
    let denied = reader.users().create(&json!({"email": "x@example.com"})).await.unwrap_err();
    assert_eq!(denied.code(), Some("insufficient_scope"));
    server.stop().await;
}

#[tokio::test]
async fn a_429_is_waited_out_and_retried() {
    let server = TestServer::builder(Backend::Sqlite)
        .settings(|s| {
            s.rate_limit_per_second = 1;
            s.rate_limit_burst = Some(1);
        })
        .start()
        .await;
    let client = Client::new(server.base_url.clone(), ADMIN_KEY);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        client.users().list(&ListUsers::default()).await.unwrap();
    }
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "the limit was waited out");
    let impatient = Client::builder()
        .base_url(server.base_url.clone())
        .api_key(ADMIN_KEY)
        .max_retries(0)
        .build()
        .unwrap();
    let mut limited = None;
    for _ in 0..3 {
        if let Err(e) = impatient.users().list(&ListUsers::default()).await {
            limited = Some(e);
            break;
        }
    }
    match limited {
        Some(Error::Api { status: 429, retry_after: Some(_), .. }) => {}
        other => panic!("expected a 429 with Retry-After, got {other:?}"),
    }
    server.stop().await;
}

/// Forwards requests to `upstream`, but drops the connection instead of
/// answering the first POST: the client sees a failure after the server
/// already created the user, exactly the case idempotency keys exist for.
async fn flaky_proxy(upstream: std::net::SocketAddr) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut dropped = false;
        loop {
            let Ok((mut client, _)) = listener.accept().await else { return };
            let request = read_message(&mut client).await;
            let Some(request) = request else { continue };
            let mut server = TcpStream::connect(upstream).await.unwrap();
            server.write_all(&request).await.unwrap();
            let response = read_message(&mut server).await.unwrap_or_default();
            if request.starts_with(b"POST") && !dropped {
                dropped = true;
                continue; // closes the client's connection unanswered
            }
            let _ = client.write_all(&response).await;
        }
    });
    addr
}

/// One HTTP/1.1 message with a Content-Length body.
async fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return (!buf.is_empty()).then_some(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
    }
}

#[tokio::test]
async fn a_create_retried_after_a_lost_response_makes_one_user() {
    let server = TestServer::start(Backend::Sqlite).await;
    let proxy = flaky_proxy(server.addr).await;
    let client = Client::new(format!("http://{proxy}"), ADMIN_KEY);
    let user = client.users().create(&json!({"email": "once@example.com"})).await.unwrap();
    assert_eq!(user.email, "once@example.com");
    let direct = Client::new(server.base_url.clone(), ADMIN_KEY);
    let page = direct.users().list(&ListUsers::default()).await.unwrap();
    assert_eq!(page.total_count, 1, "the retry replayed the first create");
    assert_eq!(page.data[0].id, user.id);
    server.stop().await;
}

#[tokio::test]
async fn every_resource_of_the_api_is_reachable() {
    let (server, client) = server().await;
    assert_eq!(client.health().check().await.unwrap().status, "ok");
    assert_eq!(client.health().ready().await.unwrap().status, "ready");
    assert!(client.metrics().await.unwrap().contains("roster_http_requests_total"));
    assert!(client.openapi().await.unwrap()["paths"].is_object());
    assert!(client.docs().await.unwrap().contains("<html"));

    let zone = client.zones().create(&json!({"identifier": "eu"})).await.unwrap();
    assert_eq!(client.zones().retrieve("eu").await.unwrap().id, zone.id);
    client.zones().update("eu", &json!({"name": "Europe"})).await.unwrap();
    assert_eq!(client.zones().list(&ListParams::default()).await.unwrap().total_count, 2);

    for roles in [client.roles(), client.zones().roles("eu")] {
        roles.create(&json!({"identifier": "admin"})).await.unwrap();
        roles.update("admin", &json!({"name": "Admin"})).await.unwrap();
        assert_eq!(roles.retrieve("admin").await.unwrap().name, "Admin");
        assert_eq!(roles.list(&ListParams::default()).await.unwrap().total_count, 1);
    }
    for providers in [client.providers(), client.zones().providers("eu")] {
        providers.create(&json!({"identifier": "okta", "issuer": "https://okta"})).await.unwrap();
        providers.update("okta", &json!({"user_identifier_claim": "nick"})).await.unwrap();
        assert_eq!(
            providers.retrieve("okta").await.unwrap().user_identifier_claim.as_deref(),
            Some("nick")
        );
        let signed = providers
            .sign_in(
                "okta",
                &json!({"subject": "s1", "claims": {"email": "s1@example.com", "nick": "s1"}}),
            )
            .await
            .unwrap();
        assert!(signed.created);
        assert_eq!(providers.list(&ListParams::default()).await.unwrap().total_count, 1);
    }
    for users in [client.users(), client.zones().users("eu")] {
        let u = users.create(&json!({"email": "kids@example.com"})).await.unwrap();
        let ra: RoleAssignment = users
            .role_assignments(&u.id)
            .create(&json!({"role_identifier": "admin"}))
            .await
            .unwrap();
        let s: Session = users.sessions(&u.id).create(&json!({})).await.unwrap();
        let g: roster_client::Grant = users
            .grants(&u.id)
            .create(&json!({"client_id": "c", "resource": "r", "scopes": ["read"]}))
            .await
            .unwrap();
        let expanded = users
            .retrieve_expanded(&u.id, &["role_assignments", "session_count", "grant_count"])
            .await
            .unwrap();
        assert_eq!(expanded.role_assignments.unwrap()[0].role_identifier, "admin");
        assert_eq!((expanded.session_count, expanded.grant_count), (Some(1), Some(1)));
        let page: roster_client::Page<Session> =
            users.sessions(&u.id).list(&ListParams::default()).await.unwrap();
        assert_eq!(page.total_count, 1);
        let page: roster_client::Page<RoleAssignment> =
            users.role_assignments(&u.id).list(&ListParams::default()).await.unwrap();
        assert_eq!(page.total_count, 1);
        let page: roster_client::Page<roster_client::Grant> =
            users.grants(&u.id).list(&ListParams::default()).await.unwrap();
        assert_eq!(page.total_count, 1);
        let one: RoleAssignment =
            users.role_assignments(&u.id).retrieve(ra.id.as_deref().unwrap()).await.unwrap();
        assert_eq!(one, ra);
        let one: Session = users.sessions(&u.id).retrieve(&s.id).await.unwrap();
        assert_eq!(one.status, "active");
        let one: roster_client::Grant = users.grants(&u.id).retrieve(&g.id).await.unwrap();
        assert_eq!(one.id, g.id);
        users.role_assignments(&u.id).delete(ra.id.as_deref().unwrap()).await.unwrap();
        users.sessions(&u.id).delete(&s.id).await.unwrap();
        users.grants(&u.id).delete(&g.id).await.unwrap();
        let one = users.retrieve(&u.id).await.unwrap();
        users.update(&u.id, &json!({"status": "disabled"}), None).await.unwrap();
        users.delete(&u.id, None).await.unwrap();
        assert!(users.get(&one.id).await.unwrap_err().is_not_found());
    }
    for providers in [client.providers(), client.zones().providers("eu")] {
        providers.delete("okta").await.unwrap();
    }
    for roles in [client.roles(), client.zones().roles("eu")] {
        roles.delete("admin").await.unwrap();
    }
    // eu still holds the user its sign-in made.
    let signed_up = client.zones().users("eu").list(&ListUsers::default()).await.unwrap();
    client.zones().users("eu").delete(&signed_up.data[0].id, None).await.unwrap();
    client.zones().delete("eu").await.unwrap();

    let key =
        client.api_keys().create(&json!({"name": "ci", "scopes": ["users:read"]})).await.unwrap();
    assert!(key.key.as_deref().unwrap().starts_with("rk_live_"));
    assert_eq!(client.api_keys().list(&ListParams::default()).await.unwrap().total_count, 2);
    let fetched = client.api_keys().retrieve(&key.id).await.unwrap();
    assert_eq!((fetched.id.as_str(), fetched.key.as_deref()), (key.id.as_str(), None));
    client.api_keys().delete(&key.id).await.unwrap();
    assert!(client.api_keys().retrieve(&key.id).await.unwrap_err().is_not_found());
    server.stop().await;
}
