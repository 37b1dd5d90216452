//! `kill -9` in the middle of a write burst: after a restart, every
//! acknowledged write is there with its event, and every event belongs to
//! a write that is there (none for a write that never committed).
//!
//! SQLite always; PostgreSQL with `ROSTER_TEST_POSTGRES_URL` (skipped loudly
//! without it, a failure in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, PgDatabase, postgres_url};

use support::Node;

/// What a burst of writers had acknowledged when the process died: the
/// users created, and the users whose update (to `first_name` "Changed")
/// was answered 200.
#[derive(Default)]
struct Acked {
    created: HashSet<String>,
    updated: HashSet<String>,
}

async fn burst_then_kill(database_url: &str) {
    let mut node = Node::start(database_url).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, acked) = (node.client.clone(), node.base.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let r = client
                    .post(format!("{base}/v1/users"))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({ "email": format!("w{w}-{i}@example.com") }))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() != 201 {
                    return;
                }
                let Ok(user) = r.json::<Value>().await else { return };
                let id = user["id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().created.insert(id.clone());
                let r = client
                    .patch(format!("{base}/v1/users/{id}"))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({ "first_name": "Changed" }))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() == 200 && r.bytes().await.is_ok() {
                    acked.lock().unwrap().updated.insert(id);
                }
            }
        }));
    }
    // Let the burst run, then kill the process mid-write.
    for _ in 0..400 {
        if acked.lock().unwrap().created.len() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.created.len() >= 100, "the burst was under way: {}", acked.created.len());

    let node = Node::start(database_url).await;
    let mut users: HashSet<String> = HashSet::new();
    let mut changed: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/users?limit=1000&after={c}"),
            None => "/v1/users?limit=1000".to_owned(),
        };
        let (status, page, _) = node.send("GET", &path, None, &[]).await;
        assert_eq!(status, 200);
        for u in page["data"].as_array().unwrap() {
            let id = u["id"].as_str().unwrap().to_owned();
            if u["first_name"] == "Changed" {
                changed.insert(id.clone());
            }
            users.insert(id);
        }
        if page["page_info"]["has_next_page"] != json!(true) {
            break;
        }
        cursor = page["page_info"]["end_cursor"].as_str().map(str::to_owned);
    }
    let (mut created_events, mut updated_events) = (HashSet::new(), HashSet::new());
    let mut after: Option<String> = None;
    // PostgreSQL serves an event once every older transaction of the server
    // has ended (other tests' included): walk until the counts are reached,
    // or for ten seconds; the equalities below then say what is missing.
    for _ in 0..400 {
        if created_events.len() >= users.len() && updated_events.len() >= changed.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        walk_events(&node, &mut after, &mut created_events, &mut updated_events).await;
    }
    // Acknowledged writes survived, with their events.
    assert!(acked.created.is_subset(&users), "an acknowledged create was lost");
    assert!(acked.updated.is_subset(&changed), "an acknowledged update was lost");
    // Events exist exactly for the writes that committed, acknowledged or
    // not: none for a write the kill cut short.
    assert_eq!(created_events, users, "user.created events and stored users differ");
    assert_eq!(updated_events, changed, "user.updated events and stored updates differ");
    drop(node);
}

async fn walk_events(
    node: &Node,
    after: &mut Option<String>,
    created_events: &mut HashSet<String>,
    updated_events: &mut HashSet<String>,
) {
    loop {
        let path = match &*after {
            Some(c) => format!("/v1/events?type=user.*&limit=1000&after={c}"),
            None => "/v1/events?type=user.*&limit=1000".to_owned(),
        };
        let (status, page, _) = node.send("GET", &path, None, &[]).await;
        assert_eq!(status, 200, "{page}");
        for e in page["data"].as_array().unwrap() {
            let id = e["data"]["object"]["id"].as_str().unwrap().to_owned();
            let fresh = match e["type"].as_str().unwrap() {
                "user.created" => created_events.insert(id),
                "user.updated" => updated_events.insert(id),
                other => panic!("no {other} was made"),
            };
            assert!(fresh, "an event came twice: {e}");
        }
        *after = page["page_info"]["end_cursor"].as_str().map(str::to_owned);
        if page["page_info"]["has_next_page"] != json!(true) {
            break;
        }
    }
}

#[tokio::test]
async fn a_killed_sqlite_server_loses_no_acknowledged_event_and_keeps_none_of_an_uncommitted_write()
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    burst_then_kill(&url).await;
}

#[tokio::test]
async fn a_killed_postgres_node_loses_no_acknowledged_event_and_keeps_none_of_an_uncommitted_write()
{
    let Some(admin) = postgres_url() else { return };
    let db = PgDatabase::create(&admin).await;
    burst_then_kill(&db.url).await;
    db.drop_database().await;
}
