//! The Rust SDK's change feed, webhook endpoints, batch and
//! `verify_webhook`, against a live server and a real HTTP receiver.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use futures_util::TryStreamExt;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use roster_client::{Client, ListEvents, ListParams, verify_webhook, verify_webhook_at};
use roster_testkit::{ADMIN_KEY, Backend, TestServer};

type Inbox = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inbox.lock().unwrap().push((headers, body));
    StatusCode::OK
}

async fn receiver() -> (String, Inbox) {
    let inbox = Inbox::default();
    let app = Router::new().route("/hook", post(receive)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

#[tokio::test]
async fn the_sdk_reads_the_feed_manages_endpoints_and_verifies_what_they_receive() {
    let server = TestServer::start(Backend::Sqlite).await;
    let client = Client::new(server.base_url.clone(), ADMIN_KEY);
    let (url, inbox) = receiver().await;
    let endpoint = client
        .webhook_endpoints()
        .create(&json!({ "url": url, "event_types": ["user.*"] }))
        .await
        .unwrap();
    let secret = endpoint.secret.clone().unwrap();
    let batch = client
        .users()
        .batch(&json!({ "operations": [
            { "op": "create", "body": { "email": "a@example.com" } },
            { "op": "create", "body": { "email": "b@example.com" } },
        ] }))
        .await
        .unwrap();
    assert_eq!(batch.results.iter().map(|r| r.status).collect::<Vec<_>>(), [201, 201]);

    let events: Vec<_> = client
        .events()
        .stream(ListEvents { types: Some("user.*".into()), limit: Some(1), ..Default::default() })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].data.object["email"], "a@example.com");
    // One user's events only.
    let b_id = batch.results[1].body.as_ref().unwrap().id.clone();
    let of_b: Vec<_> = client
        .events()
        .stream(ListEvents { user_id: Some(b_id), ..Default::default() })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].data.object["email"], "b@example.com");

    let mut got = Vec::new();
    for _ in 0..200 {
        got = inbox.lock().unwrap().clone();
        if got.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(got.len(), 2);
    for ((headers, body), event) in got.iter().zip(&events) {
        let verified = verify_webhook(body, headers, &secret).unwrap();
        assert_eq!(&verified, event, "the delivery is the feed's event");
        // Tampered, signed with another secret, or replayed later: refused.
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert!(verify_webhook(&tampered, headers, &secret).is_err());
        let other = client.webhook_endpoints().rotate_secret(&endpoint.id).await.unwrap();
        assert!(verify_webhook(body, headers, other.secret.as_deref().unwrap()).is_err());
        let ts: i64 = headers["webhook-timestamp"].to_str().unwrap().parse().unwrap();
        assert!(verify_webhook_at(body, headers, &secret, ts + 3600).is_err());
    }
    let log =
        client.webhook_endpoints().deliveries(&endpoint.id, &ListParams::default()).await.unwrap();
    assert_eq!(log.total_count, 2);
    let retried = client.webhook_endpoints().retry(&endpoint.id, &log.data[0].id).await.unwrap();
    assert!(retried.manual && retried.succeeded);
    let listed = client.webhook_endpoints().list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.data[0].secret, None);
    let off = client
        .webhook_endpoints()
        .update(&endpoint.id, &json!({ "enabled": false }))
        .await
        .unwrap();
    assert!(!off.enabled);
    client.webhook_endpoints().delete(&endpoint.id).await.unwrap();
    assert!(client.webhook_endpoints().retrieve(&endpoint.id).await.unwrap_err().is_not_found());
    server.stop().await;
}
