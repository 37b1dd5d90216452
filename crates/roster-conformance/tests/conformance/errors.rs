//! Errors: RFC 9457 problem+json with stable codes, `param` as spelled, no
//! leaks, and a failed request changes nothing.

use serde_json::json;

use roster_testkit::{ADMIN_KEY, Resp, TestServer, send};

use crate::support::*;

fn assert_no_leak(r: &Resp) {
    let text = r.text();
    let lower = text.to_ascii_lowercase();
    for needle in [
        "select ",
        "insert into",
        "sqlite",
        "rusqlite",
        "constraint failed",
        "panicked",
        "stack backtrace",
        ".rs:",
        "src/",
        "thread '",
        ADMIN_KEY,
    ] {
        assert!(!lower.contains(&needle.to_ascii_lowercase()), "an error leaks {needle:?}: {text}");
    }
}

pub async fn every_error_is_problem_json_with_type_title_status_detail_and_code(
    server: &TestServer,
) {
    let u = server.create_user(json!({"email": "e@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    let (reader, _) = key(server, &["users:read"], None).await;
    let stale = send(
        server
            .request("PATCH", &path)
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .header("if-match", "\"stale\"")
            .body("{}"),
    )
    .await;
    let cases: Vec<(Resp, u16, &str)> = vec![
        (server.get("/v1/users?limit=0").await, 400, "invalid_parameter"),
        (server.post("/v1/users", json!({"email": 1})).await, 400, "invalid_body"),
        (server.get("/v1/users?after=zzz").await, 400, "invalid_cursor"),
        (send(server.request("GET", "/v1/users")).await, 401, "unauthorized"),
        (server.call_as(&reader, "DELETE", &path, None).await, 403, "insufficient_scope"),
        (server.get("/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await, 404, "not_found"),
        (server.post("/v1/users", json!({"email": "E@example.com"})).await, 409, "conflict"),
        (stale, 412, "precondition_failed"),
        (
            send(
                server
                    .request("POST", "/v1/users")
                    .bearer_auth(ADMIN_KEY)
                    .header("content-type", "text/csv")
                    .body("email\nx@example.com"),
            )
            .await,
            415,
            "unsupported_media_type",
        ),
    ];
    for (r, status, code) in cases {
        let p = problem(&r, status, code);
        assert!(!p["title"].as_str().unwrap().is_empty());
        assert!(!p["detail"].as_str().unwrap().is_empty());
        assert!(!p["type"].as_str().unwrap().is_empty());
        assert_no_leak(&r);
    }
}

pub async fn error_codes_are_stable_snake_case(server: &TestServer) {
    let responses = vec![
        server.get("/v1/users?limit=0").await,
        server.get("/v1/nothing-here").await,
        send(server.request("GET", "/v1/users")).await,
        server.post("/v1/users", json!({})).await,
    ];
    for r in responses {
        let code = r.code();
        assert!(
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code:?} is not snake_case"
        );
    }
}

pub async fn an_unknown_route_answers_404_not_found_as_problem_json(server: &TestServer) {
    for path in ["/v1/nothing", "/v1/users/x/y/z", "/nothing", "/v1/zones/default/users/u/extra"] {
        problem(&server.get(path).await, 404, "not_found");
    }
}

pub async fn a_wrong_method_answers_405_method_not_allowed(server: &TestServer) {
    let u = server.create_user(json!({"email": "m@example.com"})).await;
    for (method, path) in [
        ("PUT", "/v1/users".to_owned()),
        ("DELETE", "/v1/users".to_owned()),
        ("PATCH", "/v1/users".to_owned()),
        ("POST", format!("/v1/users/{}", id_of(&u))),
        ("PUT", format!("/v1/users/{}", id_of(&u))),
        ("PUT", "/v1/zones/default".to_owned()),
        ("DELETE", "/v1/zones".to_owned()),
        ("PATCH", "/v1/api-keys".to_owned()),
        ("POST", "/healthz".to_owned()),
    ] {
        let r = server.call(method, &path, None).await;
        problem(&r, 405, "method_not_allowed");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

pub async fn param_names_the_parameter_or_field_as_the_client_spelled_it(server: &TestServer) {
    invalid_parameter(&server.get("/v1/users?filter%5Bstatus%5D=nope").await, "filter[status]");
    invalid_parameter(&server.get("/v1/users?status=nope").await, "status");
    invalid_parameter(&server.get("/v1/users?q=a&limit=x").await, "limit");
    invalid_parameter(
        &server.get("/v1/users?filter%5Bcreated_at_from%5D=x").await,
        "filter[created_at_from]",
    );
    invalid_parameter(&server.get("/v1/users?attributes.=x").await, "attributes.");
    invalid_body(
        &server.post("/v1/users", json!({"email": "a@example.com", "user_type": "root"})).await,
        "user_type",
    );
    invalid_body(
        &server
            .post("/v1/users", json!({"email": "a@example.com", "Email": "b@example.com"}))
            .await,
        "Email",
    );
}

pub async fn errors_never_leak_internals_for_hostile_input(server: &TestServer) {
    server.create_user(json!({"email": "h@example.com"})).await;
    let hostile = [
        "/v1/users?search=%27%3B%20DROP%20TABLE%20users%3B--".to_owned(),
        "/v1/users?attributes.a%22b=1".to_owned(),
        "/v1/users?attributes.a%27b=1".to_owned(),
        "/v1/users?attributes.%24.x=1".to_owned(),
        "/v1/users?email=%27%20OR%201%3D1--".to_owned(),
        "/v1/users?sort=email%3B".to_owned(),
        "/v1/users?search=%FF%FE".to_owned(),
        "/v1/users?%FF=1".to_owned(),
        format!("/v1/users?search={}", "%25".repeat(300)),
        "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV%27".to_owned(),
        "/v1/zones/%27%20OR%20%271%27%3D%271/users".to_owned(),
    ];
    for path in hostile {
        let r = server.get(&path).await;
        assert!(r.status < 500, "{path}: {} {}", r.status, r.text());
        if r.status >= 400 {
            problem(&r, r.status, &r.code());
        }
        assert_no_leak(&r);
    }
    let r =
        server.post("/v1/users", json!({"email": "x'); DROP TABLE users;--@example.com"})).await;
    assert!(r.status < 500, "{}", r.text());
    assert_no_leak(&r);
    // Still one table, still there.
    assert!(get_ok(server, "/v1/users").await["total_count"].as_u64().unwrap() >= 1);
}

pub async fn nul_characters_are_refused_not_stored(server: &TestServer) {
    for (field, value) in [
        ("first_name", "a\u{0}b"),
        ("description", "x\u{0}"),
        ("identifier", "i\u{0}d"),
        ("email", "a\u{0}@example.com"),
    ] {
        let mut body = json!({"email": "n@example.com"});
        body[field] = json!(value);
        let r = server.post("/v1/users", body).await;
        invalid_body(&r, field);
    }
    let r = server
        .post("/v1/users", json!({"email": "n@example.com", "attributes": {"k": "v\u{0}"}}))
        .await;
    invalid_body(&r, "attributes");
    let r = server.get("/v1/users?search=a%00b").await;
    invalid_parameter(&r, "search");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn a_failed_request_changes_nothing(server: &TestServer) {
    let u = server
        .create_user(
            json!({"email": "f@example.com", "first_name": "Before", "attributes": {"a": 1}}),
        )
        .await;
    let path = format!("/v1/users/{}", id_of(&u));
    let tag = server.get(&path).await.header("etag").unwrap().to_owned();
    // A patch with a valid field and an invalid one changes neither.
    for body in [
        json!({"first_name": "After", "status": "bogus"}),
        json!({"attributes": {"b": 2}, "email": "not an email"}),
        json!({"first_name": "After", "id": "user_x"}),
        json!({"first_name": "After", "unknown": 1}),
        json!({"description": "x", "provider_id": "idp_x"}),
    ] {
        let r = server.patch(&path, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let now = server.get(&path).await;
        assert_eq!(now.json(), u, "after {body}");
        assert_eq!(now.header("etag"), Some(tag.as_str()), "after {body}");
    }
    // A refused create leaves no user and no half-made row behind: the
    // email stays free.
    let r = server.post("/v1/users", json!({"email": "new@example.com", "status": "bogus"})).await;
    invalid_body(&r, "status");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
    server.create_user(json!({"email": "new@example.com"})).await;
}

pub async fn unknown_query_parameters_on_any_endpoint_answer_400_and_change_nothing(
    server: &TestServer,
) {
    let u = server.create_user(json!({"email": "q@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&u));
    invalid_parameter(
        &server.post("/v1/users?dry_run=true", json!({"email": "dry@example.com"})).await,
        "dry_run",
    );
    invalid_parameter(
        &server.patch(&format!("{path}?dry_run=true"), json!({"first_name": "Dry"})).await,
        "dry_run",
    );
    invalid_parameter(&server.delete(&format!("{path}?dry_run=true")).await, "dry_run");
    invalid_parameter(&server.get("/v1/zones/default?verbose=1").await, "verbose");
    invalid_parameter(
        &server.post("/v1/zones?dry_run=1", json!({"identifier": "dry", "name": "Dry"})).await,
        "dry_run",
    );
    assert_eq!(get_ok(server, &path).await, u);
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
    assert_eq!(server.get("/v1/zones/dry").await.status, 404);
}
