//! No tenant starves another: each API key gets a fair share of the
//! database's readers; a key beyond it gets 429, never a 5xx, and other
//! keys are served meanwhile.

use serde_json::json;

use roster_testkit::{Backend, Resp, TestServer};

use crate::support::{get_as, id_of, key, problem};

/// One read running and one waiting per key: the third concurrent read of
/// a key is beyond its share.
async fn tight_share_server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .settings(|s| {
            s.max_inflight_per_key = Some(1);
            s.max_queued_per_key = 1;
        })
        .start()
        .await
}

/// Users created concurrently (writes are not held to the read share).
async fn seed(server: &TestServer, n: usize) -> Vec<String> {
    let creates = (0..n).map(|i| {
        server.post(
            "/v1/users",
            json!({
                "email": format!("fair-{i:04}@example.com"),
                "first_name": format!("Fairly{i:04}"),
                "last_name": "Shared",
                "description": "a user with a long enough description to make pages weigh something",
                "attributes": {"team": format!("t{}", i % 7), "level": i % 5},
            }),
        )
    });
    futures::future::join_all(creates)
        .await
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "seeding: {}", r.text());
            id_of(&r.json())
        })
        .collect()
}

/// Fires `n` concurrent expensive reads as `key`; returns every answer.
async fn storm(server: &TestServer, key: &str, n: usize) -> Vec<Resp> {
    let reads = (0..n).map(|i| {
        let path = if i % 2 == 0 {
            "/v1/users?limit=1000&search=shared&sort=-email"
        } else {
            "/v1/users?limit=1000&attributes.team=t3&sort=last_name,-first_name"
        };
        get_as(server, key, path)
    });
    futures::future::join_all(reads).await
}

pub async fn a_key_beyond_its_share_of_reads_gets_429_with_retry_after_and_never_a_5xx(
    server: &TestServer,
) {
    let server = tight_share_server(server.backend).await;
    let ids = seed(&server, 120).await;
    let (noisy, _) = key(&server, &["users:read"], None).await;
    let (quiet, _) = key(&server, &["users:read"], None).await;

    let mut refused = 0;
    let mut served = 0;
    // Concurrency on a loaded machine is not a promise, so up to a few rounds
    // until one round overlapped enough to pass the share.
    for _round in 0..5 {
        let quiet_reads = async {
            let mut answers = Vec::new();
            for id in ids.iter().take(15) {
                answers.push(get_as(&server, &quiet, &format!("/v1/users/{id}")).await);
            }
            answers.push(get_as(&server, &quiet, "/v1/users?limit=10").await);
            answers
        };
        let (noisy_answers, quiet_answers) = tokio::join!(storm(&server, &noisy, 48), quiet_reads);
        for r in &quiet_answers {
            assert_eq!(r.status, 200, "another key is served while one key storms: {}", r.text());
        }
        for r in &noisy_answers {
            match r.status {
                200 => served += 1,
                429 => {
                    let p = problem(r, 429, "rate_limited");
                    assert!(p["detail"].is_string());
                    let retry: u64 = r
                        .header("retry-after")
                        .unwrap_or_else(|| panic!("a 429 without Retry-After: {}", r.text()))
                        .parse()
                        .unwrap_or_else(|_| {
                            panic!("Retry-After is not seconds: {:?}", r.header("retry-after"))
                        });
                    assert!(retry >= 1, "Retry-After {retry}");
                    refused += 1;
                }
                other => {
                    panic!("a read beyond the share answered {other}, not 200 or 429: {}", r.text())
                }
            }
        }
        if refused > 0 {
            break;
        }
    }
    assert!(refused > 0, "48 concurrent reads of one key never passed a share of 1 + 1");
    assert!(served > 0, "the reads within the share are served");
    // The share is given back: once the storm is over the key reads again.
    let r = get_as(&server, &noisy, "/v1/users?limit=1").await;
    assert_eq!(r.status, 200, "{}", r.text());
    server.stop().await;
}

pub async fn writes_are_not_held_to_the_read_share(server: &TestServer) {
    let server = TestServer::builder(server.backend)
        .settings(|s| {
            s.max_inflight_per_key = Some(1);
            s.max_queued_per_key = 0;
        })
        .start()
        .await;
    // 40 concurrent creates of one key overlap far beyond one running read.
    let ids = seed(&server, 40).await;
    assert_eq!(ids.len(), 40);
    let r = server.get("/v1/users?limit=1").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["total_count"], json!(40));
    server.stop().await;
}

pub async fn max_inflight_per_key_zero_turns_the_share_off(server: &TestServer) {
    let server = TestServer::builder(server.backend)
        .settings(|s| {
            s.max_inflight_per_key = Some(0);
            s.max_queued_per_key = 0;
        })
        .start()
        .await;
    seed(&server, 60).await;
    for r in storm(&server, roster_testkit::ADMIN_KEY, 32).await {
        assert_eq!(r.status, 200, "without a share every read is served: {}", r.text());
    }
    server.stop().await;
}
