//! `roster export` and `roster backup` against a database a running server
//! is writing to.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};

use support::{Node, roster};

/// Every user of the default zone as GET lists them, in id order.
async fn listed(node: &Node) -> Vec<Value> {
    let (status, page, _) = node.send("GET", "/v1/users?limit=1000", None, &[]).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_export_of_a_live_database_is_its_users_as_get_returns_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("live.db").display());
    let node = Node::start(&db).await;
    for i in 0..25 {
        let body = json!({ "email": format!("u{i:02}@example.com"), "first_name": format!("Ü{i}"),
            "attributes": { "plan": "pro", "seats": i, "nested": { "a": [1, 2.5] } } });
        let (status, _, _) = node.send("POST", "/v1/users", Some(body), &[]).await;
        assert_eq!(status, 201);
    }
    node.send("POST", "/v1/zones", Some(json!({ "identifier": "eu" })), &[]).await;
    node.send("POST", "/v1/zones/eu/users", Some(json!({ "email": "eu@example.com" })), &[]).await;

    let out = roster(&["export", "--zone", "default"], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut expected = listed(&node).await;
    let mut got = lines.clone();
    let by_id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    expected.sort_by_key(by_id);
    got.sort_by_key(by_id);
    assert_eq!(got, expected, "each line is the user as GET returns it (metadata included)");

    let all = roster(&["export"], &db);
    assert_eq!(String::from_utf8_lossy(&all.stdout).lines().count(), 26, "every zone");
    let csv = roster(&["export", "--format", "csv", "--zone", "eu"], &db);
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut rows = text.lines();
    assert!(rows.next().unwrap().starts_with("id,identifier,email,email_verified,first_name"));
    assert!(rows.next().unwrap().contains("eu@example.com"));
    assert_eq!(rows.next(), None);
    let future = roster(&["export", "--since", "2999-01-01T00:00:00Z"], &db);
    assert!(future.status.success());
    assert!(future.stdout.is_empty(), "nothing changed since then");
    let bad = roster(&["export", "--zone", "nowhere"], &db);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nowhere"));
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_opens_as_a_whole_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("live.db").display());
    let node = Node::start(&db).await;
    for i in 0..10 {
        let body = json!({ "email": format!("u{i}@example.com") });
        node.send("POST", "/v1/users", Some(body), &[]).await;
    }
    // Writes go on while the copy is made.
    let (client, base) = (node.client.clone(), node.base.clone());
    let writer = tokio::spawn(async move {
        for i in 0..200 {
            let _ = client
                .post(format!("{base}/v1/users"))
                .bearer_auth(roster_testkit::ADMIN_KEY)
                .json(&json!({ "email": format!("w{i}@example.com") }))
                .send()
                .await;
        }
    });
    let copy = dir.path().join("copy.db");
    let out = roster(&["backup", copy.to_str().unwrap()], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    writer.await.unwrap();
    let again = roster(&["backup", copy.to_str().unwrap()], &db);
    assert!(!again.status.success(), "an existing file is never overwritten");
    let pg = roster(&["backup", "x.db"], "postgres://nobody@127.0.0.1/none");
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));

    // The copy is a database of its own: a server opens it, and what it
    // holds is a consistent moment: every user with its event.
    let restored = Node::start(&format!("sqlite://{}", copy.display())).await;
    let users = listed(&restored).await;
    assert!(users.len() >= 10, "{}", users.len());
    let (status, feed, _) =
        restored.send("GET", "/v1/events?type=user.created&limit=1000", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(feed["data"].as_array().unwrap().len(), users.len());
}
