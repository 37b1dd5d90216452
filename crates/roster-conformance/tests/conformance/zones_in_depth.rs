//! Seed 003: roles, role assignments, sessions, grants, identity providers,
//! sign-ins and `expand[]`.

use serde_json::{Value, json};

use roster_testkit::TestServer;

async fn user(server: &TestServer, email: &str) -> String {
    server.create_user(json!({ "email": email })).await["id"].as_str().unwrap().to_owned()
}

async fn role(server: &TestServer, identifier: &str) -> Value {
    let r = server.post("/v1/roles", json!({ "identifier": identifier })).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

async fn zone(server: &TestServer, identifier: &str) -> String {
    let r = server.post("/v1/zones", json!({ "identifier": identifier })).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect()
}

fn in_seconds(s: i64) -> String {
    let t = std::time::SystemTime::now() + std::time::Duration::from_secs(s as u64);
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // RFC 3339 from a Unix time without a date crate: let the server echo
    // a timestamp back is not possible, so format by hand.
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, sec) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days as i64);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{sec:02}Z")
}

/// Howard Hinnant's days-to-civil.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub async fn roles_are_created_read_updated_and_deleted_by_id_or_identifier(server: &TestServer) {
    let admin = role(server, "admin").await;
    let id = admin["id"].as_str().unwrap();
    assert!(id.starts_with("role_"));
    assert_eq!(admin["name"], "admin", "name defaults to the identifier");
    assert_eq!(server.get("/v1/roles/admin").await.json()["id"], id);
    assert_eq!(
        server.get(&format!("/v1/zones/default/roles/{id}")).await.json()["identifier"],
        "admin"
    );
    let r = server
        .patch("/v1/roles/admin", json!({ "name": "Administrator", "description": "all" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], "Administrator");
    assert_eq!(r.json()["external_id"], Value::Null, "none until set");
    // A provisioning system's id for the role (SCIM's Group externalId).
    let r = server.patch("/v1/roles/admin", json!({ "external_id": "grp-7" })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.get(&format!("/v1/roles/{id}")).await.json()["external_id"], "grp-7");
    let r = server.patch("/v1/roles/admin", json!({ "external_id": null })).await;
    assert_eq!(r.json()["external_id"], Value::Null, "null clears it");
    let list = server.get("/v1/roles").await.json();
    assert_eq!(list["total_count"], 1);
    assert_eq!(server.delete(&format!("/v1/roles/{id}")).await.status, 204);
    assert_eq!(server.get("/v1/roles/admin").await.status, 404);
}

pub async fn a_role_identifier_is_unique_in_its_zone_only(server: &TestServer) {
    role(server, "admin").await;
    let again = server.post("/v1/roles", json!({ "identifier": "admin" })).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "conflict");
    assert_eq!(again.json()["param"], "identifier");
    zone(server, "eu").await;
    let other = server.post("/v1/zones/eu/roles", json!({ "identifier": "admin" })).await;
    assert_eq!(other.status, 201, "{}", other.text());
}

pub async fn roles_are_assigned_by_id_or_identifier_and_the_same_assignment_twice_is_409(
    server: &TestServer,
) {
    let admin = role(server, "admin").await;
    let u = user(server, "a@example.com").await;
    let path = format!("/v1/users/{u}/role-assignments");
    let by_ident = server.post(&path, json!({ "role_identifier": "admin" })).await;
    assert_eq!(by_ident.status, 201, "{}", by_ident.text());
    let a = by_ident.json();
    assert!(a["id"].as_str().unwrap().starts_with("ra_"));
    assert_eq!(a["role_id"], admin["id"]);
    assert_eq!(a["role_identifier"], "admin");
    assert_eq!(a["scope"], Value::Null);
    let dup = server.post(&path, json!({ "role_id": admin["id"] })).await;
    assert_eq!(dup.status, 409, "{}", dup.text());
    assert_eq!(dup.code(), "conflict");
    let scoped = server
        .post(&path, json!({ "role_id": admin["id"], "scope": { "type": "project", "id": "p1" } }))
        .await;
    assert_eq!(scoped.status, 201, "a scoped assignment is a different assignment");
    assert_eq!(scoped.json()["scope"], json!({ "type": "project", "id": "p1" }));
    let missing = server.post(&path, json!({ "role_identifier": "nope" })).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.code(), "invalid_body");
    assert_eq!(missing.json()["param"], "role_identifier");
    let list = server.get(&path).await.json();
    assert_eq!(list["total_count"], 2);
    let ra = a["id"].as_str().unwrap();
    assert_eq!(server.delete(&format!("{path}/{ra}")).await.status, 204);
    assert_eq!(server.delete(&format!("{path}/{ra}")).await.status, 404);
    assert_eq!(server.get(&path).await.json()["total_count"], 1);
}

