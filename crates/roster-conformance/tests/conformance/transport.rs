//! Transport: base path, JSON, API version, request ids, timestamps, body
//! rules.

use serde_json::json;

use roster_testkit::{ADMIN_KEY, TestServer, send};

use crate::support::*;

pub async fn every_response_carries_x_api_version_v1(server: &TestServer) {
    let user = server.create_user(json!({"email": "v@example.com"})).await;
    let id = id_of(&user);
    let responses = vec![
        server.get("/v1/users").await,
        server.get(&format!("/v1/users/{id}")).await,
        server.get("/v1/users/user_00000000000000000000000000").await,
        server.get("/v1/users?limit=0").await,
        send(server.request("GET", "/v1/users")).await,
        send(server.request("GET", "/healthz")).await,
        send(server.request("GET", "/readyz")).await,
        send(server.request("GET", "/metrics")).await,
        send(server.request("GET", "/openapi.json")).await,
        send(server.request("GET", "/docs")).await,
        send(server.request("GET", "/no/such/route")).await,
        server.delete(&format!("/v1/users/{id}")).await,
    ];
    for r in responses {
        assert_eq!(
            r.header("x-api-version"),
            Some("v1"),
            "a {} response lacks X-API-Version: v1",
            r.status
        );
    }
}

pub async fn x_request_id_is_echoed_when_given_and_generated_otherwise(server: &TestServer) {
    let r = send(
        server
            .request("GET", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("x-request-id", "trace-abc-123"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-request-id"), Some("trace-abc-123"));

    // Echoed on errors and on unauthenticated routes too.
    let r = send(server.request("GET", "/v1/users").header("x-request-id", "trace-on-401")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("x-request-id"), Some("trace-on-401"));

    let a = server.get("/v1/users").await;
    let b = send(server.request("GET", "/healthz")).await;
    let ia = a.header("x-request-id").expect("generated X-Request-Id");
    let ib = b.header("x-request-id").expect("generated X-Request-Id");
    assert!(!ia.is_empty() && !ib.is_empty());
    assert_ne!(ia, ib, "generated request ids must differ");
}

pub async fn x_api_version_v1_is_accepted_and_any_other_value_answers_400(server: &TestServer) {
    let ok = send(
        server.request("GET", "/v1/users").bearer_auth(ADMIN_KEY).header("x-api-version", "v1"),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    for bad in ["v2", "V1", "1", "2024-01-01", ""] {
        let r = send(
            server.request("GET", "/v1/users").bearer_auth(ADMIN_KEY).header("x-api-version", bad),
        )
        .await;
        problem(&r, 400, "unsupported_api_version");
        assert_eq!(r.header("x-api-version"), Some("v1"));
    }
    // A refused version changes nothing.
    let r = send(
        server
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("x-api-version", "v2")
            .header("content-type", "application/json")
            .body(json!({"email": "nope@example.com"}).to_string()),
    )
    .await;
    problem(&r, 400, "unsupported_api_version");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn json_responses_are_application_json_utf8(server: &TestServer) {
    let created = server.post("/v1/users", json!({"email": "ct@example.com"})).await;
    let id = id_of(&created.json());
    for r in [
        created,
        server.get("/v1/users").await,
        server.get(&format!("/v1/users/{id}")).await,
        server.patch(&format!("/v1/users/{id}"), json!({"first_name": "C"})).await,
        server.get("/v1/zones").await,
    ] {
        let ct = r.header("content-type").unwrap_or_default().to_owned();
        let lower = ct.to_ascii_lowercase().replace(' ', "");
        assert_eq!(lower, "application/json;charset=utf-8", "content-type {ct:?}");
    }
}

pub async fn timestamps_are_rfc3339_utc_with_a_z_suffix_and_inputs_accept_any_offset(
    server: &TestServer,
) {
    let user = server
        .create_user(json!({
            "email": "ts@example.com",
            "authenticated_at": "2024-01-15T11:30:00+02:00",
        }))
        .await;
    assert_utc_timestamp(&user["created_at"]);
    assert_utc_timestamp(&user["updated_at"]);
    assert_eq!(user["authenticated_at"], json!("2024-01-15T09:30:00Z"));

    let id = id_of(&user);
    let patched = server
        .patch(
            &format!("/v1/users/{id}"),
            json!({"authenticated_at": "2024-03-01T00:00:00.250-05:30"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let v = patched.json();
    assert_eq!(
        normalized_time(v["authenticated_at"].as_str().unwrap()),
        "2024-03-01T05:30:00.250000Z"
    );
    assert_utc_timestamp(&v["authenticated_at"]);

    // RFC 3339 allows a lower-case `t` and `z`, and more fractional
    // digits than are kept.
    for (input, stored) in [
        ("2024-02-02t10:00:00z", "2024-02-02T10:00:00.000000Z"),
        ("2024-02-02T10:00:00.123456789Z", "2024-02-02T10:00:00.123456Z"),
        ("2024-02-02T10:00:00.5+00:00", "2024-02-02T10:00:00.500000Z"),
    ] {
        let r = server.patch(&format!("/v1/users/{id}"), json!({"authenticated_at": input})).await;
        assert_eq!(r.status, 200, "{input}: {}", r.text());
        let got = r.json()["authenticated_at"].as_str().unwrap().to_owned();
        assert_eq!(normalized_time(&got), stored, "{input}");
    }
    for bad_input in ["2024-03-01 00:00:00", "2024-03-01", "2024-03-01T00:00:00", "1700000000"] {
        let bad =
            server.patch(&format!("/v1/users/{id}"), json!({"authenticated_at": bad_input})).await;
        invalid_body(&bad, "authenticated_at");
    }

    let zones = get_ok(server, "/v1/zones").await;
    for z in zones["data"].as_array().unwrap() {
        assert_utc_timestamp(&z["created_at"]);
        assert_utc_timestamp(&z["updated_at"]);
    }
}

pub async fn unknown_json_fields_in_a_body_answer_400_and_change_nothing(server: &TestServer) {
    let r = server.post("/v1/users", json!({"email": "mass@example.com", "is_admin": true})).await;
    invalid_body(&r, "is_admin");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));

    let user = server.create_user(json!({"email": "m2@example.com"})).await;
    let id = id_of(&user);
    let r = server
        .patch(&format!("/v1/users/{id}"), json!({"first_name": "X", "password": "hunter2"}))
        .await;
    invalid_body(&r, "password");
    assert_eq!(get_ok(server, &format!("/v1/users/{id}")).await["first_name"], json!(""));

    let r =
        server.post("/v1/zones", json!({"identifier": "zz", "name": "Z", "region": "eu"})).await;
    invalid_body(&r, "region");
    let r = server
        .post("/v1/api-keys", json!({"name": "k", "scopes": ["users:read"], "secret": "mine"}))
        .await;
    invalid_body(&r, "secret");
}

/// Sends a request head declaring a body of `length` bytes, plus the first
/// bytes of that body, over a raw connection, and reads the response. (A
/// client that streams the whole body races the server's early answer, so
/// the declared length is what is tested here.)
async fn declared_body(
    server: &TestServer,
    method: &str,
    path: &str,
    ct: &str,
    length: usize,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {ADMIN_KEY}\r\n\
         Content-Type: {ct}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{{\"email\": ",
        server.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers without waiting for the whole body");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    (status, text)
}

/// Streams a chunked body of a bit more than 1 MiB without declaring its
/// length, then reads the response.
async fn chunked_body(server: &TestServer) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let size = 1024 * 1024 + 64;
    let head = format!(
        "POST /v1/users HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {ADMIN_KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{size:x}\r\n",
        server.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut body = String::from("{\"email\": \"c@example.com\", \"description\": \"");
    body.push_str(&"x".repeat(size - body.len()));
    // Send all but the last byte of the chunk: the server has seen more
    // than 1 MiB and must answer.
    let _ = stream.write_all(&body.as_bytes()[..size - 1]).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers once it has read more than 1 MiB");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    (status, text)
}

pub async fn bodies_over_one_mebibyte_answer_413_payload_too_large(server: &TestServer) {
    let (status, text) = chunked_body(server).await;
    assert_eq!(status, 413, "a chunked body over 1 MiB: {}", &text[..text.len().min(500)]);
    assert!(text.contains("\"code\":\"payload_too_large\""), "{text}");

    let (status, text) =
        declared_body(server, "POST", "/v1/users", "application/json", 1024 * 1024 + 1).await;
    assert_eq!(status, 413, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/problem+json"), "{text}");
    assert!(text.contains("\"code\":\"payload_too_large\""), "{text}");

    let user = server.create_user(json!({"email": "b2@example.com"})).await;
    let id = id_of(&user);
    let (status, text) = declared_body(
        server,
        "PATCH",
        &format!("/v1/users/{id}"),
        "application/merge-patch+json",
        8 * 1024 * 1024,
    )
    .await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"code\":\"payload_too_large\""), "{text}");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
    assert_eq!(get_ok(server, &format!("/v1/users/{id}")).await["attributes"], json!({}));
}

pub async fn a_body_of_exactly_one_mebibyte_is_not_refused_for_its_size(server: &TestServer) {
    // 1 MiB is the limit, not over it: the body is parsed (and refused for
    // its content, a too long description), not answered 413.
    let head = r#"{"email":"exact@example.com","description":""#;
    let tail = r#""}"#;
    let fill = 1024 * 1024 - head.len() - tail.len();
    let body = format!("{head}{}{tail}", "d".repeat(fill));
    assert_eq!(body.len(), 1024 * 1024);
    let r = send(
        server
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    invalid_body(&r, "description");
}

pub async fn post_bodies_that_are_not_json_answer_415_unsupported_media_type(server: &TestServer) {
    for (ct, body) in [
        (Some("text/plain"), r#"{"email":"a@example.com"}"#),
        (Some("application/x-www-form-urlencoded"), "email=a%40example.com"),
        (Some("application/merge-patch+json"), r#"{"email":"a@example.com"}"#),
        (None, r#"{"email":"a@example.com"}"#),
    ] {
        let mut req = server.request("POST", "/v1/users").bearer_auth(ADMIN_KEY);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let r = send(req.body(body)).await;
        problem(&r, 415, "unsupported_media_type");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
    for path in ["/v1/zones", "/v1/api-keys"] {
        let r = send(
            server
                .request("POST", path)
                .bearer_auth(ADMIN_KEY)
                .header("content-type", "text/plain")
                .body(r#"{"identifier":"x","name":"x","scopes":["users:read"]}"#),
        )
        .await;
        problem(&r, 415, "unsupported_media_type");
    }

    // application/json with a charset parameter is JSON.
    let r = send(
        server
            .request("POST", "/v1/users")
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"email":"a@example.com"}"#),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
}

pub async fn a_json_body_that_does_not_parse_answers_400_invalid_body(server: &TestServer) {
    for body in [r#"{"email": "#, "not json", "", r#"["email"]"#] {
        let r = send(
            server
                .request("POST", "/v1/users")
                .bearer_auth(ADMIN_KEY)
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        problem(&r, 400, "invalid_body");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn patch_takes_json_or_merge_patch_json_and_refuses_other_types_with_415(
    server: &TestServer,
) {
    let user = server.create_user(json!({"email": "p@example.com"})).await;
    let path = format!("/v1/users/{}", id_of(&user));
    for (ct, name) in [("application/json", "A"), ("application/merge-patch+json", "B")] {
        let r = send(
            server
                .request("PATCH", &path)
                .bearer_auth(ADMIN_KEY)
                .header("content-type", ct)
                .body(json!({"first_name": name}).to_string()),
        )
        .await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text());
        assert_eq!(r.json()["first_name"], json!(name));
    }
    for ct in ["text/plain", "application/json-patch+json", "application/xml"] {
        let r = send(
            server
                .request("PATCH", &path)
                .bearer_auth(ADMIN_KEY)
                .header("content-type", ct)
                .body(json!({"first_name": "C"}).to_string()),
        )
        .await;
        problem(&r, 415, "unsupported_media_type");
    }
    assert_eq!(get_ok(server, &path).await["first_name"], json!("B"));
}

pub async fn the_api_lives_under_v1(server: &TestServer) {
    let r = server.get("/users").await;
    problem(&r, 404, "not_found");
    let r = server.get("/v2/users").await;
    problem(&r, 404, "not_found");
    assert_eq!(server.get("/v1/users").await.status, 200);
}

pub async fn an_oversized_body_is_refused_first_whatever_the_method_zone_or_query(
    server: &TestServer,
) {
    let over = 1024 * 1024 + 1;
    for (method, path) in [
        ("GET", "/v1/users"),
        ("DELETE", "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        ("POST", "/v1/zones/no-such-zone/roles"),
        ("POST", "/v1/users?bogus=1"),
        ("PATCH", "/v1/zones/no-such-zone/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV"),
    ] {
        let (status, text) = declared_body(server, method, path, "application/json", over).await;
        assert_eq!(status, 413, "{method} {path}: {text}");
        assert!(text.contains("\"code\":\"payload_too_large\""), "{method} {path}: {text}");
    }
}
