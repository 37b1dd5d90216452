//! Keys and zones within reach: a key sees, reads and revokes only API keys
//! whose zones lie within its own (a key valid for every zone sees them
//! all); any other key answers 404, exactly like a key that does not exist.
//! Only a key valid for every zone may create zones or change a zone's
//! `identifier`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::support::{create_key_full, create_zone, get_ok, invalid_body, key, problem};

/// A nonexistent key id, for comparing with an unseen key's answer.
const MISSING_KEY: &str = "key_01ARZ3NDEKTSV4RRFFQ69G5FAV";

/// Zone reaches, by name: which of the zones `A`, `B`, `C` a key is limited
/// to; `None` is a key valid for every zone.
const REACHES: [(&str, Option<&[usize]>); 5] = [
    ("A", Some(&[0])),
    ("B", Some(&[1])),
    ("AB", Some(&[0, 1])),
    ("AC", Some(&[0, 2])),
    ("all", None),
];

/// The callers of the matrix: limited to A, to A and B, and to every zone.
const CALLERS: [&str; 3] = ["A", "AB", "all"];

fn reach(name: &str) -> Option<&'static [usize]> {
    REACHES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).unwrap()
}

/// Whether a key of reach `target` lies within a key of reach `caller`.
fn within(caller: &str, target: &str) -> bool {
    match (reach(caller), reach(target)) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(mine), Some(theirs)) => theirs.iter().all(|z| mine.contains(z)),
    }
}

/// Creates zones `ra`, `rb`, `rc` and returns their ids.
async fn three_zones(server: &TestServer) -> Vec<String> {
    let mut ids = Vec::new();
    for identifier in ["ra", "rb", "rc"] {
        ids.push(create_zone(server, identifier).await["id"].as_str().unwrap().to_owned());
    }
    ids
}

fn zone_ids(zones: &[String], name: &str) -> Option<Vec<String>> {
    reach(name).map(|r| r.iter().map(|&i| zones[i].clone()).collect())
}

/// Creates (as admin) a key of the given reach; returns (secret, id).
async fn key_of_reach(
    server: &TestServer,
    zones: &[String],
    name: &str,
    scopes: &[&str],
) -> (String, String) {
    let ids = zone_ids(zones, name);
    let refs: Option<Vec<&str>> = ids.as_ref().map(|v| v.iter().map(String::as_str).collect());
    key(server, scopes, refs.as_deref()).await
}

