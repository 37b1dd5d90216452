//! `Idempotency-Key` on POST: replay, reuse with another body, in-use.

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, Resp, TestServer, send};

use crate::support::*;

async fn post_with_key(
    server: &TestServer,
    secret: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> Resp {
    send(
        server
            .request("POST", path)
            .bearer_auth(secret)
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(body.to_string()),
    )
    .await
}

pub async fn the_same_idempotency_key_and_body_replays_the_first_response(server: &TestServer) {
    let body = json!({"email": "idem@example.com", "first_name": "Idem"});
    let first = post_with_key(server, ADMIN_KEY, "/v1/users", "create-idem-1", &body).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_ne!(
        first.header("idempotent-replayed"),
        Some("true"),
        "the first response is not a replay"
    );
    for _ in 0..2 {
        let again = post_with_key(server, ADMIN_KEY, "/v1/users", "create-idem-1", &body).await;
        assert_eq!(again.status, 201, "{}", again.text());
        assert_eq!(again.json(), first.json(), "replayed body");
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.header("location"), first.header("location"));
        let ct = again.header("content-type").unwrap_or_default();
        assert!(ct.starts_with("application/json"), "{ct}");
    }
    let listed = get_ok(server, "/v1/users").await;
    assert_eq!(listed["total_count"], json!(1), "one user, not three");
    assert_eq!(ids(&listed), vec![id_of(&first.json())]);

    // The replay is the first response even after the user changed or went.
    let id = id_of(&first.json());
    server.patch(&format!("/v1/users/{id}"), json!({"first_name": "Changed"})).await;
    server.delete(&format!("/v1/users/{id}")).await;
    let again = post_with_key(server, ADMIN_KEY, "/v1/users", "create-idem-1", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json());
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn the_same_idempotency_key_with_another_body_answers_422_idempotency_key_reused(
    server: &TestServer,
) {
    let first = post_with_key(
        server,
        ADMIN_KEY,
        "/v1/users",
        "reuse-me",
        &json!({"email": "one@example.com"}),
    )
    .await;
    assert_eq!(first.status, 201);
    let r = post_with_key(
        server,
        ADMIN_KEY,
        "/v1/users",
        "reuse-me",
        &json!({"email": "two@example.com"}),
    )
    .await;
    problem(&r, 422, "idempotency_key_reused");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
    // The original still replays.
    let again = post_with_key(
        server,
        ADMIN_KEY,
        "/v1/users",
        "reuse-me",
        &json!({"email": "one@example.com"}),
    )
    .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json());
}

pub async fn idempotency_keys_are_scoped_to_the_api_key(server: &TestServer) {
    let (other, _) = key(server, &["users:write"], None).await;
    let a = post_with_key(
        server,
        ADMIN_KEY,
        "/v1/users",
        "shared-key",
        &json!({"email": "a@example.com"}),
    )
    .await;
    assert_eq!(a.status, 201);
    let b = post_with_key(
        server,
        &other,
        "/v1/users",
        "shared-key",
        &json!({"email": "b@example.com"}),
    )
    .await;
    assert_eq!(b.status, 201, "another API key's Idempotency-Key is another key: {}", b.text());
    assert_ne!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(2));
}