pub async fn deleting_a_role_removes_its_assignments(server: &TestServer) {
    role(server, "admin").await;
    let u = user(server, "a@example.com").await;
    let path = format!("/v1/users/{u}/role-assignments");
    assert_eq!(server.post(&path, json!({ "role_identifier": "admin" })).await.status, 201);
    assert_eq!(server.delete("/v1/roles/admin").await.status, 204);
    assert_eq!(server.get(&path).await.json()["total_count"], 0);
    let expanded = server.get(&format!("/v1/users/{u}?expand[]=role_assignments")).await.json();
    assert_eq!(expanded["role_assignments"], json!([]));
}

pub async fn expand_adds_role_assignments_and_live_counts_and_nothing_else(server: &TestServer) {
    role(server, "admin").await;
    let u = user(server, "a@example.com").await;
    let plain = server.get(&format!("/v1/users/{u}")).await.json();
    for field in ["role_assignments", "grant_count", "session_count"] {
        assert!(plain.get(field).is_none(), "{field} without expand");
    }
    server
        .post(
            &format!("/v1/users/{u}/role-assignments"),
            json!({ "role_identifier": "admin", "scope": { "type": "zone", "id": "default" } }),
        )
        .await;
    server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
    server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
    let g = server
        .post(
            &format!("/v1/users/{u}/grants"),
            json!({ "client_id": "app", "resource": "api", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text());
    let one = server
        .get(&format!(
            "/v1/users/{u}?expand[]=role-assignments&expand[]=grant_count&expand=session_count"
        ))
        .await;
    assert_eq!(one.status, 200, "{}", one.text());
    let one = one.json();
    assert_eq!(one["session_count"], 2);
    assert_eq!(one["grant_count"], 1);
    let ra = &one["role_assignments"][0];
    assert_eq!(ra["role_identifier"], "admin");
    assert_eq!(ra["scope"], json!({ "type": "zone", "id": "default" }));
    let list = server.get("/v1/users?expand[]=session_count").await.json();
    assert_eq!(list["data"][0]["session_count"], 2);
    assert!(list["data"][0].get("grant_count").is_none());
    let bad = server.get("/v1/users?expand[]=secrets").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["param"], "expand[]");
}

pub async fn expanding_role_assignments_needs_roles_read(server: &TestServer) {
    let key = server.create_key(&["users:read"], None).await;
    let r = server.call_as(&key, "GET", "/v1/users?expand[]=role_assignments", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "insufficient_scope");
    let ok = server.call_as(&key, "GET", "/v1/users?expand[]=session_count", None).await;
    assert_eq!(ok.status, 200);
}

pub async fn a_session_sets_authenticated_at_and_counts_until_revoked_or_expired(
    server: &TestServer,
) {
    let u = user(server, "a@example.com").await;
    let before = server.get(&format!("/v1/users/{u}")).await;
    assert_eq!(before.json()["authenticated_at"], Value::Null);
    let path = format!("/v1/users/{u}/sessions");
    // `in_seconds` truncates to whole seconds, so this expires 3 to 4 s
    // from now: long enough to be counted first on a loaded machine.
    let s = server.post(&path, json!({ "expires_at": in_seconds(4) })).await;
    assert_eq!(s.status, 201, "{}", s.text());
    let s = s.json();
    assert!(s["id"].as_str().unwrap().starts_with("sess_"));
    assert_eq!(s["status"], "active");
    let after = server.get(&format!("/v1/users/{u}")).await;
    assert_eq!(after.json()["authenticated_at"], s["created_at"]);
    assert_ne!(after.header("etag"), before.header("etag"), "the user changed");
    let long = server.post(&path, json!({})).await.json();
    let count = |v: Value| v["session_count"].as_u64().unwrap();
    let expanded = format!("/v1/users/{u}?expand[]=session_count");
    assert_eq!(count(server.get(&expanded).await.json()), 2);
    tokio::time::sleep(std::time::Duration::from_millis(4100)).await;
    assert_eq!(count(server.get(&expanded).await.json()), 1, "the expired one no longer counts");
    let sid = long["id"].as_str().unwrap();
    assert_eq!(server.delete(&format!("{path}/{sid}")).await.status, 204);
    assert_eq!(count(server.get(&expanded).await.json()), 0);
    let listed = server.get(&path).await.json();
    let statuses: Vec<&str> =
        listed["data"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["expired", "revoked"]);
}

pub async fn a_session_or_grant_that_expires_in_the_past_is_refused(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let s = server
        .post(&format!("/v1/users/{u}/sessions"), json!({ "expires_at": "2001-01-01T00:00:00Z" }))
        .await;
    assert_eq!(s.status, 400);
    assert_eq!(s.json()["param"], "expires_at");
    let g = server
        .post(
            &format!("/v1/users/{u}/grants"),
            json!({ "client_id": "c", "resource": "r", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(g.status, 400);
    assert_eq!(g.json()["param"], "expires_at");
}

pub async fn a_disabled_user_cannot_get_a_session(server: &TestServer) {
    let u = server.create_user(json!({ "email": "a@example.com", "status": "disabled" })).await;
    let id = u["id"].as_str().unwrap();
    let r = server.post(&format!("/v1/users/{id}/sessions"), json!({})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "user_disabled");
    assert_eq!(server.get(&format!("/v1/users/{id}/sessions")).await.json()["total_count"], 0);
}

pub async fn disabling_a_user_revokes_its_sessions_and_grants(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
    server
        .post(
            &format!("/v1/users/{u}/grants"),
            json!({ "client_id": "c", "resource": "r", "scopes": ["read"] }),
        )
        .await;
    let r = server.patch(&format!("/v1/users/{u}"), json!({ "status": "disabled" })).await;
    assert_eq!(r.status, 200);
    let counts =
        server.get(&format!("/v1/users/{u}?expand[]=session_count,grant_count")).await.json();
    assert_eq!(
        (counts["session_count"].as_u64(), counts["grant_count"].as_u64()),
        (Some(0), Some(0))
    );
    let s = server.get(&format!("/v1/users/{u}/sessions")).await.json();
    assert_eq!(s["data"][0]["status"], "revoked");
    let g = server.get(&format!("/v1/users/{u}/grants")).await.json();
    assert_eq!(g["data"][0]["status"], "revoked");
}

pub async fn grants_are_created_listed_and_revoked_and_only_live_ones_count(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let path = format!("/v1/users/{u}/grants");
    let g = server
        .post(
            &path,
            json!({ "client_id": "app", "resource": "https://api", "scopes": ["read", "write"] }),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text());
    let g = g.json();
    assert!(g["id"].as_str().unwrap().starts_with("grant_"));
    assert_eq!(g["scopes"], json!(["read", "write"]));
    assert_eq!(g["status"], "active");
    let missing = server.post(&path, json!({ "resource": "x" })).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["param"], "client_id");
    let gid = g["id"].as_str().unwrap();
    assert_eq!(server.delete(&format!("{path}/{gid}")).await.status, 204);
    let n = server.get(&format!("/v1/users/{u}?expand[]=grant_count")).await.json();
    assert_eq!(n["grant_count"], 0);
}

pub async fn deleting_a_user_removes_its_assignments_sessions_and_grants(server: &TestServer) {
    role(server, "admin").await;
    let u = user(server, "a@example.com").await;
    server
        .post(&format!("/v1/users/{u}/role-assignments"), json!({ "role_identifier": "admin" }))
        .await;
    server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
    server
        .post(
            &format!("/v1/users/{u}/grants"),
            json!({ "client_id": "c", "resource": "r", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(server.delete(&format!("/v1/users/{u}")).await.status, 204);
    for sub in ["role-assignments", "sessions", "grants"] {
        assert_eq!(server.get(&format!("/v1/users/{u}/{sub}")).await.status, 404, "{sub}");
    }
    assert_eq!(server.get("/v1/users?role=admin").await.json()["total_count"], 0);
}

pub async fn providers_are_managed_per_zone_and_deleting_one_keeps_its_users(server: &TestServer) {
    let p = server
        .post(
            "/v1/zones/default/providers",
            json!({ "identifier": "okta", "issuer": "https://okta" }),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text());
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    assert!(pid.starts_with("idp_"));
    let dup = server.post("/v1/providers", json!({ "identifier": "okta", "issuer": "x" })).await;
    assert_eq!(dup.status, 409);
    let linked = server
        .create_user(json!({ "email": "a@example.com", "provider_id": pid, "issuer": "https://okta", "subject": "s1" }))
        .await;
    let uid = linked["id"].as_str().unwrap();
    assert_eq!(linked["provider_id"], pid.as_str());
    let listed = server.get(&format!("/v1/users?provider_id={pid}")).await.json();
    assert_eq!(ids(&listed), vec![uid.to_owned()]);
    let patched =
        server.patch(&format!("/v1/providers/{pid}"), json!({ "issuer": "https://okta2" })).await;
    assert_eq!(patched.json()["issuer"], "https://okta2");
    assert_eq!(server.delete("/v1/providers/okta").await.status, 204);
    let after = server.get(&format!("/v1/users/{uid}")).await;
    assert_eq!(after.status, 200, "the user is kept");
    assert_eq!(after.json()["provider_id"], Value::Null);
    assert_eq!(after.json()["subject"], "s1");
    assert_eq!(server.get(&format!("/v1/providers/{pid}")).await.status, 404);
}

pub async fn a_user_provider_id_must_name_a_provider_of_the_zone(server: &TestServer) {
    let r = server
        .post(
            "/v1/users",
            json!({ "email": "a@example.com", "provider_id": "idp_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "invalid_body");
    assert_eq!(r.json()["param"], "provider_id");
    zone(server, "eu").await;
    let other =
        server.post("/v1/zones/eu/providers", json!({ "identifier": "g", "issuer": "i" })).await;
    let other_id = other.json()["id"].as_str().unwrap().to_owned();
    let r = server
        .post("/v1/users", json!({ "email": "a@example.com", "provider_id": other_id }))
        .await;
    assert_eq!(r.status, 400, "another zone's provider is not this zone's");
}

pub async fn a_sign_in_creates_the_user_once_then_finds_it(server: &TestServer) {
    server
        .post(
            "/v1/providers",
            json!({ "identifier": "okta", "issuer": "https://okta", "user_identifier_claim": "preferred_username" }),
        )
        .await;
    let body = json!({ "subject": "00u1", "claims": { "email": "jane@example.com", "preferred_username": "jane", "given_name": "Jane" } });
    let first = server.post("/v1/zones/default/providers/okta/sign-ins", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["created"], true);
    let user = &first["user"];
    assert_eq!(user["identifier"], "jane");
    assert_eq!(user["email"], "jane@example.com");
    assert_eq!(user["first_name"], "Jane");
    assert_eq!(user["issuer"], "https://okta");
    assert_eq!(user["subject"], "00u1");
    assert!(user["provider_id"].as_str().unwrap().starts_with("idp_"));
    assert_eq!(user["authenticated_at"], first["session"]["created_at"]);
    assert_eq!(first["session"]["provider_id"], user["provider_id"]);
    let second = server.post("/v1/providers/okta/sign-ins", json!({ "subject": "00u1" })).await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    assert_eq!(second["created"], false);
    assert_eq!(second["user"]["id"], user["id"]);
    let uid = user["id"].as_str().unwrap();
    let sessions = server.get(&format!("/v1/users/{uid}/sessions")).await.json();
    assert_eq!(sessions["total_count"], 2);
    assert_eq!(server.get("/v1/users").await.json()["total_count"], 1);
}

pub async fn a_sign_in_that_must_create_a_user_without_an_email_claim_is_400(server: &TestServer) {
    server.post("/v1/providers", json!({ "identifier": "okta", "issuer": "https://okta" })).await;
    let r =
        server.post("/v1/providers/okta/sign-ins", json!({ "subject": "s", "claims": {} })).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "claims.email");
    assert_eq!(server.get("/v1/users").await.json()["total_count"], 0);
}

pub async fn a_disabled_user_cannot_sign_in(server: &TestServer) {
    server.post("/v1/providers", json!({ "identifier": "okta", "issuer": "https://okta" })).await;
    server
        .create_user(json!({ "email": "a@example.com", "issuer": "https://okta", "subject": "s", "status": "disabled" }))
        .await;
    let r = server.post("/v1/providers/okta/sign-ins", json!({ "subject": "s" })).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "user_disabled");
}

pub async fn users_are_filtered_by_role_id_or_identifier(server: &TestServer) {
    let admin = role(server, "admin").await;
    let a = user(server, "a@example.com").await;
    let _b = user(server, "b@example.com").await;
    server
        .post(&format!("/v1/users/{a}/role-assignments"), json!({ "role_identifier": "admin" }))
        .await;
    for r in ["admin", admin["id"].as_str().unwrap()] {
        let list = server.get(&format!("/v1/users?role={r}")).await.json();
        assert_eq!(ids(&list), vec![a.clone()], "role={r}");
        assert_eq!(list["total_count"], 1);
    }
    let none = server.get("/v1/users?role=nobody").await.json();
    assert_eq!(none["total_count"], 0);
    assert_eq!(none["data"], json!([]));
}

pub async fn sub_resources_of_another_zone_answer_404(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    zone(server, "eu").await;
    server.post("/v1/zones/eu/roles", json!({ "identifier": "admin" })).await;
    let bodies = [
        ("role-assignments", json!({ "role_identifier": "admin" })),
        ("sessions", json!({})),
        ("grants", json!({ "client_id": "c", "resource": "r", "scopes": ["read"] })),
    ];
    for (sub, body) in bodies {
        let r = server.get(&format!("/v1/zones/eu/users/{u}/{sub}")).await;
        assert_eq!(r.status, 404, "{sub}");
        let w = server.post(&format!("/v1/zones/eu/users/{u}/{sub}"), body).await;
        assert_eq!(w.status, 404, "{sub} write: {}", w.text());
    }
    let key = server.create_key(&["admin"], Some(&["eu"])).await;
    let r = server.call_as(&key, "GET", "/v1/zones/default/roles", None).await;
    assert_eq!(r.status, 404, "a key limited to eu sees no default zone");
    let r =
        server.call_as(&key, "GET", &format!("/v1/zones/default/users/{u}/sessions"), None).await;
    assert_eq!(r.status, 404);
}

pub async fn sub_resources_need_their_scopes(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let users_only = server.create_key(&["users:write"], None).await;
    let roles = server.call_as(&users_only, "GET", "/v1/roles", None).await;
    assert_eq!((roles.status, roles.code().as_str()), (403, "insufficient_scope"));
    let providers = server
        .call_as(
            &users_only,
            "POST",
            "/v1/providers",
            Some(json!({ "identifier": "x", "issuer": "y" })),
        )
        .await;
    assert_eq!(providers.status, 403);
    let ok = server
        .call_as(&users_only, "POST", &format!("/v1/users/{u}/sessions"), Some(json!({})))
        .await;
    assert_eq!(ok.status, 201);
    let read_only = server.create_key(&["users:read", "roles:read"], None).await;
    let w = server
        .call_as(
            &read_only,
            "POST",
            &format!("/v1/users/{u}/grants"),
            Some(json!({ "client_id": "c", "resource": "r", "scopes": ["read"] })),
        )
        .await;
    assert_eq!(w.status, 403);
    let w =
        server.call_as(&read_only, "POST", "/v1/roles", Some(json!({ "identifier": "x" }))).await;
    assert_eq!(w.status, 403);
    let r = server.call_as(&read_only, "GET", &format!("/v1/users/{u}/sessions"), None).await;
    assert_eq!(r.status, 200);
}

pub async fn sub_resource_lists_page_with_cursors(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let path = format!("/v1/users/{u}/sessions");
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(server.post(&path, json!({})).await.json()["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut url = format!("{path}?limit=2");
    loop {
        let page = server.get(&url).await.json();
        assert_eq!(page["total_count"], 5);
        seen.extend(ids(&page));
        if !page["page_info"]["has_next_page"].as_bool().unwrap() {
            break;
        }
        url = format!("{path}?limit=2&after={}", page["page_info"]["end_cursor"].as_str().unwrap());
    }
    assert_eq!(seen, made);
    let bad = server.get(&format!("{path}?after=garbage")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "invalid_cursor");
}

pub async fn sub_resources_show_created_by_only_with_metadata_permission(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
    let with = server.get(&format!("/v1/users/{u}/sessions")).await.json();
    assert!(with["data"][0]["created_by"].as_str().unwrap().starts_with("key_"));
    let key = server.create_key(&["users:read"], None).await;
    let without =
        server.call_as(&key, "GET", &format!("/v1/users/{u}/sessions"), None).await.json();
    assert!(without["data"][0].get("created_by").is_none());
}

/// Statements the server has sent to its database so far.
async fn statements(server: &TestServer) -> u64 {
    let text = server.get("/metrics").await.text();
    text.lines()
        .find_map(|l| l.strip_prefix("roster_store_statements_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("roster_store_statements_total in /metrics")
}

pub async fn a_fully_expanded_page_costs_the_same_bounded_statements_whatever_its_size(
    server: &TestServer,
) {
    role(server, "admin").await;
    for i in 0..120 {
        let u = user(server, &format!("u{i}@example.com")).await;
        server
            .post(&format!("/v1/users/{u}/role-assignments"), json!({ "role_identifier": "admin" }))
            .await;
        server.post(&format!("/v1/users/{u}/sessions"), json!({})).await;
        server
            .post(
                &format!("/v1/users/{u}/grants"),
                json!({ "client_id": "c", "resource": "r", "scopes": ["read"] }),
            )
            .await;
    }
    let expand = "expand[]=role_assignments&expand[]=grant_count&expand[]=session_count";
    // Counted on a node of its own whose webhook delivery looks for due
    // endpoints once an hour: a store counts every statement it sends, the
    // background's too (test servers look every 50 ms). Its key cache
    // keeps the key an hour too: by default a key is looked up again every
    // 5 s, a statement of no page's, which on a loaded CI machine fell into
    // every reading of one page size.
    let quiet = TestServer::builder(server.backend)
        .database_url(server.database_url.clone())
        .settings(|s| {
            s.service.webhooks.poll = std::time::Duration::from_secs(3600);
            s.service.key_cache_ttl = std::time::Duration::from_secs(3600);
        })
        .start()
        .await;
    // Warm up: the first request of a key may record its last use.
    quiet.get("/v1/users?limit=1").await;
    let mut costs = Vec::new();
    for limit in [5, 120] {
        // Background work only adds: the least of three readings is the
        // request's own cost.
        let mut cost = u64::MAX;
        for _ in 0..3 {
            let before = statements(&quiet).await;
            let page = quiet.get(&format!("/v1/users?limit={limit}&{expand}")).await.json();
            let after = statements(&quiet).await;
            assert_eq!(page["data"].as_array().unwrap().len(), limit);
            assert_eq!(page["data"][limit - 1]["session_count"], 1);
            assert_eq!(page["data"][limit - 1]["role_assignments"][0]["role_identifier"], "admin");
            cost = cost.min(after - before);
        }
        costs.push(cost);
    }
    assert_eq!(costs[0], costs[1], "a bigger page must not cost more statements: {costs:?}");
    assert!(costs[1] <= 12, "an expanded page costs {} statements", costs[1]);
    quiet.stop().await;
}

pub async fn every_post_replays_under_the_same_idempotency_key(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let path = format!("/v1/users/{u}/sessions");
    let send = |path: String, body: Value, key: &'static str| {
        let req = server
            .request("POST", &path)
            .bearer_auth(roster_testkit::ADMIN_KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(body.to_string());
        roster_testkit::send(req)
    };
    let first = send(path.clone(), json!({}), "sess-1").await;
    let again = send(path.clone(), json!({}), "sess-1").await;
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.json(), again.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(server.get(&path).await.json()["total_count"], 1, "one session, not two");
    let other = send(path.clone(), json!({ "expires_at": in_seconds(60) }), "sess-1").await;
    assert_eq!(other.status, 422);
    assert_eq!(other.code(), "idempotency_key_reused");
    let z1 = send("/v1/zones".into(), json!({ "identifier": "eu" }), "zone-1").await;
    let z2 = send("/v1/zones".into(), json!({ "identifier": "eu" }), "zone-1").await;
    assert_eq!((z1.status, z2.status), (201, 201), "{}", z2.text());
    assert_eq!(z1.json()["id"], z2.json()["id"]);
}

pub async fn one_assignment_session_or_grant_is_read_by_id_in_its_zone_only(server: &TestServer) {
    role(server, "admin").await;
    let u = user(server, "a@example.com").await;
    let made = [
        (
            "role-assignments",
            server
                .post(
                    &format!("/v1/users/{u}/role-assignments"),
                    json!({ "role_identifier": "admin" }),
                )
                .await,
        ),
        ("sessions", server.post(&format!("/v1/users/{u}/sessions"), json!({})).await),
        (
            "grants",
            server
                .post(
                    &format!("/v1/users/{u}/grants"),
                    json!({ "client_id": "c", "resource": "r", "scopes": ["read"] }),
                )
                .await,
        ),
    ];
    zone(server, "eu").await;
    for (sub, created) in made {
        assert_eq!(created.status, 201, "{sub}: {}", created.text());
        let created = created.json();
        let id = created["id"].as_str().unwrap();
        let one = server.get(&format!("/v1/users/{u}/{sub}/{id}")).await;
        assert_eq!(one.status, 200, "{sub}");
        assert_eq!(one.json(), created, "{sub}: the same object");
        let zoned = server.get(&format!("/v1/zones/default/users/{u}/{sub}/{id}")).await;
        assert_eq!(zoned.status, 200, "{sub} under its zone path");
        assert_eq!(
            server.get(&format!("/v1/zones/eu/users/{u}/{sub}/{id}")).await.status,
            404,
            "{sub}"
        );
        assert_eq!(
            server.get(&format!("/v1/users/{u}/{sub}/not-an-id")).await.status,
            404,
            "{sub}"
        );
    }
    let sessions = server.get(&format!("/v1/users/{u}/sessions")).await.json();
    let sid = sessions["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(server.delete(&format!("/v1/users/{u}/sessions/{sid}")).await.status, 204);
    let revoked = server.get(&format!("/v1/users/{u}/sessions/{sid}")).await.json();
    assert_eq!(revoked["status"], "revoked");
}

pub async fn deleting_an_empty_zone_deletes_its_roles_and_providers(server: &TestServer) {
    zone(server, "eu").await;
    assert_eq!(
        server.post("/v1/zones/eu/roles", json!({ "identifier": "admin" })).await.status,
        201
    );
    let p =
        server.post("/v1/zones/eu/providers", json!({ "identifier": "okta", "issuer": "i" })).await;
    assert_eq!(p.status, 201);
    let r = server.delete("/v1/zones/eu").await;
    assert_eq!(r.status, 204, "{}", r.text());
    // A new zone of the same identifier starts empty.
    zone(server, "eu").await;
    assert_eq!(server.get("/v1/zones/eu/roles").await.json()["total_count"], 0);
    assert_eq!(server.get("/v1/zones/eu/providers").await.json()["total_count"], 0);
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&format!("/v1/zones/eu/providers/{pid}")).await.status, 404);
}

pub async fn a_disabled_user_cannot_receive_a_grant(server: &TestServer) {
    let u = server.create_user(json!({ "email": "a@example.com", "status": "disabled" })).await;
    let id = u["id"].as_str().unwrap();
    let r = server
        .post(
            &format!("/v1/users/{id}/grants"),
            json!({ "client_id": "c", "resource": "r", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "user_disabled");
    assert_eq!(server.get(&format!("/v1/users/{id}/grants")).await.json()["total_count"], 0);
}

pub async fn a_session_may_name_a_provider_of_its_zone_and_no_other(server: &TestServer) {
    let u = user(server, "a@example.com").await;
    let p =
        server.post("/v1/providers", json!({ "identifier": "okta", "issuer": "i" })).await.json();
    let pid = p["id"].as_str().unwrap();
    let s = server.post(&format!("/v1/users/{u}/sessions"), json!({ "provider_id": pid })).await;
    assert_eq!(s.status, 201, "{}", s.text());
    assert_eq!(s.json()["provider_id"], pid);
    let unknown = server
        .post(
            &format!("/v1/users/{u}/sessions"),
            json!({ "provider_id": "idp_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.code(), "invalid_body");
    assert_eq!(unknown.json()["param"], "provider_id");
    let garbled =
        server.post(&format!("/v1/users/{u}/sessions"), json!({ "provider_id": "okta" })).await;
    assert_eq!(garbled.status, 400);
    assert_eq!(garbled.json()["param"], "provider_id");
    assert_eq!(server.get(&format!("/v1/users/{u}/sessions")).await.json()["total_count"], 1);
}
