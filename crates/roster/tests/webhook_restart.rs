//! Webhook delivery lives in the database, not in a process: a node killed
//! (`kill -9`) while its receiver is down leaves the failed attempts logged
//! and the events waiting, and the node started next on the same database
//! delivers every one, once and in order. A receiver slower than the
//! attempt timeout is cut off, logged as timed out, and tried again.
//!
//! SQLite always; PostgreSQL with `ROSTER_TEST_POSTGRES_URL` (skipped loudly
//! without it, a failure in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use roster_testkit::{PgDatabase, postgres_url};

use support::Node;

/// A receiver on loopback: 503 while `down`, a three-second answer while
/// `slow`, else 204 and the event kept.
#[derive(Default)]
struct Inbox {
    got: Mutex<Vec<(String, Value)>>,
    down: AtomicBool,
    slow: AtomicBool,
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if inbox.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if inbox.slow.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let id = headers["webhook-id"].to_str().unwrap().to_owned();
    inbox.got.lock().unwrap().push((id, serde_json::from_slice(&body).unwrap()));
    StatusCode::NO_CONTENT
}

async fn receiver() -> (String, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::default());
    let app = Router::new().route("/hook", post(receive)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

/// A node that may deliver to loopback, retrying every second.
async fn node(database_url: &str, timeout: &str) -> Node {
    Node::start_with(
        database_url,
        &[
            ("ROSTER_WEBHOOK_ALLOW_PRIVATE_URLS", "true"),
            ("ROSTER_WEBHOOK_RETRY_SCHEDULE", "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s"),
            ("ROSTER_WEBHOOK_TIMEOUT", timeout),
        ],
    )
    .await
}

async fn deliveries(node: &Node, endpoint: &str) -> Vec<Value> {
    let path = format!("/v1/webhook-endpoints/{endpoint}/deliveries?limit=100");
    let (status, page, _) = node.send("GET", &path, None, &[]).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

/// Waits (up to `secs`) until `ready` holds.
async fn wait_until(secs: u64, what: &str, mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..secs * 10 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited {secs} s for {what}");
}

async fn create_endpoint(node: &Node, url: &str) -> String {
    let body = json!({ "url": url, "event_types": ["user.created"] });
    let (status, endpoint, _) = node.send("POST", "/v1/webhook-endpoints", Some(body), &[]).await;
    assert_eq!(status, 201, "{endpoint}");
    endpoint["id"].as_str().unwrap().to_owned()
}

async fn user_created_ids(node: &Node) -> Vec<String> {
    let (status, page, _) =
        node.send("GET", "/v1/events?type=user.created&limit=100", None, &[]).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

async fn delivery_survives_a_kill(database_url: &str) {
    let (url, inbox) = receiver().await;
    inbox.down.store(true, Ordering::SeqCst);
    let mut first = node(database_url, "2").await;
    let endpoint = create_endpoint(&first, &url).await;
    for i in 0..5 {
        let body = json!({ "email": format!("r{i}@example.com") });
        let (status, _, _) = first.send("POST", "/v1/users", Some(body), &[]).await;
        assert_eq!(status, 201);
    }
    wait_until(30, "two failed attempts", async || deliveries(&first, &endpoint).await.len() >= 2)
        .await;
    first.kill();
    inbox.down.store(false, Ordering::SeqCst);

    // A node that never saw the endpoint, on the same database.
    let second = node(database_url, "2").await;
    let logged = deliveries(&second, &endpoint).await;
    assert!(logged.len() >= 2, "the killed node's attempts are in the log: {logged:?}");
    assert!(logged.iter().all(|d| d["status_code"] == 503 && d["succeeded"] == false));
    let want = user_created_ids(&second).await;
    assert_eq!(want.len(), 5);
    // The killed node may have held the endpoint's lease: it runs out.
    wait_until(90, "the five events", async || inbox.got.lock().unwrap().len() >= 5).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let got: Vec<String> = inbox.got.lock().unwrap().iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(got, want, "every event once, in the feed's order");
    let log = deliveries(&second, &endpoint).await;
    let last = log.last().unwrap();
    assert_eq!(last["succeeded"], true, "{log:?}");
}

async fn a_slow_receiver_is_cut_off(database_url: &str) {
    let (url, inbox) = receiver().await;
    inbox.slow.store(true, Ordering::SeqCst);
    let node = node(database_url, "0.5").await;
    let endpoint = create_endpoint(&node, &url).await;
    let (status, _, _) =
        node.send("POST", "/v1/users", Some(json!({ "email": "slow@example.com" })), &[]).await;
    assert_eq!(status, 201);
    wait_until(30, "a timed-out attempt", async || !deliveries(&node, &endpoint).await.is_empty())
        .await;
    let attempt = deliveries(&node, &endpoint).await[0].clone();
    assert_eq!(attempt["succeeded"], false, "{attempt}");
    assert!(attempt["status_code"].is_null(), "no answer came: {attempt}");
    assert!(attempt["error"].as_str().unwrap().contains("timed out"), "{attempt}");
    let took = attempt["duration_ms"].as_u64().unwrap();
    assert!((400..2_500).contains(&took), "cut off near 500 ms, not after 3 s: {took} ms");
    inbox.slow.store(false, Ordering::SeqCst);
    wait_until(30, "the delivery", async || !inbox.got.lock().unwrap().is_empty()).await;
    assert_eq!(inbox.got.lock().unwrap()[0].1["data"]["object"]["email"], "slow@example.com");
}

#[tokio::test]
async fn sqlite_webhook_delivery_survives_a_kill_and_goes_on_from_the_next_node() {
    let dir = tempfile::tempdir().unwrap();
    delivery_survives_a_kill(&format!("sqlite://{}", dir.path().join("w.db").display())).await;
}

#[tokio::test]
async fn postgres_webhook_delivery_survives_a_kill_and_goes_on_from_the_next_node() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    delivery_survives_a_kill(&db.url).await;
    db.drop_database().await;
}

#[tokio::test]
async fn sqlite_a_receiver_slower_than_the_timeout_is_cut_off_logged_and_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    a_slow_receiver_is_cut_off(&format!("sqlite://{}", dir.path().join("t.db").display())).await;
}

#[tokio::test]
async fn postgres_a_receiver_slower_than_the_timeout_is_cut_off_logged_and_tried_again() {
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    a_slow_receiver_is_cut_off(&db.url).await;
    db.drop_database().await;
}