pub async fn error_responses_below_500_are_replayed_too(server: &TestServer) {
    // A 400 is stored and replayed.
    let bad = json!({"email": "not-an-email"});
    let first = post_with_key(server, ADMIN_KEY, "/v1/users", "err-400", &bad).await;
    invalid_body(&first, "email");
    let again = post_with_key(server, ADMIN_KEY, "/v1/users", "err-400", &bad).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let ct = again.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("application/problem+json"), "{ct}");

    // A 409 is stored: the retry replays the conflict even once the
    // conflicting user is gone.
    let existing = server.create_user(json!({"email": "taken@example.com"})).await;
    let body = json!({"email": "taken@example.com", "first_name": "Late"});
    let first = post_with_key(server, ADMIN_KEY, "/v1/users", "err-409", &body).await;
    problem_param(&first, 409, "conflict", "email");
    server.delete(&format!("/v1/users/{}", id_of(&existing))).await;
    let again = post_with_key(server, ADMIN_KEY, "/v1/users", "err-409", &body).await;
    assert_eq!(again.status, 409, "{}", again.text());
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn a_concurrent_request_with_the_same_key_answers_409_idempotency_key_in_use(
    server: &TestServer,
) {
    // Fire bursts of identical requests until two overlap; every answer is
    // the one creation (original or replay) or 409 idempotency_key_in_use.
    let mut saw_in_use = false;
    for round in 0..20 {
        let key = format!("burst-{round}");
        let body = json!({"email": format!("burst{round}@example.com")});
        let requests = (0..12).map(|_| {
            let req = server
                .request("POST", "/v1/users")
                .bearer_auth(ADMIN_KEY)
                .header("content-type", "application/json")
                .header("idempotency-key", key.as_str())
                .body(body.to_string());
            send(req)
        });
        let answers = futures::future::join_all(requests).await;
        let mut created: Option<Value> = None;
        for r in &answers {
            match r.status {
                201 => {
                    let u = r.json();
                    if let Some(c) = &created {
                        assert_eq!(c, &u, "two different users for one Idempotency-Key");
                    }
                    created = Some(u);
                }
                409 => {
                    problem(r, 409, "idempotency_key_in_use");
                    saw_in_use = true;
                }
                other => panic!("unexpected {other}: {}", r.text()),
            }
        }
        assert!(created.is_some(), "no request of the burst created the user");
        let listed = page(server, "/v1/users", &format!("email=burst{round}%40example.com")).await;
        assert_eq!(listed["total_count"], json!(1));
        if saw_in_use {
            break;
        }
    }
    assert!(saw_in_use, "no overlapping request was answered 409 idempotency_key_in_use");
}

pub async fn a_malformed_idempotency_key_answers_400_naming_the_header(server: &TestServer) {
    let body = json!({"email": "k@example.com"});
    for bad in ["".to_owned(), "k".repeat(256), "tab\there".to_owned(), "a space".to_owned()] {
        let r = post_with_key(server, ADMIN_KEY, "/v1/users", &bad, &body).await;
        invalid_parameter(&r, "Idempotency-Key");
    }
    let r = send(
        server
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
            )
            .body(body.to_string()),
    )
    .await;
    invalid_parameter(&r, "Idempotency-Key");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
    // 255 characters is fine.
    let r = post_with_key(server, ADMIN_KEY, "/v1/users", &"k".repeat(255), &body).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

pub async fn idempotency_applies_under_the_zone_path_too(server: &TestServer) {
    create_zone(server, "idem").await;
    let body = json!({"email": "z@example.com"});
    let first = post_with_key(server, ADMIN_KEY, "/v1/zones/idem/users", "zk", &body).await;
    assert_eq!(first.status, 201);
    let again = post_with_key(server, ADMIN_KEY, "/v1/zones/idem/users", "zk", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(page(server, "/v1/zones/idem/users", "").await["total_count"], json!(1));
}

pub async fn a_retry_replays_the_first_answer_even_after_its_zone_was_deleted(server: &TestServer) {
    create_zone(server, "brief-idem").await;
    let body = json!({"identifier": "editor", "name": "Editor"});
    let path = "/v1/zones/brief-idem/roles";
    let first = post_with_key(server, ADMIN_KEY, path, "role-once", &body).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(server.delete("/v1/zones/brief-idem").await.status, 204);
    let again = post_with_key(server, ADMIN_KEY, path, "role-once", &body).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json());
    // Without the key, the request runs: the zone is gone.
    assert_eq!(server.post(path, body).await.status, 404);
}

pub async fn creating_an_api_key_never_replays_its_secret(server: &TestServer) {
    let body = json!({"name": "twice", "scopes": ["users:read"]});
    let first = post_with_key(server, ADMIN_KEY, "/v1/api-keys", "key-once", &body).await;
    let second = post_with_key(server, ADMIN_KEY, "/v1/api-keys", "key-once", &body).await;
    for r in [&first, &second] {
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.header("idempotent-replayed"), None);
    }
    assert_ne!(first.json()["id"], second.json()["id"], "two keys, each shown once");
    assert_ne!(first.json()["key"], second.json()["key"]);
}

pub async fn a_retry_with_another_query_string_is_another_request(server: &TestServer) {
    let body = json!({"email": "query-idem@example.com"});
    let first = post_with_key(server, ADMIN_KEY, "/v1/users", "q-idem", &body).await;
    assert_eq!(first.status, 201, "{}", first.text());
    // The same key, path and body with a query added: not the same request,
    // so not a replay of the 201 (and nothing runs).
    let other = post_with_key(server, ADMIN_KEY, "/v1/users?dry_run=true", "q-idem", &body).await;
    problem(&other, 422, "idempotency_key_reused");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}
