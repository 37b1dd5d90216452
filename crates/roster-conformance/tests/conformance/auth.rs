//! Authentication, scopes and the API keys that carry them.

use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, TestServer, send};

use crate::support::*;

fn unauthorized(r: &roster_testkit::Resp) {
    problem(r, 401, "unauthorized");
    let www = r.header("www-authenticate").unwrap_or_default();
    assert!(
        www.to_ascii_lowercase().starts_with("bearer"),
        "401 without WWW-Authenticate: Bearer (got {www:?})"
    );
}

pub async fn a_request_without_a_key_answers_401_with_www_authenticate_bearer(server: &TestServer) {
    for (method, path) in [
        ("GET", "/v1/users"),
        ("POST", "/v1/users"),
        ("GET", "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        ("GET", "/v1/zones"),
        ("GET", "/v1/api-keys"),
        ("GET", "/v1/zones/default/users"),
    ] {
        let r = send(server.request(method, path)).await;
        unauthorized(&r);
    }
}

pub async fn a_malformed_authorization_header_answers_401(server: &TestServer) {
    for value in [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Basic {ADMIN_KEY}"),
        ADMIN_KEY.to_owned(),
        format!("Token {ADMIN_KEY}"),
        format!("Bearer {ADMIN_KEY} extra"),
        format!("Bearer {}", "k".repeat(300)),
    ] {
        let r =
            send(server.request("GET", "/v1/users").header("authorization", value.as_str())).await;
        unauthorized(&r);
    }
}

pub async fn an_unknown_key_answers_401(server: &TestServer) {
    for k in [
        "rk_live_00000000000000000000000000000000",
        "rk_test_admin_0123456789abcdefghiJ",
        "something-else-entirely-long-enough",
    ] {
        let r = get_as(server, k, "/v1/users").await;
        unauthorized(&r);
    }
    let r = server
        .call_as(
            "rk_live_00000000000000000000000000000000",
            "POST",
            "/v1/users",
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    unauthorized(&r);
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
}

pub async fn a_revoked_key_fails_on_its_very_next_request(server: &TestServer) {
    let (secret, id) = key(server, &["users:write"], None).await;
    assert_eq!(get_as(server, &secret, "/v1/users").await.status, 200);
    let r = server.delete(&format!("/v1/api-keys/{id}")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    let r = get_as(server, &secret, "/v1/users").await;
    unauthorized(&r);
    let r = server
        .call_as(&secret, "POST", "/v1/users", Some(json!({"email": "late@example.com"})))
        .await;
    unauthorized(&r);
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0));
    // Revoking it again, or an unknown key, is 404.
    problem(&server.delete(&format!("/v1/api-keys/{id}")).await, 404, "not_found");
    problem(&server.delete("/v1/api-keys/key_01ARZ3NDEKTSV4RRFFQ69G5FAV").await, 404, "not_found");
    problem(&server.delete("/v1/api-keys/not-a-key").await, 404, "not_found");
}

pub async fn the_bootstrap_key_is_admin_and_its_default_zone_is_default(server: &TestServer) {
    let zone = default_zone(server).await;
    assert_eq!(zone["identifier"], json!("default"));
    assert!(is_prefixed_ulid(zone["id"].as_str().unwrap(), "zone_"));
    let user = server.create_user(json!({"email": "b@example.com"})).await;
    assert_eq!(user["zone_id"], zone["id"]);
    assert_eq!(user["organization_id"], zone["organization_id"]);
    assert!(is_prefixed_ulid(user["organization_id"].as_str().unwrap(), "org_"));
    // Admin: every scope, including keys and zones.
    assert_eq!(server.get("/v1/api-keys").await.status, 200);
    assert_eq!(server.get("/v1/zones").await.status, 200);
    create_zone(server, "second").await;
}

pub async fn a_key_without_the_needed_scope_answers_403_insufficient_scope(server: &TestServer) {
    let user = server.create_user(json!({"email": "s@example.com"})).await;
    let id = id_of(&user);
    let (zones_only, _) = key(server, &["zones:read"], None).await;
    for (method, path, body) in [
        ("GET", "/v1/users".to_owned(), None),
        ("GET", format!("/v1/users/{id}"), None),
        ("GET", "/v1/zones/default/users".to_owned(), None),
        ("POST", "/v1/users".to_owned(), Some(json!({"email": "n@example.com"}))),
        ("PATCH", format!("/v1/users/{id}"), Some(json!({"first_name": "N"}))),
        ("DELETE", format!("/v1/users/{id}"), None),
        ("GET", "/v1/api-keys".to_owned(), None),
        ("POST", "/v1/api-keys".to_owned(), Some(json!({"name": "x", "scopes": ["zones:read"]}))),
        ("POST", "/v1/zones".to_owned(), Some(json!({"identifier": "nope", "name": "n"}))),
    ] {
        let r = server.call_as(&zones_only, method, &path, body).await;
        problem(&r, 403, "insufficient_scope");
    }
    // Nothing changed.
    let users = get_ok(server, "/v1/users").await;
    assert_eq!(users["total_count"], json!(1));
    assert_eq!(users["data"][0]["first_name"], json!(""));
    assert_eq!(server.get("/v1/zones/nope").await.status, 404);
}

pub async fn a_read_only_key_reads_users_but_cannot_write_them(server: &TestServer) {
    let user = server.create_user(json!({"email": "r@example.com"})).await;
    let id = id_of(&user);
    let (reader, _) = key(server, &["users:read"], None).await;
    assert_eq!(get_as(server, &reader, "/v1/users").await.status, 200);
    assert_eq!(get_as(server, &reader, &format!("/v1/users/{id}")).await.status, 200);
    let r =
        server.call_as(&reader, "POST", "/v1/users", Some(json!({"email": "w@example.com"}))).await;
    problem(&r, 403, "insufficient_scope");
    let r = server
        .call_as(&reader, "PATCH", &format!("/v1/users/{id}"), Some(json!({"status": "disabled"})))
        .await;
    problem(&r, 403, "insufficient_scope");
    let r = server.call_as(&reader, "DELETE", &format!("/v1/users/{id}"), None).await;
    problem(&r, 403, "insufficient_scope");
    let now = get_ok(server, &format!("/v1/users/{id}")).await;
    assert_eq!(now["status"], json!("active"));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

/// A key that may not write hears so before anything about its body: the
/// scope is checked first, so validation tells it nothing.
pub async fn a_key_without_write_scope_hears_403_before_any_body_error(server: &TestServer) {
    let user = server.create_user(json!({"email": "s@example.com"})).await;
    let id = id_of(&user);
    let (reader, _) = key(server, &["users:read"], None).await;
    for body in [json!({"email": 5}), json!({"nope": true}), json!([1])] {
        let r = server.call_as(&reader, "POST", "/v1/users", Some(body.clone())).await;
        problem(&r, 403, "insufficient_scope");
        let path = format!("/v1/users/{id}");
        let r = server.call_as(&reader, "PATCH", &path, Some(body.clone())).await;
        problem(&r, 403, "insufficient_scope");
        let r =
            server.call_as(&reader, "POST", "/v1/zones/default/users", Some(body.clone())).await;
        problem(&r, 403, "insufficient_scope");
        let r = server.call_as(&reader, "POST", "/v1/zones", Some(body.clone())).await;
        problem(&r, 403, "insufficient_scope");
        let r = server.call_as(&reader, "PATCH", "/v1/zones/default", Some(body)).await;
        problem(&r, 403, "insufficient_scope");
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1));
}

/// The same promise on every access write: a key holding the read scopes
/// but not the write scope an endpoint needs hears 403 naming that scope,
/// whatever its body holds, JSON or not; the admin hears what is wrong
/// with the same body.
pub async fn a_key_without_the_write_scope_hears_403_before_any_access_body_error(
    server: &TestServer,
) {
    let id = id_of(&server.create_user(json!({"email": "a@example.com"})).await);
    assert_eq!(server.post("/v1/roles", json!({"identifier": "admin"})).await.status, 201);
    let okta = json!({"identifier": "okta", "issuer": "https://okta"});
    assert_eq!(server.post("/v1/providers", okta).await.status, 201);
    let (reader, _) = key(server, &["users:read", "roles:read", "zones:read"], None).await;
    let mut writes = Vec::new();
    for base in ["/v1", "/v1/zones/default"] {
        writes.extend([
            ("POST", format!("{base}/roles"), "roles:write"),
            ("PATCH", format!("{base}/roles/admin"), "roles:write"),
            ("POST", format!("{base}/users/{id}/role-assignments"), "roles:write"),
            ("POST", format!("{base}/users/{id}/sessions"), "users:write"),
            ("POST", format!("{base}/users/{id}/grants"), "users:write"),
            ("POST", format!("{base}/providers"), "zones:write"),
            ("PATCH", format!("{base}/providers/okta"), "zones:write"),
            ("POST", format!("{base}/providers/okta/sign-ins"), "users:write"),
        ]);
    }
    for (method, path, scope) in &writes {
        for body in [json!({"identifier": 5}), json!({"nope": true}), json!([1])] {
            let r = server.call_as(&reader, method, path, Some(body.clone())).await;
            let p = problem(&r, 403, "insufficient_scope");
            assert!(p["detail"].as_str().unwrap().contains(scope), "{method} {path}: {p}");
            let r = server.call_as(ADMIN_KEY, method, path, Some(body)).await;
            problem(&r, 400, "invalid_body");
        }
        let media =
            if *method == "PATCH" { "application/merge-patch+json" } else { "application/json" };
        let not_json =
            server.request(method, path).bearer_auth(&reader).header("content-type", media);
        problem(&send(not_json.body("{")).await, 403, "insufficient_scope");
    }
    // Nothing was written.
    let count = |path: String| async move { get_ok(server, &path).await["total_count"].clone() };
    assert_eq!(count("/v1/roles".into()).await, json!(1));
    assert_eq!(count("/v1/providers".into()).await, json!(1));
    for sub in ["role-assignments", "sessions", "grants"] {
        assert_eq!(count(format!("/v1/users/{id}/{sub}")).await, json!(0), "{sub}");
    }
    assert_eq!(count("/v1/users".into()).await, json!(1));
}

pub async fn write_scopes_imply_read_scopes(server: &TestServer) {
    let (users_writer, _) = key(server, &["users:write"], None).await;
    let created = server
        .call_as(&users_writer, "POST", "/v1/users", Some(json!({"email": "w@example.com"})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(get_as(server, &users_writer, "/v1/users").await.status, 200);
    // users:write does not reach zones.
    problem(&get_as(server, &users_writer, "/v1/zones").await, 403, "insufficient_scope");

    let (zones_writer, _) = key(server, &["zones:write"], None).await;
    assert_eq!(get_as(server, &zones_writer, "/v1/zones").await.status, 200);
    assert_eq!(get_as(server, &zones_writer, "/v1/zones/default").await.status, 200);
    let r = server
        .call_as(
            &zones_writer,
            "POST",
            "/v1/zones",
            Some(json!({"identifier": "made-by-zones-writer", "name": "Z"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    problem(&get_as(server, &zones_writer, "/v1/users").await, 403, "insufficient_scope");

    let (zones_reader, _) = key(server, &["zones:read"], None).await;
    let r = server
        .call_as(&zones_reader, "PATCH", "/v1/zones/default", Some(json!({"name": "Renamed"})))
        .await;
    problem(&r, 403, "insufficient_scope");
    let r = server.call_as(&zones_reader, "DELETE", "/v1/zones/made-by-zones-writer", None).await;
    problem(&r, 403, "insufficient_scope");
    assert_eq!(get_ok(server, "/v1/zones/default").await["name"], json!("Default"));
}

pub async fn without_users_metadata_created_by_and_updated_by_are_omitted(server: &TestServer) {
    let (writer, _) = key(server, &["users:write"], None).await;
    let r =
        server.call_as(&writer, "POST", "/v1/users", Some(json!({"email": "m@example.com"}))).await;
    assert_eq!(r.status, 201);
    let created = r.json();
    let id = id_of(&created);
    let patched = server
        .call_as(&writer, "PATCH", &format!("/v1/users/{id}"), Some(json!({"first_name": "M"})))
        .await
        .json();
    let fetched = get_as(server, &writer, &format!("/v1/users/{id}")).await.json();
    let listed = get_as(server, &writer, "/v1/users").await.json();
    let in_list = listed["data"][0].clone();
    for u in [created, patched, fetched, in_list] {
        let obj = u.as_object().unwrap();
        assert!(!obj.contains_key("created_by"), "created_by shown without users:metadata: {u}");
        assert!(!obj.contains_key("updated_by"), "updated_by shown without users:metadata: {u}");
    }
}

pub async fn with_users_metadata_created_by_and_updated_by_name_the_acting_key(
    server: &TestServer,
) {
    let (creator, creator_id) = key(server, &["users:write", "users:metadata"], None).await;
    let (updater, updater_id) = key(server, &["users:write", "users:metadata"], None).await;
    let r = server
        .call_as(&creator, "POST", "/v1/users", Some(json!({"email": "md@example.com"})))
        .await;
    assert_eq!(r.status, 201);
    let u = r.json();
    assert!(creator_id.starts_with("key_"));
    assert_eq!(u["created_by"], json!(creator_id));
    assert_eq!(u["updated_by"], json!(creator_id));
    let id = id_of(&u);
    let r = server
        .call_as(&updater, "PATCH", &format!("/v1/users/{id}"), Some(json!({"last_name": "U"})))
        .await;
    assert_eq!(r.status, 200);
    let u = r.json();
    assert_eq!(u["created_by"], json!(creator_id));
    assert_eq!(u["updated_by"], json!(updater_id));
    let listed = get_ok(server, "/v1/users").await;
    assert_eq!(listed["data"][0]["created_by"], json!(creator_id));
    assert_eq!(listed["data"][0]["updated_by"], json!(updater_id));
}

pub async fn metadata_filters_answer_403_without_users_metadata(server: &TestServer) {
    let user = server.create_user(json!({"email": "f@example.com"})).await;
    let id = id_of(&user);
    let (reader, _) = key(server, &["users:write"], None).await;
    for (q, param) in [
        ("created_by=key_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(), "created_by"),
        ("updated_by=key_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(), "updated_by"),
        (format!("id={id}"), "id"),
        (format!("filter%5Bid%5D={id}"), "filter[id]"),
        ("filter%5Bcreated_by%5D=key_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(), "filter[created_by]"),
    ] {
        let r = get_as(server, &reader, &format!("/v1/users?{q}")).await;
        problem_param(&r, 403, "insufficient_scope", param);
    }
    // The same filters work with the scope.
    let (meta, _) = key(server, &["users:read", "users:metadata"], None).await;
    let r = get_as(server, &meta, &format!("/v1/users?id={id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.json()), vec![id]);
}

pub async fn created_by_and_updated_by_filters_select_by_acting_key(server: &TestServer) {
    let (a, a_id) = key(server, &["users:write"], None).await;
    let (b, b_id) = key(server, &["users:write"], None).await;
    let mut by_a = Vec::new();
    for i in 0..3 {
        let r = server
            .call_as(&a, "POST", "/v1/users", Some(json!({"email": format!("a{i}@example.com")})))
            .await;
        by_a.push(id_of(&r.json()));
    }
    let r = server.call_as(&b, "POST", "/v1/users", Some(json!({"email": "b@example.com"}))).await;
    let by_b = id_of(&r.json());
    // b updates one of a's users.
    let r = server
        .call_as(
            &b,
            "PATCH",
            &format!("/v1/users/{}", by_a[0]),
            Some(json!({"first_name": "Touched"})),
        )
        .await;
    assert_eq!(r.status, 200);

    let p = page(server, "/v1/users", &format!("created_by={a_id}")).await;
    assert_eq!(ids(&p), by_a);
    assert_eq!(p["total_count"], json!(3));
    let p = page(server, "/v1/users", &format!("updated_by={b_id}")).await;
    assert_eq!(ids(&p), vec![by_a[0].clone(), by_b.clone()]);
    let p = page(server, "/v1/users", &format!("filter%5Bcreated_by%5D={b_id}")).await;
    assert_eq!(ids(&p), vec![by_b]);
    let p = page(server, "/v1/users", &format!("created_by={a_id}&updated_by={a_id}")).await;
    assert_eq!(ids(&p), by_a[1..].to_vec());
}

pub async fn a_new_key_has_the_documented_shape_and_its_secret_is_shown_only_once(
    server: &TestServer,
) {
    let k = create_key_full(server, json!({"name": "ci", "scopes": ["users:read", "users:write"]}))
        .await;
    let id = k["id"].as_str().unwrap();
    assert!(is_prefixed_ulid(id, "key_"), "{id}");
    assert_eq!(k["name"], json!("ci"));
    let mut scopes: Vec<String> =
        k["scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    scopes.sort();
    assert_eq!(scopes, vec!["users:read", "users:write"]);
    assert_eq!(k["zones"], Value::Null);
    assert_eq!(
        k["default_zone_id"],
        default_zone(server).await["id"],
        "the default zone of a key without zones is `default`"
    );
    assert_utc_timestamp(&k["created_at"]);
    assert!(k.as_object().unwrap().contains_key("last_used_at"));
    assert_eq!(k["last_used_at"], Value::Null);
    let secret = k["key"].as_str().unwrap();
    assert_eq!(secret.len(), "rk_live_".len() + 32, "{secret}");
    assert!(secret.starts_with("rk_live_"));
    assert!(secret["rk_live_".len()..].bytes().all(|b| b.is_ascii_alphanumeric()));

    let listed = get_ok(server, "/v1/api-keys").await;
    let entries = listed["data"].as_array().unwrap();
    let mine = entries.iter().find(|e| e["id"] == json!(id)).expect("the new key is listed");
    assert!(
        !mine.as_object().unwrap().contains_key("key"),
        "a listed key shows its secret: {mine}"
    );
    assert_eq!(mine["name"], json!("ci"));
    assert!(!listed.to_string().contains(secret), "the secret appears in the key list");
    assert!(!listed.to_string().contains(ADMIN_KEY));
    // Two keys never share a secret.
    let other = create_key_full(server, json!({"name": "ci2", "scopes": ["users:read"]})).await;
    assert_ne!(other["key"], k["key"]);
}

pub async fn a_key_records_when_it_was_last_used(server: &TestServer) {
    let (secret, id) = key(server, &["users:read"], None).await;
    assert_eq!(get_as(server, &secret, "/v1/users").await.status, 200);
    let mut seen = Value::Null;
    for _ in 0..50 {
        let listed = all(server, "/v1/api-keys", "").await;
        seen = listed.iter().find(|k| k["id"] == json!(id)).unwrap().clone();
        if !seen["last_used_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_utc_timestamp(&seen["last_used_at"]);
}

pub async fn an_unknown_scope_answers_400(server: &TestServer) {
    let r = server
        .post("/v1/api-keys", json!({"name": "x", "scopes": ["users:read", "users:destroy"]}))
        .await;
    problem(&r, 400, "invalid_body");
    let r = server.post("/v1/api-keys", json!({"name": "x", "scopes": ["superuser"]})).await;
    problem(&r, 400, "invalid_body");
    let listed = get_ok(server, "/v1/api-keys").await;
    assert_eq!(listed["total_count"], json!(1), "only the bootstrap key");
}

pub async fn a_key_cannot_create_a_key_with_scopes_beyond_its_own(server: &TestServer) {
    let (limited, _) = key(server, &["keys:write", "users:read"], None).await;
    for scopes in [
        json!(["users:write"]),
        json!(["admin"]),
        json!(["users:read", "users:metadata"]),
        json!(["zones:read"]),
    ] {
        let r = server
            .call_as(
                &limited,
                "POST",
                "/v1/api-keys",
                Some(json!({"name": "escalate", "scopes": scopes})),
            )
            .await;
        problem(&r, 403, "insufficient_scope");
    }
    let r = server
        .call_as(
            &limited,
            "POST",
            "/v1/api-keys",
            Some(json!({"name": "ok", "scopes": ["users:read"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let listed = get_ok(server, "/v1/api-keys").await;
    assert_eq!(listed["total_count"], json!(3));
}

pub async fn a_zone_limited_key_cannot_create_keys_for_other_zones(server: &TestServer) {
    let a = create_zone(server, "zone-a").await;
    let b = create_zone(server, "zone-b").await;
    let a_id = a["id"].as_str().unwrap();
    let b_id = b["id"].as_str().unwrap();
    let (limited, _) = key(server, &["keys:write", "users:read"], Some(&[a_id])).await;
    // Every zone (zones omitted or null) is beyond it.
    for body in [
        json!({"name": "all", "scopes": ["users:read"]}),
        json!({"name": "all", "scopes": ["users:read"], "zones": null}),
    ] {
        let r = server.call_as(&limited, "POST", "/v1/api-keys", Some(body)).await;
        problem(&r, 403, "insufficient_scope");
    }
    // A zone it cannot see is refused, exactly like a zone that does not
    // exist (no existence leak).
    let unseen = server
        .call_as(
            &limited,
            "POST",
            "/v1/api-keys",
            Some(json!({"name": "b", "scopes": ["users:read"], "zones": [b_id]})),
        )
        .await;
    let missing = server
        .call_as(
            &limited,
            "POST",
            "/v1/api-keys",
            Some(json!({"name": "b", "scopes": ["users:read"], "zones": ["zone_01ARZ3NDEKTSV4RRFFQ69G5FAV"]})),
        )
        .await;
    assert!(
        unseen.status == 400 || unseen.status == 403,
        "a key for an unseen zone: {} {}",
        unseen.status,
        unseen.text()
    );
    assert_eq!(
        (unseen.status, unseen.code()),
        (missing.status, missing.code()),
        "an unseen zone must be refused like a missing one"
    );
    let r = server
        .call_as(
            &limited,
            "POST",
            "/v1/api-keys",
            Some(json!({"name": "a", "scopes": ["users:read"], "zones": [a_id]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["zones"], json!([a_id]));
}

pub async fn a_keys_default_zone_is_default_zone_else_the_first_of_zones_else_default(
    server: &TestServer,
) {
    let a = create_zone(server, "first").await;
    let b = create_zone(server, "second").await;
    let a_id = a["id"].as_str().unwrap();
    let b_id = b["id"].as_str().unwrap();
    let k = create_key_full(
        server,
        json!({"name": "k1", "scopes": ["users:write"], "zones": [a_id, b_id]}),
    )
    .await;
    assert_eq!(k["default_zone_id"], json!(a_id));
    assert_eq!(k["zones"], json!([a_id, b_id]));
    let k = create_key_full(
        server,
        json!({"name": "k2", "scopes": ["users:write"], "zones": [a_id, b_id], "default_zone": "second"}),
    )
    .await;
    assert_eq!(k["default_zone_id"], json!(b_id));
    // Zones may be given by identifier too; the key lists their ids.
    let k = create_key_full(
        server,
        json!({"name": "k3", "scopes": ["users:write"], "zones": ["second"]}),
    )
    .await;
    assert_eq!(k["zones"], json!([b_id]));
    assert_eq!(k["default_zone_id"], json!(b_id));
    let k = create_key_full(
        server,
        json!({"name": "k4", "scopes": ["users:write"], "default_zone": b_id}),
    )
    .await;
    assert_eq!(k["default_zone_id"], json!(b_id));
    assert_eq!(k["zones"], Value::Null);

    // The default zone is what /v1/users addresses.
    let secret = k["key"].as_str().unwrap();
    let r =
        server.call_as(secret, "POST", "/v1/users", Some(json!({"email": "dz@example.com"}))).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["zone_id"], json!(b_id));
    assert_eq!(page(server, "/v1/zones/second/users", "").await["total_count"], json!(1));
    assert_eq!(
        page(server, "/v1/users", "").await["total_count"],
        json!(0),
        "the admin key's /v1/users is still `default`"
    );
}

pub async fn a_default_zone_outside_zones_answers_400(server: &TestServer) {
    let a = create_zone(server, "inside").await;
    create_zone(server, "outside").await;
    let r = server
        .post(
            "/v1/api-keys",
            json!({"name": "k", "scopes": ["users:read"], "zones": [a["id"]], "default_zone": "outside"}),
        )
        .await;
    invalid_body(&r, "default_zone");
    let r = server
        .post(
            "/v1/api-keys",
            json!({"name": "k", "scopes": ["users:read"], "default_zone": "no-such-zone"}),
        )
        .await;
    invalid_body(&r, "default_zone");
    let r = server
        .post(
            "/v1/api-keys",
            json!({"name": "k", "scopes": ["users:read"], "zones": ["no-such-zone"]}),
        )
        .await;
    problem(&r, 400, "invalid_body");
    assert_eq!(get_ok(server, "/v1/api-keys").await["total_count"], json!(1));
}

pub async fn the_key_list_pages_like_every_list(server: &TestServer) {
    for i in 0..4 {
        create_key_full(server, json!({"name": format!("k{i}"), "scopes": ["users:read"]})).await;
    }
    let everything = all(server, "/v1/api-keys", "").await;
    assert_eq!(everything.len(), 5);
    let walked = walk_forward(server, "/v1/api-keys", "", 2).await;
    assert_eq!(user_ids(&walked), user_ids(&everything));
    let first = page(server, "/v1/api-keys", "limit=2").await;
    assert_eq!(first["total_count"], json!(5));
    assert_eq!(first["page_info"]["has_next_page"], json!(true));
    // Back from the second page.
    let second = page(
        server,
        "/v1/api-keys",
        &format!("limit=2&after={}", enc(first["page_info"]["end_cursor"].as_str().unwrap())),
    )
    .await;
    let back = page(
        server,
        "/v1/api-keys",
        &format!("limit=2&before={}", enc(second["page_info"]["start_cursor"].as_str().unwrap())),
    )
    .await;
    assert_eq!(ids(&back), ids(&first));
    invalid_cursor(&server.get("/v1/api-keys?after=garbage").await, "after");
    invalid_parameter(&server.get("/v1/api-keys?limit=0").await, "limit");
    invalid_parameter(&server.get("/v1/api-keys?colour=red").await, "colour");
}

pub async fn a_key_needs_a_name_and_a_non_empty_list_of_scopes(server: &TestServer) {
    invalid_body(&server.post("/v1/api-keys", json!({"scopes": ["users:read"]})).await, "name");
    invalid_body(
        &server.post("/v1/api-keys", json!({"name": "", "scopes": ["users:read"]})).await,
        "name",
    );
    for scopes in [json!([]), json!("users:read"), json!(null)] {
        let r = server.post("/v1/api-keys", json!({"name": "k", "scopes": scopes})).await;
        problem(&r, 400, "invalid_body");
    }
    invalid_body(&server.post("/v1/api-keys", json!({"name": "k"})).await, "scopes");
    assert_eq!(get_ok(server, "/v1/api-keys").await["total_count"], json!(1));
}

pub async fn the_bootstrap_key_may_be_any_20_to_256_visible_ascii_characters(server: &TestServer) {
    let backend = server.backend;
    for secret in
        ["k".repeat(20), "~".repeat(256), "!#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}".to_owned()]
    {
        let server = TestServer::builder(backend)
            .settings(|s| s.bootstrap_api_key = Some(secret.clone()))
            .start()
            .await;
        let r = get_as(&server, &secret, "/v1/users").await;
        assert_eq!(r.status, 200, "bootstrap key {secret:?}: {}", r.text());
        server.stop().await;
    }
    // Outside the bounds the server refuses to start.
    for secret in ["k".repeat(19), "k".repeat(257), "has a space in it, 30 chars".to_owned()] {
        let started = tokio::spawn(
            TestServer::builder(backend)
                .settings(move |s| s.bootstrap_api_key = Some(secret))
                .start(),
        )
        .await;
        assert!(started.is_err(), "a server started with an invalid bootstrap key");
    }
}
