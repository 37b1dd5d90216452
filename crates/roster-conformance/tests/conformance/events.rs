//! The change feed: every write records exactly its events, in the
//! transaction of the change, and a walk sees each event once, in order.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, TestServer};

use crate::support::{enc, id_of, problem};

/// Every event after `after`, page by page (`limit` per page); returns
/// them and the cursor to go on from.
async fn walk(
    server: &TestServer,
    key: &str,
    query: &str,
    after: Option<String>,
    limit: usize,
) -> (Vec<Value>, Option<String>) {
    let mut events = Vec::new();
    let mut cursor = after;
    loop {
        let mut path = format!("/v1/events?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&after={c}"));
        }
        let r = server.call_as(key, "GET", &path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let page = r.json();
        events.extend(page["data"].as_array().unwrap().iter().cloned());
        let info = &page["page_info"];
        if let Some(end) = info["end_cursor"].as_str() {
            cursor = Some(end.to_owned());
        }
        if info["has_next_page"] != json!(true) {
            return (events, cursor);
        }
    }
}

/// `walk`, repeated until at least `n` events came (PostgreSQL serves an
/// event once every transaction older than its own has ended, in any
/// database of the server, so the newest can lag a moment).
async fn walk_until(
    server: &TestServer,
    key: &str,
    query: &str,
    after: Option<String>,
    n: usize,
) -> (Vec<Value>, Option<String>) {
    let mut events = Vec::new();
    let mut cursor = after;
    for _ in 0..400 {
        let (more, next) = walk(server, key, query, cursor.clone(), 100).await;
        events.extend(more);
        cursor = next;
        if events.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (events, cursor)
}

fn types(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

/// The bootstrap's `zone.created`, then the cursor after it.
async fn past_bootstrap(server: &TestServer) -> Option<String> {
    let (events, cursor) = walk_until(server, ADMIN_KEY, "", None, 1).await;
    assert_eq!(types(&events), ["zone.created"], "a fresh server's feed");
    assert_eq!(events[0]["actor"], json!({ "type": "system", "id": null }));
    cursor
}

async fn admin_key_id(server: &TestServer) -> String {
    let keys = server.get("/v1/api-keys").await.json();
    id_of(&keys["data"][0])
}

pub async fn every_write_records_exactly_its_events_in_the_order_made(server: &TestServer) {
    let start = past_bootstrap(server).await;
    let s = server;
    let ok = |r: roster_testkit::Resp, status: u16| {
        assert_eq!(r.status, status, "{}", r.text());
        if r.text().is_empty() { Value::Null } else { r.json() }
    };
    let zone = ok(s.post("/v1/zones", json!({ "identifier": "eu" })).await, 201);
    ok(s.patch("/v1/zones/eu", json!({ "name": "Europe" })).await, 200);
    let user = ok(s.post("/v1/users", json!({ "email": "ada@example.com" })).await, 201);
    let uid = id_of(&user);
    let updated =
        ok(s.patch(&format!("/v1/users/{uid}"), json!({ "first_name": "Ada" })).await, 200);
    // Nothing changed: nothing recorded.
    ok(s.patch(&format!("/v1/users/{uid}"), json!({ "first_name": "Ada" })).await, 200);
    let role =
        ok(s.post("/v1/roles", json!({ "identifier": "admin", "name": "Admin" })).await, 201);
    ok(s.patch("/v1/roles/admin", json!({ "name": "Administrators" })).await, 200);
    let ra = ok(
        s.post(&format!("/v1/users/{uid}/role-assignments"), json!({ "role_id": id_of(&role) }))
            .await,
        201,
    );
    ok(s.delete(&format!("/v1/users/{uid}/role-assignments/{}", id_of(&ra))).await, 204);
    ok(
        s.post("/v1/providers", json!({ "identifier": "okta", "issuer": "https://okta" })).await,
        201,
    );
    ok(s.patch("/v1/providers/okta", json!({ "issuer": "https://okta.example" })).await, 200);
    let signed = ok(
        s.post(
            "/v1/providers/okta/sign-ins",
            json!({ "subject": "00u1", "claims": { "email": "grace@example.com" } }),
        )
        .await,
        201,
    );
    let session = ok(s.post(&format!("/v1/users/{uid}/sessions"), json!({})).await, 201);
    let sid = id_of(&session);
    ok(s.delete(&format!("/v1/users/{uid}/sessions/{sid}")).await, 204);
    // Revoking again changes nothing: nothing recorded.
    ok(s.delete(&format!("/v1/users/{uid}/sessions/{sid}")).await, 204);
    let grant = ok(
        s.post(
            &format!("/v1/users/{uid}/grants"),
            json!({ "client_id": "app", "resource": "files", "scopes": ["read"] }),
        )
        .await,
        201,
    );
    ok(s.delete(&format!("/v1/users/{uid}/grants/{}", id_of(&grant))).await, 204);
    ok(s.delete("/v1/roles/admin").await, 204);
    ok(s.delete("/v1/providers/okta").await, 204);
    let last_seen = ok(s.get(&format!("/v1/users/{uid}")).await, 200);
    ok(s.delete(&format!("/v1/users/{uid}")).await, 204);
    ok(s.delete(&format!("/v1/users/{}", id_of(&signed["user"]))).await, 204);
    ok(s.delete("/v1/zones/eu").await, 204);

    let (events, _) = walk_until(s, ADMIN_KEY, "", start.clone(), 22).await;
    // Page by page, three at a time, the walk is the same.
    let mut paged = Vec::new();
    let mut cursor = start;
    while paged.len() < events.len() {
        let (page, next) = walk(s, ADMIN_KEY, "", cursor, 3).await;
        paged.extend(page);
        cursor = next;
    }
    assert_eq!(paged, events);
    assert_eq!(
        types(&events),
        [
            "zone.created",
            "zone.updated",
            "user.created",
            "user.updated",
            "role.created",
            "role.updated",
            "role_assignment.created",
            "role_assignment.deleted",
            "provider.created",
            "provider.updated",
            "user.created",
            "session.created",
            "user.signed_in",
            "session.created",
            "session.revoked",
            "grant.created",
            "grant.revoked",
            "role.deleted",
            "provider.deleted",
            // Deleting the provider unlinked the signed-in user: no event of
            // its own (the provider's deletion says it).
            "user.deleted",
            "user.deleted",
            "zone.deleted",
        ]
    );
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
    let key = admin_key_id(s).await;
    let default_zone = s.get("/v1/zones/default").await.json();
    for e in &events {
        assert!(e["id"].as_str().unwrap().starts_with("evt_"), "{e}");
        let actor = if e["type"] == "user.signed_in" {
            json!({ "type": "user", "id": signed["user"]["id"] })
        } else {
            json!({ "type": "api_key", "id": key })
        };
        assert_eq!(e["actor"], actor, "{e}");
        let zone_id = if e["type"].as_str().unwrap().starts_with("zone.") {
            &zone["id"]
        } else {
            &default_zone["id"]
        };
        assert_eq!(&e["zone_id"], zone_id, "{e}");
        assert_eq!(e["organization_id"], default_zone["organization_id"]);
    }
    // Each object is what GET answered at that moment.
    assert_eq!(events[2]["data"]["object"], user);
    assert_eq!(events[3]["data"]["object"], updated);
    assert_eq!(events[3]["data"]["changed_fields"], json!(["first_name"]));
    assert!(events[2]["data"].get("changed_fields").is_none());
    assert_eq!(events[6]["data"]["object"], ra);
    assert_eq!(events[11]["data"]["object"], signed["session"]);
    assert_eq!(events[13]["data"]["object"], session);
    assert_eq!(events[14]["data"]["object"]["status"], "revoked");
    assert_eq!(events[15]["data"]["object"], grant);
    assert_eq!(events[19]["data"]["object"], last_seen, "a deleted user as it was");
    assert_eq!(events[21]["data"]["object"]["name"], "Europe");
}

pub async fn a_refused_write_records_no_event(server: &TestServer) {
    let start = past_bootstrap(server).await;
    let user = server.create_user(json!({ "email": "ada@example.com" })).await;
    let uid = id_of(&user);
    let (before, cursor) = walk_until(server, ADMIN_KEY, "", start, 1).await;
    assert_eq!(types(&before), ["user.created"]);
    // A conflict, a stale If-Match, a bad body, a missing reference, an
    // unknown user: each refused, none recorded.
    let r = server.post("/v1/users", json!({ "email": "ADA@example.com" })).await;
    problem(&r, 409, "conflict");
    let stale = server
        .request("PATCH", &format!("/v1/users/{uid}"))
        .bearer_auth(ADMIN_KEY)
        .header("if-match", "\"01ARZ3NDEKTSV4RRFFQ69G5FAV-9\"")
        .json(&json!({ "first_name": "X" }));
    assert_eq!(roster_testkit::send(stale).await.status, 412);
    let r = server.patch(&format!("/v1/users/{uid}"), json!({ "email": "not an email" })).await;
    assert_eq!(r.status, 400);
    let r = server
        .post(
            "/v1/users",
            json!({ "email": "b@example.com", "provider_id": "idp_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = server.delete("/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert_eq!(r.status, 404);
    let r = server.delete("/v1/zones/default").await;
    problem(&r, 409, "zone_not_empty");
    // A write that succeeds after them: once its event is in, every event
    // before it is too, and it must be the only one.
    let marker = server.create_user(json!({ "email": "marker@example.com" })).await;
    let (after, _) = walk_until(server, ADMIN_KEY, "", cursor, 1).await;
    assert_eq!(types(&after), ["user.created"], "refused writes recorded {after:?}");
    assert_eq!(after[0]["data"]["object"], marker);
}

pub async fn a_feed_walk_during_writes_on_two_nodes_sees_every_event_once_in_order(
    server: &TestServer,
) {
    let start = past_bootstrap(server).await;
    let other =
        TestServer::builder(server.backend).database_url(server.database_url.clone()).start().await;
    const WRITERS: usize = 4;
    const USERS: usize = 40;
    let writer = |node: &TestServer, w: usize| {
        let node_url = node.url("");
        async move {
            let http = reqwest::Client::new();
            let mut made = Vec::new();
            for i in 0..USERS {
                let email = format!("w{w}-{i}@example.com");
                let r = http
                    .post(format!("{node_url}/v1/users"))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({ "email": email }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
                // A second change to the same user: its events must come out
                // in the order they were made.
                let r = http
                    .patch(format!("{node_url}/v1/users/{id}"))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({ "first_name": format!("N{i}") }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                made.push(id);
            }
            made
        }
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(if w % 2 == 0 { server } else { &other }, w)))
        .collect();
    // Read while they write, from both nodes in turn, in small pages.
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor = start;
    let mut reads = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        let node = if reads % 2 == 0 { server } else { &other };
        let (page, next) = walk(node, ADMIN_KEY, "", cursor.clone(), 7).await;
        seen.extend(page);
        cursor = next;
        reads += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut made = HashSet::new();
    for w in writers {
        made.extend(w.await.unwrap());
    }
    let missing = 2 * WRITERS * USERS - seen.len().min(2 * WRITERS * USERS);
    let (rest, _) = walk_until(server, ADMIN_KEY, "", cursor, missing).await;
    seen.extend(rest);
    assert!(reads > 1, "the feed was read while the writes went on");

    let ids: Vec<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an event was seen twice");
    assert_eq!(seen.len(), 2 * WRITERS * USERS, "every event of every write, no more");
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for e in &seen {
        let user = e["data"]["object"]["id"].as_str().unwrap().to_owned();
        order.entry(user).or_default().push(e["type"].as_str().unwrap().to_owned());
    }
    let users: HashSet<String> = order.keys().cloned().collect();
    assert_eq!(users, made);
    for (user, kinds) in &order {
        assert_eq!(kinds, &["user.created", "user.updated"], "the events of {user}");
    }
    other.stop().await;
}

pub async fn type_and_zone_filters_select_events_and_a_short_page_still_moves_on(
    server: &TestServer,
) {
    past_bootstrap(server).await;
    server.post("/v1/zones", json!({ "identifier": "eu" })).await;
    let a = server.create_user(json!({ "email": "a@example.com" })).await;
    let b = server.post("/v1/zones/eu/users", json!({ "email": "b@example.com" })).await.json();
    server.post("/v1/roles", json!({ "identifier": "ops", "name": "Ops" })).await;
    server.delete(&format!("/v1/users/{}", id_of(&a))).await;

    walk_until(server, ADMIN_KEY, "", None, 6).await;
    let (events, _) = walk(server, ADMIN_KEY, "&type=user.*", None, 100).await;
    assert_eq!(types(&events), ["user.created", "user.created", "user.deleted"]);
    let (events, _) = walk(server, ADMIN_KEY, "&type=role.created,zone.*", None, 100).await;
    assert_eq!(types(&events), ["zone.created", "zone.created", "role.created"]);
    let (events, _) = walk(server, ADMIN_KEY, "&zone=eu", None, 100).await;
    assert_eq!(types(&events), ["zone.created", "user.created"]);
    assert_eq!(events[1]["data"]["object"], b);
    let eu = server.get("/v1/zones/eu").await.json();
    let by_id = format!("&zone={}", enc(eu["id"].as_str().unwrap()));
    assert_eq!(walk(server, ADMIN_KEY, &by_id, None, 100).await.0, events);
    // A page of a sparse filter: shorter than asked, and its cursor is past
    // what the filter skipped, so polling from it sees only what is new.
    let (_, end) = walk(server, ADMIN_KEY, "&type=role_assignment.*", None, 100).await;
    let end = end.expect("a cursor past the skipped events");
    server.create_user(json!({ "email": "c@example.com" })).await;
    let (events, _) = walk_until(server, ADMIN_KEY, "", Some(end), 1).await;
    assert_eq!(types(&events), ["user.created"]);
}

/// The user an event's object belongs to: the user itself, or the user of
/// a session, grant or role assignment.
fn user_of(event: &Value) -> Option<&str> {
    let object = &event["data"]["object"];
    if event["type"].as_str().unwrap().starts_with("user.") {
        object["id"].as_str()
    } else {
        object["user_id"].as_str()
    }
}

pub async fn the_user_id_filter_walks_one_users_events_in_order_with_types_and_cursors(
    server: &TestServer,
) {
    let start = past_bootstrap(server).await;
    let s = server;
    let ok = |r: roster_testkit::Resp, status: u16| {
        assert_eq!(r.status, status, "{}", r.text());
        if r.text().is_empty() { Value::Null } else { r.json() }
    };
    let a = id_of(&s.create_user(json!({ "email": "a@example.com" })).await);
    let b = id_of(&s.create_user(json!({ "email": "b@example.com" })).await);
    let role = ok(s.post("/v1/roles", json!({ "identifier": "ops", "name": "Ops" })).await, 201);
    let assign = |user: String| {
        let body = json!({ "role_id": id_of(&role) });
        async move { ok(s.post(&format!("/v1/users/{user}/role-assignments"), body).await, 201) }
    };
    let ra = assign(a.clone()).await;
    assign(b.clone()).await;
    let session = ok(s.post(&format!("/v1/users/{a}/sessions"), json!({})).await, 201);
    ok(s.post(&format!("/v1/users/{b}/sessions"), json!({})).await, 201);
    let grant = json!({ "client_id": "app", "resource": "files", "scopes": ["read"] });
    let grant = ok(s.post(&format!("/v1/users/{a}/grants"), grant).await, 201);
    ok(s.patch(&format!("/v1/users/{a}"), json!({ "first_name": "Ada" })).await, 200);
    ok(s.delete(&format!("/v1/users/{a}/sessions/{}", id_of(&session))).await, 204);
    ok(s.delete(&format!("/v1/users/{a}/grants/{}", id_of(&grant))).await, 204);
    ok(s.delete(&format!("/v1/users/{a}/role-assignments/{}", id_of(&ra))).await, 204);
    ok(s.patch("/v1/roles/ops", json!({ "name": "Operations" })).await, 200);
    ok(s.delete(&format!("/v1/users/{a}")).await, 204);

    // zone.created is behind `start`: 2 users, role, 2 assignments, 2
    // sessions, grant, update, 3 revocations, role update, deletion.
    let (all, _) = walk_until(s, ADMIN_KEY, "", start, 14).await;
    let of_a = format!("&user_id={a}");
    let (events, end) = walk(s, ADMIN_KEY, &of_a, None, 100).await;
    assert_eq!(
        types(&events),
        [
            "user.created",
            "role_assignment.created",
            "session.created",
            "grant.created",
            "user.updated",
            "session.revoked",
            "grant.revoked",
            "role_assignment.deleted",
            "user.deleted",
        ]
    );
    // Exactly the whole feed's events about `a`, in its order, as it
    // renders them: no other user's, no role's, no zone's.
    let expected: Vec<Value> =
        all.iter().filter(|e| user_of(e) == Some(a.as_str())).cloned().collect();
    assert_eq!(events, expected);
    // A user's id is read in either case, as everywhere.
    let lower = format!("&user_id={}", a.to_ascii_lowercase());
    assert_eq!(walk(s, ADMIN_KEY, &lower, None, 100).await.0, events);

    // Page by page, two at a time, following the cursor: the same walk.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/events?limit=2{of_a}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&after={c}"));
        }
        let page = s.get(&path).await.json();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2, "{page}");
        paged.extend(data.iter().cloned());
        cursor = page["page_info"]["end_cursor"].as_str().map(str::to_owned);
        if page["page_info"]["has_next_page"] != json!(true) {
            break;
        }
    }
    assert_eq!(paged, events);
    assert_eq!(cursor, end);

    // With `type` too, both filters hold.
    let sessions = format!("{of_a}&type=session.*,grant.revoked");
    let (filtered, _) = walk(s, ADMIN_KEY, &sessions, None, 100).await;
    assert_eq!(types(&filtered), ["session.created", "session.revoked", "grant.revoked"]);
    let of_b = format!("&user_id={b}&type=role_assignment.*");
    let (filtered, _) = walk(s, ADMIN_KEY, &of_b, None, 100).await;
    assert_eq!(types(&filtered), ["role_assignment.created"]);
    assert_eq!(filtered[0]["data"]["object"]["user_id"], json!(b));

    // Polling from a filtered walk's end: only what is new about that user.
    let (_, b_end) = walk(s, ADMIN_KEY, &format!("&user_id={b}"), None, 100).await;
    s.create_user(json!({ "email": "c@example.com" })).await;
    ok(s.patch(&format!("/v1/users/{b}"), json!({ "last_name": "B" })).await, 200);
    let (new, _) = walk_until(s, ADMIN_KEY, &format!("&user_id={b}"), b_end, 1).await;
    assert_eq!(types(&new), ["user.updated"]);
    assert_eq!(new[0]["data"]["changed_fields"], json!(["last_name"]));

    // A user without events: an empty page, with no cursor to poll from.
    let r = s.get("/v1/events?user_id=user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.json();
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["page_info"]["end_cursor"], Value::Null);
    assert_eq!(page["page_info"]["has_next_page"], json!(false));
}

pub async fn a_zone_limited_key_sees_a_users_events_only_in_its_zones_and_no_sign_of_other_users(
    server: &TestServer,
) {
    past_bootstrap(server).await;
    server.post("/v1/zones", json!({ "identifier": "eu" })).await;
    let eu = server.get("/v1/zones/eu").await.json();
    let home = id_of(&server.create_user(json!({ "email": "a@example.com" })).await);
    let r = server.post("/v1/zones/eu/users", json!({ "email": "b@example.com" })).await;
    let abroad = id_of(&r.json());
    let r = server.post(&format!("/v1/zones/eu/users/{abroad}/sessions"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    walk_until(server, ADMIN_KEY, "", None, 5).await;

    let eu_only = server.create_key(&["events:read"], Some(&[eu["id"].as_str().unwrap()])).await;
    let (events, _) = walk(server, &eu_only, &format!("&user_id={abroad}"), None, 100).await;
    assert_eq!(types(&events), ["user.created", "session.created"]);
    assert!(events.iter().all(|e| e["zone_id"] == eu["id"]));
    let with_zone = format!("&user_id={abroad}&zone=eu");
    assert_eq!(walk(server, &eu_only, &with_zone, None, 100).await.0, events);

    // A user of a zone the key may not see answers exactly as a user that
    // never existed: no event, no cursor, not a 404 that would say it
    // exists. (A `zone` the key may not see is a 404, as ever: the key
    // knows its own zones.)
    let page = |key: String, query: String| async move {
        let r = server.call_as(&key, "GET", &format!("/v1/events?{query}"), None).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        r.json()
    };
    let hidden = page(eu_only.clone(), format!("user_id={home}")).await;
    let nobody = page(eu_only.clone(), "user_id=user_01ARZ3NDEKTSV4RRFFQ69G5FAV".into()).await;
    assert_eq!(hidden, nobody);
    assert_eq!(hidden["data"], json!([]));
    assert_eq!(hidden["page_info"]["end_cursor"], Value::Null);
    let r = server
        .call_as(&eu_only, "GET", &format!("/v1/events?user_id={home}&zone=default"), None)
        .await;
    problem(&r, 404, "not_found");
    // An unrestricted key sees both, and `zone` narrows it (AND).
    let (events, _) = walk(server, ADMIN_KEY, &format!("&user_id={home}"), None, 100).await;
    assert_eq!(types(&events), ["user.created"]);
    let crossed = format!("&user_id={home}&zone=eu");
    assert!(walk(server, ADMIN_KEY, &crossed, None, 100).await.0.is_empty());
}

pub async fn the_feed_shows_each_key_only_its_zones_and_its_metadata_rule(server: &TestServer) {
    past_bootstrap(server).await;
    server.post("/v1/zones", json!({ "identifier": "eu" })).await;
    let eu = server.get("/v1/zones/eu").await.json();
    server.create_user(json!({ "email": "a@example.com" })).await;
    server.post("/v1/zones/eu/users", json!({ "email": "b@example.com" })).await;

    let eu_id = eu["id"].as_str().unwrap();
    let eu_only = server.create_key(&["events:read"], Some(&[eu_id])).await;
    walk_until(server, ADMIN_KEY, "", None, 4).await;
    let (events, _) = walk(server, &eu_only, "", None, 100).await;
    assert_eq!(types(&events), ["zone.created", "user.created"]);
    assert!(events[1]["data"]["object"].get("created_by").is_none(), "no users:metadata");
    let r = server.call_as(&eu_only, "GET", "/v1/events?zone=default", None).await;
    problem(&r, 404, "not_found");

    let with_metadata = server.create_key(&["events:read", "users:metadata"], None).await;
    let (events, _) = walk(server, &with_metadata, "&type=user.created", None, 100).await;
    assert_eq!(events.len(), 2);
    assert!(events[0]["data"]["object"]["created_by"].as_str().unwrap().starts_with("key_"));

    let reader = server.create_key(&["users:read", "users:write"], None).await;
    let r = server.call_as(&reader, "GET", "/v1/events", None).await;
    problem(&r, 403, "insufficient_scope");
}

pub async fn bad_feed_parameters_answer_400_naming_the_parameter(server: &TestServer) {
    for (query, param) in [
        ("type=user.exploded", "type"),
        ("type=nothing.*", "type"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=nonsense", "after"),
        ("since=2020-01-01T00:00:00Z", "since"),
        ("user_id=zone_01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_id"),
        ("user_id=ada@example.com", "user_id"),
        (
            "user_id=user_01ARZ3NDEKTSV4RRFFQ69G5FAV&user_id=user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "user_id",
        ),
    ] {
        let r = server.get(&format!("/v1/events?{query}")).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        assert_eq!(r.json()["param"], param, "{query}");
    }
    let r = server.get("/v1/events?zone=nowhere").await;
    problem(&r, 404, "not_found");
}

pub async fn a_cursor_older_than_retention_answers_410_cursor_expired(server: &TestServer) {
    server.create_user(json!({ "email": "a@example.com" })).await;
    server.create_user(json!({ "email": "b@example.com" })).await;
    // The feed shows only settled events: on PostgreSQL, those below the
    // oldest transaction running anywhere in the cluster, which on a busy
    // CI machine (other tests' databases) can hold them back a while.
    let mut stale = None;
    for _ in 0..400 {
        let first = server.get("/v1/events?limit=1").await.json();
        stale = first["page_info"]["end_cursor"].as_str().map(str::to_owned);
        if stale.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let stale = stale.expect("the oldest event settles");
    let (_, newest) = walk_until(server, ADMIN_KEY, "&type=user.created", None, 2).await;
    // Then a second node on the same database, keeping events for one
    // second: started before the reads above, its purge could remove the
    // events before they were read.
    let short = TestServer::builder(server.backend)
        .database_url(server.database_url.clone())
        .settings(|s| s.service.event_retention = Duration::from_secs(1))
        .start()
        .await;
    let mut expired = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = server.get(&format!("/v1/events?after={stale}")).await;
        if r.status == 410 {
            expired = Some(r);
            break;
        }
    }
    let r = expired.expect("the old cursor expired once retention passed");
    let p = problem(&r, 410, "cursor_expired");
    assert_eq!(p["param"], "after");
    // A consumer that had read everything goes on: nothing was lost to it.
    let r = server.get(&format!("/v1/events?after={}", newest.unwrap())).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"], json!([]));
    // Without a cursor, the feed starts at the oldest event kept.
    let r = server.get("/v1/events").await;
    assert_eq!(r.status, 200, "{}", r.text());
    short.stop().await;
}
