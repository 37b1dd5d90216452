//! Webhooks: a receiver started by the test gets every event, signed by
//! the Standard Webhooks scheme (checked with the `standardwebhooks`
//! crate, an independent implementation), in order, again after it was
//! down, and never for a write that was refused.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, TestServer};

use crate::support::{id_of, problem};

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
}

#[derive(Default)]
struct Inbox {
    got: parking::Mutex<Vec<Received>>,
    /// Requests still to answer 503 (the receiver "down").
    refuse: AtomicU32,
    /// Answer every request with 500.
    broken: std::sync::atomic::AtomicBool,
}

mod parking {
    /// A std mutex that does not poison the test on a panic elsewhere.
    pub struct Mutex<T>(std::sync::Mutex<T>);
    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Self(std::sync::Mutex::new(T::default()))
        }
    }
    impl<T> Mutex<T> {
        pub fn lock(&self) -> std::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(|p| p.into_inner())
        }
    }
}

/// A webhook receiver on loopback.
pub struct Receiver {
    pub url: String,
    inbox: Arc<Inbox>,
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if inbox.broken.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if inbox.refuse.load(Ordering::SeqCst) > 0 {
        inbox.refuse.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    inbox.got.lock().push(Received { headers, body });
    StatusCode::NO_CONTENT
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inbox = Arc::new(Inbox::default());
        let app = Router::new().route("/hook", post(receive)).with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inbox }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.got.lock().clone()
    }

    /// Waits (ten seconds at most) until `n` deliveries arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let got = self.received();
        panic!(
            "{} of {n} deliveries arrived: {:?}",
            got.len(),
            got.iter().map(Received::id).collect::<Vec<_>>()
        );
    }
}

/// Checks a delivery with the `standardwebhooks` crate under `secret`.
fn verify(secret: &str, r: &Received) {
    let wh = standardwebhooks::Webhook::new(secret).expect("a whsec_ secret");
    wh.verify(&r.body, &r.headers).unwrap_or_else(|e| panic!("signature refused: {e:?} {r:?}"));
}

