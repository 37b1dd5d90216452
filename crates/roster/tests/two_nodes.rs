//! Two `roster serve` processes on one PostgreSQL database, driven at once.
//!
//! Needs `ROSTER_TEST_POSTGRES_URL` (skipped loudly without it, a failure in
//! CI). Each test makes its own database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;

use roster_testkit::{PgDatabase, postgres_url};

use support::Node;

/// Two nodes on a fresh database, or `None` when PostgreSQL is not configured.
async fn two_nodes() -> Option<(PgDatabase, Node, Node)> {
    let admin = postgres_url()?;
    let db = PgDatabase::create(&admin).await;
    // Start them together: migrations and bootstrap must not race.
    let (a, b) = tokio::join!(Node::start(&db.url), Node::start(&db.url));
    Some((db, a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_email_on_two_nodes_make_exactly_one_user() {
    let Some((db, a, b)) = two_nodes().await else { return };
    for round in 0..25 {
        let body = json!({ "email": format!("same-{round}@example.com") });
        let (ra, rb) = tokio::join!(
            a.send("POST", "/v1/users", Some(body.clone()), &[]),
            b.send("POST", "/v1/users", Some(body.clone()), &[])
        );
        let mut statuses = [ra.0, rb.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {ra:?} {rb:?}");
        let loser = if ra.0 == 409 { &ra.1 } else { &rb.1 };
        assert_eq!(loser["param"], "email");
    }
    let (_, list, _) = a.send("GET", "/v1/users?limit=100", None, &[]).await;
    assert_eq!(list["total_count"], 25);
    drop((a, b));
    db.drop_database().await;
}

/// Adds one to attribute `n` `times` times with read, then `If-Match`
/// write, retrying on 412; returns how many 412s it met.
async fn increment(node: &Node, path: &str, times: i64) -> u32 {
    let (mut done, mut conflicts) = (0, 0);
    while done < times {
        let (_, current, headers) = node.send("GET", path, None, &[]).await;
        let etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
        let n = current["attributes"]["n"].as_i64().unwrap();
        let (status, _, _) = node
            .send(
                "PATCH",
                path,
                Some(json!({ "attributes": { "n": n + 1 } })),
                &[("if-match", &etag)],
            )
            .await;
        match status {
            200 => done += 1,
            412 => conflicts += 1,
            other => panic!("unexpected {other}"),
        }
    }
    conflicts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_updates_from_two_nodes_never_lose_an_update() {
    let Some((db, a, b)) = two_nodes().await else { return };
    let (_, user, _) = a
        .send(
            "POST",
            "/v1/users",
            Some(json!({ "email": "c@example.com", "attributes": { "n": 0 } })),
            &[],
        )
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap());
    let per_node = 15;
    let (ca, cb) = tokio::join!(increment(&a, &path, per_node), increment(&b, &path, per_node));
    let (_, last, _) = a.send("GET", &path, None, &[]).await;
    assert_eq!(last["attributes"]["n"], 2 * per_node, "{ca} + {cb} conflicts were retried");
    drop((a, b));
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_retry_replays_whichever_node_gets_it() {
    let Some((db, a, b)) = two_nodes().await else { return };
    let body = json!({ "email": "i@example.com" });
    let key = [("idempotency-key", "retry-1")];
    let (s1, first, _) = a.send("POST", "/v1/users", Some(body.clone()), &key).await;
    assert_eq!(s1, 201);
    let (s2, second, headers) = b.send("POST", "/v1/users", Some(body.clone()), &key).await;
    assert_eq!(s2, 201);
    assert_eq!(second, first, "node b replays node a's response");
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");
    let (s3, other, _) =
        b.send("POST", "/v1/users", Some(json!({ "email": "j@example.com" })), &key).await;
    assert_eq!(s3, 422, "{other}");
    // Both nodes at once with a fresh key: one user, the same answer twice.
    for round in 0..10 {
        let k = format!("race-{round}");
        let body = json!({ "email": format!("race-{round}@example.com") });
        let key = [("idempotency-key", k.as_str())];
        let (ra, rb) = tokio::join!(
            a.send("POST", "/v1/users", Some(body.clone()), &key),
            b.send("POST", "/v1/users", Some(body.clone()), &key)
        );
        assert_eq!((ra.0, rb.0), (201, 201), "round {round}: {ra:?} {rb:?}");
        assert_eq!(ra.1["id"], rb.1["id"], "round {round}: one user");
    }
    let (_, list, _) = a.send("GET", "/v1/users", None, &[]).await;
    assert_eq!(list["total_count"], 11);
    drop((a, b));
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_one_node_pages_on_the_other() {
    let Some((db, a, b)) = two_nodes().await else { return };
    for i in 0..5 {
        a.send("POST", "/v1/users", Some(json!({ "email": format!("p{i}@example.com") })), &[])
            .await;
    }
    let (_, first, _) = a.send("GET", "/v1/users?limit=2&sort_by=email", None, &[]).await;
    let cursor = first["page_info"]["end_cursor"].as_str().unwrap();
    let (status, second, _) =
        b.send("GET", &format!("/v1/users?limit=2&sort_by=email&after={cursor}"), None, &[]).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["data"][0]["email"], "p2@example.com");
    drop((a, b));
    db.drop_database().await;
}
