//! Tenancy: zones, the key's default zone, and no leaks across zones.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::support::*;

pub async fn the_default_zone_exists_and_zones_are_listed(server: &TestServer) {
    let zones = get_ok(server, "/v1/zones").await;
    assert_eq!(zones["total_count"], json!(1));
    let z = &zones["data"][0];
    assert_eq!(z["identifier"], json!("default"));
    assert!(is_prefixed_ulid(z["id"].as_str().unwrap(), "zone_"));
    assert!(is_prefixed_ulid(z["organization_id"].as_str().unwrap(), "org_"));
    for member in ["page_info", "total_count"] {
        assert!(zones.get(member).is_some(), "zone list lacks {member}");
    }
    let created = create_zone(server, "eu-west").await;
    let zones = get_ok(server, "/v1/zones").await;
    assert_eq!(zones["total_count"], json!(2));
    let listed: Vec<&Value> = zones["data"].as_array().unwrap().iter().collect();
    assert!(listed.iter().any(|z| z["id"] == created["id"]));
}

pub async fn a_zone_is_created_with_its_identifier_name_and_location(server: &TestServer) {
    let r = server.post("/v1/zones", json!({"identifier": "eu-west_1", "name": "EU West"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let z = r.json();
    let id = z["id"].as_str().unwrap();
    assert!(is_prefixed_ulid(id, "zone_"));
    assert_eq!(z["identifier"], json!("eu-west_1"));
    assert_eq!(z["name"], json!("EU West"));
    assert_eq!(z["organization_id"], default_zone(server).await["organization_id"]);
    assert_utc_timestamp(&z["created_at"]);
    let location = r.header("location").expect("Location of the new zone");
    assert!(location.ends_with(&format!("/v1/zones/{id}")), "{location}");
    assert_eq!(get_ok(server, &format!("/v1/zones/{id}")).await, z);
    assert_eq!(get_ok(server, "/v1/zones/eu-west_1").await, z);
}

pub async fn zone_identifiers_must_be_slugs(server: &TestServer) {
    let max = format!("a{}", "b".repeat(62));
    for good in ["a", "0zone", "eu-west", "a_b-c9", max.as_str()] {
        let r = server.post("/v1/zones", json!({"identifier": good, "name": "ok"})).await;
        assert_eq!(r.status, 201, "{good:?} is a slug: {}", r.text());
    }
    let too_long = "c".repeat(64);
    for bad in [
        "",
        "EU",
        "Eu-west",
        "-lead",
        "_lead",
        "has space",
        "dot.ted",
        "ümlaut",
        too_long.as_str(),
        "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ] {
        let r = server.post("/v1/zones", json!({"identifier": bad, "name": "bad"})).await;
        invalid_body(&r, "identifier");
    }
    let r = server.post("/v1/zones", json!({"name": "no id"})).await;
    invalid_body(&r, "identifier");
    assert_eq!(get_ok(server, "/v1/zones").await["total_count"], json!(6));
}

pub async fn a_duplicate_zone_identifier_answers_409_conflict(server: &TestServer) {
    create_zone(server, "twice").await;
    let r = server.post("/v1/zones", json!({"identifier": "twice", "name": "again"})).await;
    problem_param(&r, 409, "conflict", "identifier");
    let r = server.post("/v1/zones", json!({"identifier": "default", "name": "again"})).await;
    problem_param(&r, 409, "conflict", "identifier");
    let other = create_zone(server, "other").await;
    let r = server
        .patch(
            &format!("/v1/zones/{}", other["id"].as_str().unwrap()),
            json!({"identifier": "twice"}),
        )
        .await;
    problem_param(&r, 409, "conflict", "identifier");
    assert_eq!(get_ok(server, "/v1/zones/other").await["id"], other["id"]);
}

pub async fn a_zone_is_renamed_and_reidentified_with_patch(server: &TestServer) {
    let z = create_zone(server, "old-name").await;
    let id = z["id"].as_str().unwrap();
    let r = server.patch("/v1/zones/old-name", json!({"name": "New Name"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], json!("New Name"));
    assert_eq!(r.json()["identifier"], json!("old-name"));
    let r = server.patch(&format!("/v1/zones/{id}"), json!({"identifier": "new-id"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["identifier"], json!("new-id"));
    assert_eq!(r.json()["id"], json!(id));
    problem(&server.get("/v1/zones/old-name").await, 404, "not_found");
    assert_eq!(get_ok(server, "/v1/zones/new-id").await["id"], json!(id));
    let r = server.patch(&format!("/v1/zones/{id}"), json!({"identifier": "Bad Slug"})).await;
    invalid_body(&r, "identifier");
    let r = server.patch(&format!("/v1/zones/{id}"), json!({"id": "zone_x"})).await;
    invalid_body(&r, "id");
    assert_eq!(get_ok(server, "/v1/zones/new-id").await["name"], json!("New Name"));
}

pub async fn a_zone_is_addressed_by_id_or_identifier(server: &TestServer) {
    let z = create_zone(server, "addr").await;
    let zid = z["id"].as_str().unwrap().to_owned();
    let by_identifier = create_in(server, "addr", json!({"email": "one@example.com"})).await;
    let by_id = create_in(server, &zid, json!({"email": "two@example.com"})).await;
    assert_eq!(by_identifier["zone_id"], json!(zid));
    assert_eq!(by_id["zone_id"], json!(zid));
    for zone in ["addr", zid.as_str()] {
        let listed = page(server, &format!("/v1/zones/{zone}/users"), "").await;
        assert_eq!(ids(&listed), vec![id_of(&by_identifier), id_of(&by_id)], "listing via {zone}");
        let one = get_ok(server, &format!("/v1/zones/{zone}/users/{}", id_of(&by_id))).await;
        assert_eq!(one, by_id);
    }
    let r = server
        .patch(&format!("/v1/zones/{zid}/users/{}", id_of(&by_id)), json!({"first_name": "Two"}))
        .await;
    assert_eq!(r.status, 200);
    let r = server.delete(&format!("/v1/zones/addr/users/{}", id_of(&by_id))).await;
    assert_eq!(r.status, 204);
    assert_eq!(page(server, "/v1/zones/addr/users", "").await["total_count"], json!(1));
}

pub async fn v1_users_is_the_same_api_on_the_keys_default_zone(server: &TestServer) {
    let u = server.create_user(json!({"email": "d@example.com"})).await;
    let id = id_of(&u);
    let via_zone = get_ok(server, &format!("/v1/zones/default/users/{id}")).await;
    assert_eq!(via_zone, u);
    let other = create_in(server, "default", json!({"email": "e@example.com"})).await;
    let listed = page(server, "/v1/users", "").await;
    assert_eq!(ids(&listed), vec![id.clone(), id_of(&other)]);
    assert_eq!(ids(&page(server, "/v1/zones/default/users", "").await), ids(&listed));
    let zone_id = default_zone(server).await["id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&page(server, &format!("/v1/zones/{zone_id}/users"), "").await), ids(&listed));
}

pub async fn users_of_another_zone_answer_404_as_if_they_did_not_exist(server: &TestServer) {
    create_zone(server, "alpha").await;
    create_zone(server, "beta").await;
    let a = create_in(server, "alpha", json!({"email": "a@example.com"})).await;
    let id = id_of(&a);
    for zone in ["beta", "default"] {
        let base = format!("/v1/zones/{zone}/users/{id}");
        problem(&server.get(&base).await, 404, "not_found");
        problem(&server.patch(&base, json!({"first_name": "X"})).await, 404, "not_found");
        problem(&server.delete(&base).await, 404, "not_found");
        assert_eq!(
            page(server, &format!("/v1/zones/{zone}/users"), "").await["total_count"],
            json!(0)
        );
    }
    problem(&server.get(&format!("/v1/users/{id}")).await, 404, "not_found");
    // It is untouched in its own zone.
    let still = get_ok(server, &format!("/v1/zones/alpha/users/{id}")).await;
    assert_eq!(still, a);
}

pub async fn the_same_email_and_identifier_may_live_in_two_zones(server: &TestServer) {
    create_zone(server, "z1").await;
    create_zone(server, "z2").await;
    let body = json!({"email": "same@example.com", "identifier": "same"});
    let one = create_in(server, "z1", body.clone()).await;
    let two = create_in(server, "z2", body.clone()).await;
    assert_ne!(one["id"], two["id"]);
    let r = server.post("/v1/zones/z1/users", body).await;
    problem(&r, 409, "conflict");
}

pub async fn a_zone_limited_key_sees_only_its_zones(server: &TestServer) {
    let mine = create_zone(server, "mine").await;
    create_zone(server, "theirs").await;
    let theirs_user = create_in(server, "theirs", json!({"email": "t@example.com"})).await;
    let mine_id = mine["id"].as_str().unwrap();
    let (limited, _) = key(server, &["users:write", "zones:write"], Some(&[mine_id])).await;

    let zones = get_as(server, &limited, "/v1/zones").await.json();
    let visible: Vec<&str> = zones["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(visible, vec!["mine"]);
    assert_eq!(zones["total_count"], json!(1));

    // Other zones, and their users, are 404 — never 403.
    for path in [
        "/v1/zones/theirs".to_owned(),
        "/v1/zones/default".to_owned(),
        "/v1/zones/theirs/users".to_owned(),
        format!("/v1/zones/theirs/users/{}", id_of(&theirs_user)),
    ] {
        let r = get_as(server, &limited, &path).await;
        problem(&r, 404, "not_found");
    }
    let r = server
        .call_as(
            &limited,
            "POST",
            "/v1/zones/theirs/users",
            Some(json!({"email": "sneak@example.com"})),
        )
        .await;
    problem(&r, 404, "not_found");
    let r = server
        .call_as(&limited, "PATCH", "/v1/zones/theirs", Some(json!({"name": "Hijacked"})))
        .await;
    problem(&r, 404, "not_found");
    let r = server.call_as(&limited, "DELETE", "/v1/zones/theirs", None).await;
    problem(&r, 404, "not_found");
    // An unseen zone answers exactly like a zone that does not exist.
    let unseen = get_as(server, &limited, "/v1/zones/theirs/users").await;
    let missing = get_as(server, &limited, "/v1/zones/nonexistent/users").await;
    assert_eq!(unseen.status, missing.status);
    assert_eq!(unseen.json()["code"], missing.json()["code"]);
    assert_eq!(unseen.json()["detail"], missing.json()["detail"]);

    // Its own zone works, and is its default zone.
    let r = server
        .call_as(&limited, "POST", "/v1/users", Some(json!({"email": "m@example.com"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["zone_id"], json!(mine_id));
    assert_eq!(get_ok(server, "/v1/zones/theirs").await["name"], json!("Zone theirs"));
    assert_eq!(page(server, "/v1/zones/theirs/users", "").await["total_count"], json!(1));
}

pub async fn only_a_key_valid_for_every_zone_may_create_zones(server: &TestServer) {
    let zone_id = default_zone(server).await["id"].as_str().unwrap().to_owned();
    let (limited, _) = key(server, &["zones:write"], Some(&[zone_id.as_str()])).await;
    let r = server
        .call_as(&limited, "POST", "/v1/zones", Some(json!({"identifier": "nope", "name": "Nope"})))
        .await;
    problem(&r, 403, "insufficient_scope");
    problem(&server.get("/v1/zones/nope").await, 404, "not_found");
    let (unlimited, _) = key(server, &["zones:write"], None).await;
    let r = server
        .call_as(&unlimited, "POST", "/v1/zones", Some(json!({"identifier": "yes", "name": "Yes"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}

pub async fn deleting_a_zone_that_holds_users_answers_409_zone_not_empty(server: &TestServer) {
    create_zone(server, "full").await;
    let u = create_in(server, "full", json!({"email": "f@example.com"})).await;
    let r = server.delete("/v1/zones/full").await;
    problem(&r, 409, "zone_not_empty");
    assert_eq!(get_ok(server, &format!("/v1/zones/full/users/{}", id_of(&u))).await, u);
    let r = server.delete(&format!("/v1/zones/full/users/{}", id_of(&u))).await;
    assert_eq!(r.status, 204);
    let r = server.delete("/v1/zones/full").await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    problem(&server.get("/v1/zones/full").await, 404, "not_found");
    problem(&server.get("/v1/zones/full/users").await, 404, "not_found");
    problem(&server.delete("/v1/zones/full").await, 404, "not_found");
    // The identifier is free again.
    create_zone(server, "full").await;
}

pub async fn unknown_and_malformed_zones_and_ids_answer_404(server: &TestServer) {
    for path in [
        "/v1/zones/nowhere",
        "/v1/zones/zone_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/v1/zones/zone_garbage",
        "/v1/zones/nowhere/users",
        "/v1/zones/zone_01ARZ3NDEKTSV4RRFFQ69G5FAV/users",
        "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/v1/users/user_abc",
        "/v1/users/not-an-id",
        "/v1/users/zone_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/v1/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV0",
        "/v1/users/%27%20OR%201%3D1",
        "/v1/zones/default/users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ] {
        problem(&server.get(path).await, 404, "not_found");
    }
    problem(
        &server.patch("/v1/users/user_nope", json!({"first_name": "x"})).await,
        404,
        "not_found",
    );
    problem(&server.delete("/v1/users/user_nope").await, 404, "not_found");
}

pub async fn the_zone_list_pages_like_every_list(server: &TestServer) {
    for i in 0..4 {
        create_zone(server, &format!("z{i}")).await;
    }
    let everything = all(server, "/v1/zones", "").await;
    assert_eq!(everything.len(), 5);
    let walked = walk_forward(server, "/v1/zones", "", 2).await;
    assert_eq!(user_ids(&walked), user_ids(&everything));
    let p = page(server, "/v1/zones", "limit=2").await;
    assert_eq!(p["total_count"], json!(5));
    invalid_cursor(&server.get("/v1/zones?before=nope").await, "before");
    invalid_parameter(&server.get("/v1/zones?limit=1001").await, "limit");
}
