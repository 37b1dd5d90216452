//! `POST /v1/users/batch`: each operation's own result, or all or nothing.

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, TestServer, send};

use crate::support::{id_of, problem};

async fn batch(server: &TestServer, body: Value) -> roster_testkit::Resp {
    server.post("/v1/users/batch", body).await
}

async fn total(server: &TestServer) -> Value {
    server.get("/v1/users").await.json()["total_count"].clone()
}

/// How many user events the feed holds before a marker write made now:
/// once the marker's event is served, every event before it is too
/// (PostgreSQL serves events once older transactions ended).
async fn user_events(server: &TestServer) -> usize {
    let marker =
        server.create_user(json!({ "email": format!("marker-{}@example.com", rand_tag()) })).await;
    for _ in 0..400 {
        let page = server.get("/v1/events?type=user.*&limit=1000").await.json();
        let data = page["data"].as_array().unwrap();
        if let Some(at) = data.iter().position(|e| e["data"]["object"]["id"] == marker["id"]) {
            server.delete(&format!("/v1/users/{}", id_of(&marker))).await;
            // Before the marker: the events counted; the marker's own and
            // its deletion's are not.
            return at - markers_before(data, at);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the marker's event never came");
}

/// Earlier markers' events (created and deleted) among the first `at`.
fn markers_before(data: &[Value], at: usize) -> usize {
    data[..at]
        .iter()
        .filter(|e| e["data"]["object"]["email"].as_str().is_some_and(|m| m.starts_with("marker-")))
        .count()
}

fn rand_tag() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

pub async fn a_batch_answers_each_operations_own_result_in_order(server: &TestServer) {
    let ada = server.create_user(json!({ "email": "ada@example.com" })).await;
    let old = server.create_user(json!({ "email": "old@example.com" })).await;
    let events_before = user_events(server).await;
    let r = batch(
        server,
        json!({ "operations": [
            { "op": "create", "body": { "email": "new@example.com", "first_name": "New" } },
            { "op": "create", "body": { "email": "ADA@example.com" } },
            { "op": "update", "id": id_of(&ada), "body": { "last_name": "Lovelace" } },
            { "op": "update", "id": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV", "body": { "name": "x" } },
            { "op": "delete", "id": id_of(&old), "if_match": "\"01ARZ3NDEKTSV4RRFFQ69G5FAV-9\"" },
            { "op": "delete", "id": id_of(&old) },
            { "op": "create", "body": { "email": "not an email" } },
        ] }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let results = r.json()["results"].as_array().unwrap().clone();
    let statuses: Vec<u64> = results.iter().map(|x| x["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 409, 200, 404, 412, 204, 400]);
    assert_eq!(results[0]["body"]["email"], "new@example.com");
    assert_eq!(results[2]["body"]["last_name"], "Lovelace");
    let params: Vec<Value> = results.iter().map(|x| x["problem"]["param"].clone()).collect();
    assert_eq!(params[1], "operations[1].body.email");
    assert_eq!(results[1]["problem"]["code"], "conflict");
    assert_eq!(params[3], "operations[3].id");
    assert_eq!(params[4], "operations[4].if_match");
    assert_eq!(params[6], "operations[6].body.email");
    assert!(results[5].get("body").is_none() && results[5].get("problem").is_none());
    // What failed changed nothing; what succeeded is there, with its events.
    let users = server.get("/v1/users?limit=100").await.json();
    let emails: Vec<&str> =
        users["data"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert!(emails.contains(&"new@example.com") && emails.contains(&"ada@example.com"));
    let created = server.get(&format!("/v1/users/{}", id_of(&results[0]["body"]))).await.json();
    assert_eq!(created, results[0]["body"]);
    assert_eq!(user_events(server).await, events_before + 3, "created, updated, deleted");
}

pub async fn an_atomic_batch_applies_every_operation_or_none(server: &TestServer) {
    server.create_user(json!({ "email": "ada@example.com" })).await;
    let (users_before, events_before) = (total(server).await, user_events(server).await);
    let r = batch(
        server,
        json!({ "atomic": true, "operations": [
            { "op": "create", "body": { "email": "one@example.com" } },
            { "op": "create", "body": { "email": "two@example.com" } },
            { "op": "create", "body": { "email": "ada@example.com" } },
            { "op": "create", "body": { "email": "four@example.com" } },
        ] }),
    )
    .await;
    let p = problem(&r, 409, "conflict");
    assert_eq!(p["param"], "operations[2].body.email");
    assert_eq!(total(server).await, users_before, "nothing applied");
    assert_eq!(user_events(server).await, events_before, "no event of an undone operation");
    // A body that does not read fails the batch before anything runs.
    let r = batch(
        server,
        json!({ "atomic": true, "operations": [
            { "op": "create", "body": { "email": "one@example.com" } },
            { "op": "create", "body": { "email": "one@example.com", "nickname": "x" } },
        ] }),
    )
    .await;
    let p = problem(&r, 400, "invalid_body");
    assert_eq!(p["param"], "operations[1].body.nickname");
    assert_eq!(total(server).await, users_before);
    let r = batch(
        server,
        json!({ "atomic": true, "operations": [
            { "op": "create", "body": { "email": "one@example.com" } },
            { "op": "create", "body": { "email": "two@example.com" } },
        ] }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let statuses: Vec<Value> =
        r.json()["results"].as_array().unwrap().iter().map(|x| x["status"].clone()).collect();
    assert_eq!(statuses, [json!(201), json!(201)]);
    assert_eq!(total(server).await, json!(users_before.as_u64().unwrap() + 2));
}

pub async fn a_batch_retried_with_its_idempotency_key_runs_once(server: &TestServer) {
    let body =
        json!({ "operations": [{ "op": "create", "body": { "email": "once@example.com" } }] });
    let post = || {
        server
            .request("POST", "/v1/users/batch")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", "batch-1")
            .body(body.to_string())
    };
    let first = send(post()).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = send(post()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), first.json(), "the first answer, replayed");
    assert_eq!(total(server).await, 1);
}

pub async fn a_malformed_batch_is_refused_whole_and_changes_nothing(server: &TestServer) {
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "op": "create", "body": { "email": format!("u{i}@example.com") } }))
        .collect();
    for (body, param) in [
        (json!({ "operations": [] }), "operations"),
        (json!({ "operations": many }), "operations"),
        (json!({}), "operations"),
        (json!({ "operations": [], "dry_run": true }), "dry_run"),
        (json!({ "atomic": "yes", "operations": [] }), "atomic"),
        (
            json!({ "operations": [{ "op": "create", "body": { "email": "a@example.com" } }, { "op": "upsert" }] }),
            "operations[1].op",
        ),
        (json!({ "operations": [{ "op": "update", "body": {} }] }), "operations[0].id"),
        (json!({ "operations": [{ "op": "create" }] }), "operations[0].body"),
        (
            json!({ "operations": [{ "op": "delete", "id": "x", "body": {} }] }),
            "operations[0].body",
        ),
        (json!({ "operations": [7] }), "operations[0]"),
    ] {
        let r = batch(server, body.clone()).await;
        let p = problem(&r, 400, "invalid_body");
        assert_eq!(p["param"], param, "{body}");
    }
    assert_eq!(total(server).await, 0);
    let reader = server.create_key(&["users:read"], None).await;
    let r =
        server.call_as(&reader, "POST", "/v1/users/batch", Some(json!({ "operations": [] }))).await;
    problem(&r, 403, "insufficient_scope");
}

pub async fn a_batch_in_a_zone_writes_that_zones_users(server: &TestServer) {
    server.post("/v1/zones", json!({ "identifier": "eu" })).await;
    let r = server
        .post(
            "/v1/zones/eu/users/batch",
            json!({ "operations": [{ "op": "create", "body": { "email": "eu@example.com" } }] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let eu = server.get("/v1/zones/eu").await.json();
    assert_eq!(r.json()["results"][0]["body"]["zone_id"], eu["id"]);
    assert_eq!(server.get("/v1/zones/eu/users").await.json()["total_count"], 1);
    assert_eq!(total(server).await, 0, "not in the default zone");
}

/// Batches that update users while single updates race them: a user's
/// events come in the feed in the order its changes were made, so its last
/// event is the user as stored. (On PostgreSQL the feed orders by
/// transaction id; a batch takes its id at its first write and could lock a
/// user a younger transaction changed before it.)
pub async fn a_users_events_stay_in_order_when_batches_race_single_updates(server: &TestServer) {
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(id_of(
            &server.create_user(json!({ "email": format!("race{i}@example.com") })).await,
        ));
    }
    let ids = &ids;
    let batches = (0..3).map(|w| async move {
        for n in 0..12 {
            let (a, b) = (&ids[(w + n) % 4], &ids[(w + n + 1) % 4]);
            // Creates first: the batch's transaction starts well before
            // it reaches the users the single updates change.
            let mut operations: Vec<Value> = (0..30)
                .map(|k| json!({ "op": "create", "body": { "email": format!("b{w}-{n}-{k}@example.com") } }))
                .collect();
            for id in [a, b] {
                operations.push(json!({ "op": "update", "id": id, "body": { "last_name": format!("b{w}-{n}") } }));
            }
            let r = batch(server, json!({ "operations": operations })).await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
    });
    let singles = (0..3).map(|w| async move {
        for n in 0..24 {
            let id = &ids[(w * 3 + n) % 4];
            let r = server
                .patch(&format!("/v1/users/{id}"), json!({ "last_name": format!("s{w}-{n}") }))
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
    });
    futures::future::join(futures::future::join_all(batches), futures::future::join_all(singles))
        .await;
    let last = last_names_in_the_feed(server).await;
    for id in ids {
        let stored = server.get(&format!("/v1/users/{id}")).await.json();
        assert_eq!(last[id], stored["last_name"], "{id}: the feed's last change is the stored one");
    }
}

/// Each user's `last_name` in its last `user.updated` event, once every
/// change made so far is served (a marker made after them all is).
async fn last_names_in_the_feed(server: &TestServer) -> std::collections::HashMap<String, Value> {
    // Every change is served once a marker made after them all is.
    let marker = id_of(&server.create_user(json!({ "email": "race-marker@example.com" })).await);
    let mut last: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
    let mut after: Option<String> = None;
    let mut seen_marker = false;
    for _ in 0..400 {
        let mut path = "/v1/events?type=user.*&limit=1000".to_owned();
        if let Some(c) = &after {
            path.push_str(&format!("&after={c}"));
        }
        let page = server.get(&path).await.json();
        for e in page["data"].as_array().unwrap() {
            let object = &e["data"]["object"];
            let id = object["id"].as_str().unwrap().to_owned();
            seen_marker |= id == marker;
            if e["type"] == "user.updated" {
                last.insert(id, object["last_name"].clone());
            }
        }
        after = page["page_info"]["end_cursor"].as_str().map(str::to_owned).or(after);
        if seen_marker {
            break;
        }
        if page["page_info"]["has_next_page"] != json!(true) {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
    assert!(seen_marker, "the marker's event never came");
    last
}

/// The case the race above can only hope to hit, made to happen: a batch
/// waits for a user another transaction holds, while a single update of a
/// later user of the batch commits; the feed still ends with the change
/// stored last. (On SQLite writes take turns: nothing waits.)
pub async fn a_batch_that_waits_for_a_user_keeps_each_users_events_in_order(server: &TestServer) {
    // v first: its id sorts first, so a batch that locks in id order waits
    // for v before it reaches u.
    let v = id_of(&server.create_user(json!({ "email": "v@example.com" })).await);
    let u = id_of(&server.create_user(json!({ "email": "u@example.com" })).await);
    let holder = match server.backend {
        roster_testkit::Backend::Postgres => {
            let (client, conn) =
                tokio_postgres::connect(&server.database_url, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(
                    "BEGIN; SELECT 1 FROM users WHERE email = 'v@example.com' FOR UPDATE",
                )
                .await
                .unwrap();
            Some(client)
        }
        _ => None,
    };
    let the_batch = batch(
        server,
        json!({ "operations": [
            { "op": "create", "body": { "email": "n@example.com" } },
            { "op": "update", "id": v, "body": { "last_name": "batch" } },
            { "op": "update", "id": u, "body": { "last_name": "batch" } },
        ]}),
    );
    let meanwhile = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let path = format!("/v1/users/{u}");
        let single = server.patch(&path, json!({ "last_name": "single" }));
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            if let Some(holder) = &holder {
                holder.batch_execute("COMMIT").await.unwrap();
            }
        };
        let (r, ()) = futures::future::join(single, release).await;
        assert_eq!(r.status, 200, "{}", r.text());
    };
    let (r, ()) = futures::future::join(the_batch, meanwhile).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let last = last_names_in_the_feed(server).await;
    for id in [&u, &v] {
        let stored = server.get(&format!("/v1/users/{id}")).await.json();
        assert_eq!(last[id], stored["last_name"], "{id}: the feed's last change is the stored one");
    }
}