/// Every key the caller lists, walking every page.
async fn listed(server: &TestServer, caller: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = "/v1/api-keys?limit=2".to_owned();
    loop {
        let r = server.call_as(caller, "GET", &path, None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
        let page = r.json();
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        if page["page_info"]["has_next_page"] != json!(true) {
            assert_eq!(page["total_count"], json!(out.len()), "total_count counts what is seen");
            return out;
        }
        let cursor = page["page_info"]["end_cursor"].as_str().unwrap();
        path = format!("/v1/api-keys?limit=2&after={}", crate::support::enc(cursor));
    }
}

/// Asserts a 404 that says no more than a missing key's 404.
async fn assert_unseen(server: &TestServer, caller: &str, method: &str, id: &str) {
    let r = server.call_as(caller, method, &format!("/v1/api-keys/{id}"), None).await;
    let missing =
        server.call_as(caller, method, &format!("/v1/api-keys/{MISSING_KEY}"), None).await;
    let p = problem(&r, 404, "not_found");
    assert_eq!(p["detail"], missing.json()["detail"], "an unseen key answers like a missing one");
}

pub async fn a_key_lists_gets_and_revokes_only_keys_whose_zones_lie_within_its_own(
    server: &TestServer,
) {
    let zones = three_zones(server).await;
    for caller_reach in CALLERS {
        let (caller, caller_id) =
            key_of_reach(server, &zones, caller_reach, &["keys:write", "users:read"]).await;
        let mut targets = Vec::new();
        for (target_reach, _) in REACHES {
            let (_, id) = key_of_reach(server, &zones, target_reach, &["users:read"]).await;
            targets.push((target_reach, id));
        }
        let seen: BTreeSet<String> = listed(server, &caller)
            .await
            .iter()
            .map(|k| {
                // Whatever is listed lies within the caller's zones.
                if let Some(mine) = zone_ids(&zones, caller_reach) {
                    let theirs = k["zones"].as_array().unwrap_or_else(|| {
                        panic!("a key limited to {caller_reach} lists an all-zone key: {k}")
                    });
                    assert!(theirs.iter().all(|z| mine.contains(&z.as_str().unwrap().to_owned())));
                }
                k["id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert!(seen.contains(&caller_id), "a key sees itself");
        for (target_reach, id) in &targets {
            let visible = within(caller_reach, target_reach);
            let context = format!("caller {caller_reach}, target {target_reach}");
            assert_eq!(seen.contains(id), visible, "listed? {context}");
            let r = server.call_as(&caller, "GET", &format!("/v1/api-keys/{id}"), None).await;
            if visible {
                assert_eq!(r.status, 200, "GET, {context}: {}", r.text());
                assert_eq!(r.json()["id"], json!(id));
            } else {
                assert_unseen(server, &caller, "GET", id).await;
            }
        }
        for (target_reach, id) in &targets {
            let visible = within(caller_reach, target_reach);
            let context = format!("caller {caller_reach}, target {target_reach}");
            if visible {
                let r =
                    server.call_as(&caller, "DELETE", &format!("/v1/api-keys/{id}"), None).await;
                assert_eq!(r.status, 204, "DELETE, {context}: {}", r.text());
                problem(&server.get(&format!("/v1/api-keys/{id}")).await, 404, "not_found");
            } else {
                assert_unseen(server, &caller, "DELETE", id).await;
                // Still alive for a key that reaches it.
                let r = server.get(&format!("/v1/api-keys/{id}")).await;
                assert_eq!(r.status, 200, "{context}: a refused revocation revoked: {}", r.text());
            }
        }
    }
}

pub async fn a_zone_limited_key_cannot_see_or_revoke_the_bootstrap_key(server: &TestServer) {
    let zones = three_zones(server).await;
    let everything = get_ok(server, "/v1/api-keys").await;
    let bootstrap = everything["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["zones"].is_null())
        .unwrap_or_else(|| panic!("no all-zone key in {everything}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let default_id = get_ok(server, "/v1/zones/default").await["id"].as_str().unwrap().to_owned();
    for limited_to in [vec![zones[0].clone()], vec![default_id], zones.clone()] {
        let refs: Vec<&str> = limited_to.iter().map(String::as_str).collect();
        let (limited, _) = key(server, &["admin"], Some(&refs)).await;
        assert_unseen(server, &limited, "GET", &bootstrap).await;
        assert_unseen(server, &limited, "DELETE", &bootstrap).await;
        let seen = listed(server, &limited).await;
        assert!(seen.iter().all(|k| k["id"] != json!(bootstrap)), "{seen:?}");
    }
    // The bootstrap key still works.
    assert_eq!(server.get("/v1/users").await.status, 200);
    assert_eq!(get_ok(server, &format!("/v1/api-keys/{bootstrap}")).await["id"], json!(bootstrap));
}

pub async fn a_key_creates_only_keys_whose_zones_lie_within_its_own(server: &TestServer) {
    let zones = three_zones(server).await;
    for caller_reach in CALLERS {
        let (caller, _) =
            key_of_reach(server, &zones, caller_reach, &["keys:write", "users:read"]).await;
        for (target_reach, _) in REACHES {
            let context = format!("caller {caller_reach}, new key {target_reach}");
            let mut body = json!({"name": "made", "scopes": ["users:read"]});
            if let Some(ids) = zone_ids(&zones, target_reach) {
                body["zones"] = json!(ids);
            }
            let r = server.call_as(&caller, "POST", "/v1/api-keys", Some(body)).await;
            if within(caller_reach, target_reach) {
                assert_eq!(r.status, 201, "{context}: {}", r.text());
                let made = r.json();
                assert_eq!(made["zones"], json!(zone_ids(&zones, target_reach)), "{context}");
                // The new key is within the creator's reach.
                let id = made["id"].as_str().unwrap();
                let got = server.call_as(&caller, "GET", &format!("/v1/api-keys/{id}"), None).await;
                assert_eq!(got.status, 200, "{context}: {}", got.text());
            } else if reach(target_reach).is_none() {
                let p = problem(&r, 403, "insufficient_scope");
                assert_eq!(p["param"], json!("zones"), "{context}");
            } else {
                // The first requested zone outside the caller's, named like a
                // zone that does not exist.
                let mine = reach(caller_reach).unwrap();
                let first_outside =
                    reach(target_reach).unwrap().iter().position(|z| !mine.contains(z)).unwrap();
                invalid_body(&r, &format!("zones[{first_outside}]"));
            }
        }
    }
}

pub async fn get_api_key_answers_the_listed_view_and_never_the_secret(server: &TestServer) {
    let created =
        create_key_full(server, json!({"name": "viewed", "scopes": ["users:read"]})).await;
    let id = created["id"].as_str().unwrap();
    let secret = created["key"].as_str().unwrap();
    let r = server.get(&format!("/v1/api-keys/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
    let got = r.json();
    assert!(got.get("key").is_none(), "GET must not show the secret: {got}");
    assert!(!r.text().contains(secret));
    let listed = get_ok(server, "/v1/api-keys").await;
    let in_list = listed["data"].as_array().unwrap().iter().find(|k| k["id"] == json!(id)).unwrap();
    assert_eq!(&got, in_list);
    let mut without_secret = created.clone();
    without_secret.as_object_mut().unwrap().remove("key");
    assert_eq!(got["name"], without_secret["name"]);
    assert_eq!(got["scopes"], without_secret["scopes"]);

    problem(&server.get(&format!("/v1/api-keys/{MISSING_KEY}")).await, 404, "not_found");
    problem(&server.get("/v1/api-keys/not-a-key").await, 404, "not_found");
    problem(&server.get(&format!("/v1/api-keys/{id}?x=1")).await, 400, "invalid_parameter");
    // It needs keys:write.
    let (reader, _) = key(server, &["users:read"], None).await;
    let r = server.call_as(&reader, "GET", &format!("/v1/api-keys/{id}"), None).await;
    problem(&r, 403, "insufficient_scope");
    // A revoked key is gone.
    assert_eq!(server.delete(&format!("/v1/api-keys/{id}")).await.status, 204);
    problem(&server.get(&format!("/v1/api-keys/{id}")).await, 404, "not_found");
}

pub async fn only_a_key_valid_for_every_zone_may_change_a_zone_identifier(server: &TestServer) {
    let zones = three_zones(server).await;
    let (limited, _) = key(server, &["zones:write"], Some(&[zones[0].as_str()])).await;
    // Probing another zone's identifier, taking a freed `default`, or any new
    // identifier: refused, and nothing changes.
    for identifier in ["rb", "default", "fresh-name"] {
        let r = server
            .call_as(&limited, "PATCH", "/v1/zones/ra", Some(json!({"identifier": identifier})))
            .await;
        let p = problem(&r, 403, "insufficient_scope");
        assert_eq!(p["param"], json!("identifier"));
    }
    assert_eq!(get_ok(server, "/v1/zones/ra").await["id"], json!(zones[0]));
    // Its name, and its identifier as it already is, it may send.
    let r = server
        .call_as(
            &limited,
            "PATCH",
            "/v1/zones/ra",
            Some(json!({"identifier": "ra", "name": "Renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], json!("Renamed"));
    // It may not create zones.
    let r = server
        .call_as(&limited, "POST", "/v1/zones", Some(json!({"identifier": "mine-too"})))
        .await;
    problem(&r, 403, "insufficient_scope");
    // A key valid for every zone may.
    let (unlimited, _) = key(server, &["zones:write"], None).await;
    let r = server
        .call_as(&unlimited, "PATCH", "/v1/zones/ra", Some(json!({"identifier": "ra-2"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(get_ok(server, "/v1/zones/ra-2").await["id"], json!(zones[0]));
}