async fn create_endpoint(server: &TestServer, body: Value) -> Value {
    let r = server.post("/v1/webhook-endpoints", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// The endpoint's delivery log once it holds `n` attempts (ten seconds at
/// most): an attempt is logged when its answer came back, a moment after
/// the receiver saw it.
async fn logged(server: &TestServer, endpoint: &str, n: usize) -> Vec<Value> {
    let path = format!("/v1/webhook-endpoints/{endpoint}/deliveries");
    let mut log = Vec::new();
    for _ in 0..400 {
        log = server.get(&path).await.json()["data"].as_array().unwrap().clone();
        if log.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    log
}

/// The events of the feed of `types`, as `GET /v1/events` serves them.
async fn feed(server: &TestServer, types: &str) -> Vec<Value> {
    let page = server.get(&format!("/v1/events?limit=1000&type={types}")).await.json();
    page["data"].as_array().unwrap().clone()
}

pub async fn a_receiver_gets_every_event_once_in_order_signed_by_the_standard_scheme(
    server: &TestServer,
) {
    let receiver = Receiver::start().await;
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    let a = server.create_user(json!({ "email": "a@example.com" })).await;
    server.create_user(json!({ "email": "b@example.com" })).await;
    server.patch(&format!("/v1/users/{}", id_of(&a)), json!({ "first_name": "A" })).await;
    server.post("/v1/roles", json!({ "identifier": "ops", "name": "Ops" })).await;
    server.delete(&format!("/v1/users/{}", id_of(&a))).await;

    let got = receiver.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 4, "exactly the user events, each once");
    let events = feed(server, "user.*").await;
    assert_eq!(
        got.iter().map(Received::json).collect::<Vec<_>>(),
        events,
        "the feed's events, in its order"
    );
    for r in &got {
        verify(&secret, r);
        assert_eq!(r.id(), r.json()["id"], "webhook-id is the event id");
        assert_eq!(r.headers["content-type"], "application/json");
    }
    // A wrong secret is refused by the same independent check.
    let other = create_endpoint(server, json!({ "url": receiver.url, "enabled": false })).await;
    let wh = standardwebhooks::Webhook::new(other["secret"].as_str().unwrap()).unwrap();
    assert!(wh.verify(&got[0].body, &got[0].headers).is_err());
}

pub async fn a_receiver_that_was_down_gets_the_events_later_in_order(server: &TestServer) {
    let receiver = Receiver::start().await;
    receiver.inbox.refuse.store(3, Ordering::SeqCst);
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    for i in 0..3 {
        server.create_user(json!({ "email": format!("u{i}@example.com") })).await;
    }
    let got = receiver.wait_for(3).await;
    let emails: Vec<Value> =
        got.iter().map(|r| r.json()["data"]["object"]["email"].clone()).collect();
    assert_eq!(emails, [json!("u0@example.com"), json!("u1@example.com"), json!("u2@example.com")]);
    let id = id_of(&endpoint);
    let log = logged(server, &id, 4).await;
    let failed: Vec<&Value> = log.iter().filter(|d| d["succeeded"] == false).collect();
    assert_eq!(failed.len(), 3, "{log:?}");
    assert!(failed.iter().all(|d| d["status_code"] == 503 && d["manual"] == false));
    assert_eq!(
        failed.iter().map(|d| d["attempt"].as_u64().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let first_ok = log.iter().find(|d| d["succeeded"] == true).unwrap();
    assert_eq!(first_ok["attempt"], 4, "the same event, attempted a fourth time");
    assert_eq!(first_ok["event_id"], failed[0]["event_id"]);
    assert!(first_ok["duration_ms"].is_u64() && first_ok["status_code"] == 204);
}

pub async fn an_endpoint_whose_retries_run_out_is_disabled_and_resumes_where_it_stopped(
    server: &TestServer,
) {
    let receiver = Receiver::start().await;
    receiver.inbox.broken.store(true, Ordering::SeqCst);
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let id = id_of(&endpoint);
    server.create_user(json!({ "email": "a@example.com" })).await;
    let mut disabled = Value::Null;
    for _ in 0..200 {
        disabled = server.get(&format!("/v1/webhook-endpoints/{id}")).await.json();
        if disabled["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(disabled["enabled"], false, "{disabled}");
    assert_eq!(disabled["disabled_reason"], "failing");
    let log = server.get(&format!("/v1/webhook-endpoints/{id}/deliveries")).await.json();
    assert_eq!(log["total_count"], 6, "the first attempt and five retries: {log}");
    // Fixed, and enabled again: the event it stopped at comes first.
    receiver.inbox.broken.store(false, Ordering::SeqCst);
    server.create_user(json!({ "email": "b@example.com" })).await;
    let r = server.patch(&format!("/v1/webhook-endpoints/{id}"), json!({ "enabled": true })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["disabled_reason"], Value::Null);
    let got = receiver.wait_for(2).await;
    let emails: Vec<Value> =
        got.iter().map(|r| r.json()["data"]["object"]["email"].clone()).collect();
    assert_eq!(emails, [json!("a@example.com"), json!("b@example.com")]);
}

pub async fn a_rotated_secret_signs_beside_the_previous_one(server: &TestServer) {
    let receiver = Receiver::start().await;
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let id = id_of(&endpoint);
    let r = server.post(&format!("/v1/webhook-endpoints/{id}/rotate-secret"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let new = r.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let got = server.get(&format!("/v1/webhook-endpoints/{id}")).await.json();
    assert!(got.get("secret").is_none(), "the secret is shown on create and rotate only");
    server.create_user(json!({ "email": "a@example.com" })).await;
    let got = receiver.wait_for(1).await;
    let signatures = got[0].headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    verify(&old, &got[0]);
    verify(&new, &got[0]);
}

pub async fn a_manual_retry_sends_the_event_again_and_logs_it(server: &TestServer) {
    let receiver = Receiver::start().await;
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let id = id_of(&endpoint);
    server.create_user(json!({ "email": "a@example.com" })).await;
    let first = receiver.wait_for(1).await;
    let log = logged(server, &id, 1).await;
    let delivery = id_of(&log[0]);
    let r = server
        .post(&format!("/v1/webhook-endpoints/{id}/deliveries/{delivery}/retry"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let retried = r.json();
    assert_eq!(
        (retried["manual"].clone(), retried["succeeded"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(retried["attempt"], 2);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].id(), first[0].id(), "the same event, under its id");
    let r = server
        .post(
            &format!("/v1/webhook-endpoints/{id}/deliveries/whd_01ARZ3NDEKTSV4RRFFQ69G5FAV/retry"),
            json!({}),
        )
        .await;
    problem(&r, 404, "not_found");
}

pub async fn no_delivery_is_made_for_a_refused_write(server: &TestServer) {
    let receiver = Receiver::start().await;
    create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let a = server.create_user(json!({ "email": "a@example.com" })).await;
    receiver.wait_for(1).await;
    assert_eq!(server.post("/v1/users", json!({ "email": "A@example.com" })).await.status, 409);
    let r = server.patch(&format!("/v1/users/{}", id_of(&a)), json!({ "email": "nope" })).await;
    assert_eq!(r.status, 400);
    let marker = server.create_user(json!({ "email": "marker@example.com" })).await;
    let got = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(got[1].json()["data"]["object"], marker);
}

pub async fn two_nodes_deliver_each_event_once(server: &TestServer) {
    let other =
        TestServer::builder(server.backend).database_url(server.database_url.clone()).start().await;
    let receiver = Receiver::start().await;
    create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.created"] })).await;
    for i in 0..20 {
        let node = if i % 2 == 0 { server } else { &other };
        node.create_user(json!({ "email": format!("u{i}@example.com") })).await;
    }
    let got = receiver.wait_for(20).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<String> = receiver.received().iter().map(Received::id).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (20, 20), "each event once: {ids:?}");
    assert_eq!(got.len(), 20);
    other.stop().await;
}

pub async fn endpoint_urls_that_reach_private_addresses_are_refused_unless_allowed(
    server: &TestServer,
) {
    let strict = TestServer::builder(server.backend)
        .database_url(server.database_url.clone())
        .settings(|s| s.service.webhooks.allow_private_urls = false)
        .start()
        .await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:192.168.0.1]/",
    ] {
        let r = strict.post("/v1/webhook-endpoints", json!({ "url": url })).await;
        let p = problem(&r, 400, "invalid_body");
        assert_eq!(p["param"], "url", "{url}");
    }
    for (body, param) in [
        (json!({ "url": "ftp://example.com/" }), "url"),
        (json!({}), "url"),
        (json!({ "url": "http://127.0.0.1/", "event_types": ["user.exploded"] }), "event_types"),
        (json!({ "url": "http://127.0.0.1/", "zones": ["nowhere"] }), "zones[0]"),
        (json!({ "url": "http://127.0.0.1/", "secret": "whsec_x" }), "secret"),
    ] {
        let r = server.post("/v1/webhook-endpoints", body.clone()).await;
        let p = problem(&r, 400, "invalid_body");
        assert_eq!(p["param"], param, "{body}");
    }
    assert_eq!(server.get("/v1/webhook-endpoints").await.json()["total_count"], 0);
    strict.stop().await;
}

pub async fn only_an_unrestricted_key_with_webhooks_write_manages_endpoints(server: &TestServer) {
    let receiver = Receiver::start().await;
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "zones": ["default"] })).await;
    let default = server.get("/v1/zones/default").await.json();
    assert_eq!(endpoint["zones"], json!([default["id"]]));
    let listed = server.get("/v1/webhook-endpoints").await.json();
    assert_eq!(listed["total_count"], 1);
    assert!(listed["data"][0].get("secret").is_none());
    let reader = server.create_key(&["users:write", "events:read"], None).await;
    let r = server.call_as(&reader, "GET", "/v1/webhook-endpoints", None).await;
    problem(&r, 403, "insufficient_scope");
    let default_id = default["id"].as_str().unwrap();
    let zoned = server.create_key(&["webhooks:write"], Some(&[default_id])).await;
    let r = server
        .call_as(&zoned, "POST", "/v1/webhook-endpoints", Some(json!({ "url": receiver.url })))
        .await;
    problem(&r, 403, "insufficient_scope");
    let writer = server.create_key(&["webhooks:write"], None).await;
    let r = server
        .call_as(&writer, "GET", &format!("/v1/webhook-endpoints/{}", id_of(&endpoint)), None)
        .await;
    assert_eq!(r.status, 200);
    let r = server
        .call_as(ADMIN_KEY, "DELETE", &format!("/v1/webhook-endpoints/{}", id_of(&endpoint)), None)
        .await;
    assert_eq!(r.status, 204);
    let r = server.get(&format!("/v1/webhook-endpoints/{}", id_of(&endpoint))).await;
    problem(&r, 404, "not_found");
}

pub async fn pointing_an_endpoint_takes_events_read_and_its_deliveries_show_what_that_key_may_see(
    server: &TestServer,
) {
    let (first, second) = (Receiver::start().await, Receiver::start().await);
    let body = json!({ "url": first.url, "event_types": ["user.created"] });
    // Without events:read a key could read the feed through a receiver.
    let blind = server.create_key(&["webhooks:write"], None).await;
    let r = server.call_as(&blind, "POST", "/v1/webhook-endpoints", Some(body.clone())).await;
    problem(&r, 403, "insufficient_scope");
    let endpoint = create_endpoint(server, body).await;
    let path = format!("/v1/webhook-endpoints/{}", id_of(&endpoint));
    let r = server.call_as(&blind, "PATCH", &path, Some(json!({ "url": second.url }))).await;
    problem(&r, 403, "insufficient_scope");
    let r = server.call_as(&blind, "PATCH", &path, Some(json!({ "description": "x" }))).await;
    assert_eq!(r.status, 200, "other settings need webhooks:write only: {}", r.text());

    server.create_user(json!({ "email": "seen@example.com" })).await;
    let got = first.wait_for(1).await;
    assert!(got[0].json()["data"]["object"]["created_by"].is_string(), "the admin sees metadata");

    // Pointed elsewhere by a key without users:metadata: its rule holds.
    let plain = server.create_key(&["webhooks:write", "events:read"], None).await;
    let r = server.call_as(&plain, "PATCH", &path, Some(json!({ "url": second.url }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    server.create_user(json!({ "email": "unseen@example.com" })).await;
    let got = second.wait_for(1).await;
    let object = &got[0].json()["data"]["object"];
    assert_eq!(object["email"], "unseen@example.com");
    assert!(object.get("created_by").is_none(), "no users:metadata: {object}");
}

pub async fn delivery_logs_are_kept_as_long_as_events_are(server: &TestServer) {
    let receiver = Receiver::start().await;
    let endpoint =
        create_endpoint(server, json!({ "url": receiver.url, "event_types": ["user.*"] })).await;
    let log = format!("/v1/webhook-endpoints/{}/deliveries", id_of(&endpoint));
    server.create_user(json!({ "email": "a@example.com" })).await;
    receiver.wait_for(1).await;
    assert_eq!(logged(server, &id_of(&endpoint), 1).await.len(), 1);
    // A second node on the same database, keeping events for one second:
    // the attempt goes with them.
    let short = TestServer::builder(server.backend)
        .database_url(server.database_url.clone())
        .settings(|s| s.service.event_retention = Duration::from_secs(1))
        .start()
        .await;
    let mut left = usize::MAX;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = server.get(&log).await.json()["data"].as_array().unwrap().len();
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "the attempt outlived the retention");
    let r = server.get(&format!("/v1/webhook-endpoints/{}", id_of(&endpoint))).await;
    assert_eq!(r.status, 200, "the endpoint stays");
    short.stop().await;
}
