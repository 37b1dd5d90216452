//! `POST /Bulk` (RFC 7644 §3.7): operations on Users and Groups run in
//! order, `bulkId` references resolved, each answered with its own
//! status, location and version; `failOnErrors`, the operation limit,
//! the request schema, paths outside Users and Groups, and the zone form.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use super::{PATCH_OP, USER, get, list_ids, ok, post, read, scim_error, scim_key, user, v1};
use crate::support::{create_zone, enc, get_ok};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn bulk(operations: Vec<Value>) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

fn post_user(bulk_id: &str, name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
        "data": user(name, &format!("{name}@example.com"))})
}

/// Sends a bulk request to `base` (`/scim/v2` or a zone form); the
/// BulkResponse's operations, after checking its shape.
async fn run(server: &TestServer, k: &str, base: &str, body: &Value) -> Vec<Value> {
    let r = post(server, k, &format!("{base}/Bulk"), body).await;
    let answer = ok(&r, 200, "a bulk request");
    assert_eq!(answer["schemas"], json!([BULK_RESPONSE]), "{answer}");
    answer["Operations"].as_array().unwrap_or_else(|| panic!("no Operations: {answer}")).clone()
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results.iter().map(|o| o["status"].as_str().unwrap_or_else(|| panic!("status: {o}"))).collect()
}

/// The id a result's location ends with.
fn located(result: &Value) -> String {
    let l = result["location"].as_str().unwrap_or_else(|| panic!("no location: {result}"));
    l.rsplit('/').next().unwrap().to_owned()
}

/// The users a SCIM userName filter finds in the key's zone.
async fn found(server: &TestServer, k: &str, name: &str) -> Vec<String> {
    let path = format!("/scim/v2/Users?filter={}", enc(&format!("userName eq \"{name}\"")));
    list_ids(&read(server, k, &path).await)
}

/// A user created, a group whose members name it by bulkId, a PATCH on
/// `/Users/bulkId:u1` and a DELETE of an unknown bulkId answer 201, 201,
/// 200 and 400 invalidValue, with locations and versions; the group
/// really holds the user, who is now disabled.
pub async fn scim_bulk_runs_operations_in_order_resolving_bulk_ids_and_answers_each(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let deactivate = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let body = bulk(vec![
        post_user("u1", "bulk.one"),
        json!({"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
            "schemas": [GROUP], "displayName": "Bulk Group",
            "members": [{"type": "User", "value": "bulkId:u1"}]}}),
        json!({"method": "PATCH", "path": "/Users/bulkId:u1", "data": deactivate}),
        json!({"method": "DELETE", "path": "/Users/bulkId:nowhere"}),
    ]);
    let results = run(server, &k, "/scim/v2", &body).await;
    assert_eq!(statuses(&results), ["201", "201", "200", "400"], "{results:?}");
    let methods: Vec<&Value> = results.iter().map(|o| &o["method"]).collect();
    assert_eq!(methods, [&json!("POST"), &json!("POST"), &json!("PATCH"), &json!("DELETE")]);
    assert_eq!((&results[0]["bulkId"], &results[1]["bulkId"]), (&json!("u1"), &json!("g1")));

    let uid = located(&results[0]);
    let gid = located(&results[1]);
    let base = format!("{}/scim/v2", server.base_url);
    assert_eq!(results[0]["location"], json!(format!("{base}/Users/{uid}")));
    assert_eq!(results[1]["location"], json!(format!("{base}/Groups/{gid}")));
    assert_eq!(results[2]["location"], json!(format!("{base}/Users/{uid}")), "the PATCH's");
    assert!(uid.starts_with("user_") && gid.starts_with("role_"), "{uid} {gid}");
    for r in &results[..3] {
        assert!(r["version"].is_string(), "a version: {r}");
    }
    assert!(results[1]["version"].as_str().unwrap().starts_with("W/\""), "{}", results[1]);
    assert_ne!(results[0]["version"], results[2]["version"], "the PATCH moved the version");
    let r = get(server, &k, &format!("/scim/v2/Users/{uid}")).await;
    let now = ok(&r, 200, "the bulk-created user");
    assert_eq!(results[2]["version"], json!(r.header("etag").unwrap()), "the PATCH's version");
    assert_eq!(now["active"], json!(false), "{now}");
    assert_eq!(v1(server, &uid).await["status"], json!("disabled"));
    let failed = &results[3]["response"];
    assert_eq!(failed["scimType"], json!("invalidValue"), "{}", results[3]);
    assert_eq!(failed["status"], json!("400"), "{}", results[3]);

    let g = read(server, &k, &format!("/scim/v2/Groups/{gid}")).await;
    let members: Vec<&Value> =
        g["members"].as_array().unwrap().iter().map(|m| &m["value"]).collect();
    assert_eq!(members, [&json!(uid)], "the group holds the user created: {g}");
    let held = get_ok(server, &format!("/v1/users/{uid}/role-assignments")).await;
    assert_eq!(held["data"][0]["role_id"], json!(gid), "{held}");
    assert_eq!(held["data"][0]["scope"], Value::Null, "{held}");
}

/// With failOnErrors 1 the request stops at its first failure: later
/// operations are neither answered nor applied. Without it every
/// operation runs.
pub async fn scim_bulk_fail_on_errors_stops_after_the_first_failure_and_applies_nothing_after(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let ops = vec![
        post_user("a", "first.ok"),
        json!({"method": "DELETE", "path": "/Users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
        post_user("b", "never.made"),
        post_user("c", "never.made.either"),
    ];
    let mut body = bulk(ops.clone());
    body["failOnErrors"] = json!(1);
    let results = run(server, &k, "/scim/v2", &body).await;
    assert_eq!(statuses(&results), ["201", "404"], "{results:?}");
    assert_eq!(found(server, &k, "first.ok").await.len(), 1);
    assert!(found(server, &k, "never.made").await.is_empty(), "an operation after the stop ran");
    assert!(found(server, &k, "never.made.either").await.is_empty());

    let mut ops = ops;
    ops[0] = post_user("a", "second.ok");
    let results = run(server, &k, "/scim/v2", &bulk(ops)).await;
    assert_eq!(statuses(&results), ["201", "404", "201", "201"], "{results:?}");
    assert_eq!(found(server, &k, "never.made").await.len(), 1);
}

/// At most 1 000 operations, as ServiceProviderConfig says: 1 001 answer
/// 400 tooMany and run none; 1 000 run.
pub async fn scim_bulk_with_more_than_1000_operations_answers_400_too_many_and_runs_none(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let config = read(server, &k, "/scim/v2/ServiceProviderConfig").await;
    assert_eq!(config["bulk"]["supported"], json!(true), "{config}");
    assert_eq!(config["bulk"]["maxOperations"], json!(1000), "{config}");
    let mut ops: Vec<Value> =
        (0..1001).map(|i| post_user(&format!("u{i}"), &format!("many{i}"))).collect();
    let r = post(server, &k, "/scim/v2/Bulk", &bulk(ops.clone())).await;
    scim_error(&r, 400, Some("tooMany"), "1001 operations");
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0), "none ran");

    ops.truncate(1000);
    let results = run(server, &k, "/scim/v2", &bulk(ops)).await;
    assert_eq!(results.len(), 1000);
    assert!(statuses(&results).iter().all(|s| *s == "201"), "{:?}", statuses(&results));
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(1000));
}

/// A body whose schemas do not hold the BulkRequest URN (none, or another
/// message's) answers 400 invalidSyntax and runs nothing.
pub async fn scim_a_bulk_request_without_the_bulk_request_schema_answers_400_invalid_syntax(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let ops = json!([post_user("u1", "unschemed")]);
    for body in [
        json!({"Operations": ops}),
        json!({"schemas": [PATCH_OP], "Operations": ops}),
        json!({"schemas": [USER], "Operations": ops}),
    ] {
        let r = post(server, &k, "/scim/v2/Bulk", &body).await;
        scim_error(&r, 400, Some("invalidSyntax"), &format!("{body}"));
    }
    assert!(found(server, &k, "unschemed").await.is_empty(), "nothing ran");
}

/// An operation on a path other than /Users or /Groups (the Bulk endpoint
/// itself, the discovery endpoints) fails alone with 400 invalidPath; the
/// operations around it run.
pub async fn scim_a_bulk_operation_outside_users_and_groups_fails_with_400_invalid_path(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let nested = bulk(vec![post_user("n1", "nested")]);
    let ops = vec![
        json!({"method": "POST", "path": "/Bulk", "bulkId": "b1", "data": nested}),
        json!({"method": "POST", "path": "/Schemas", "bulkId": "s1", "data": {}}),
        json!({"method": "PUT", "path": "/ServiceProviderConfig", "data": {}}),
        json!({"method": "DELETE", "path": "/ResourceTypes/User"}),
        post_user("ok", "after.the.refusals"),
    ];
    let results = run(server, &k, "/scim/v2", &bulk(ops)).await;
    assert_eq!(statuses(&results), ["400", "400", "400", "400", "201"], "{results:?}");
    for r in &results[..4] {
        assert_eq!(r["response"]["scimType"], json!("invalidPath"), "{r}");
        assert_eq!(r["response"]["status"], json!("400"), "{r}");
    }
    assert!(found(server, &k, "nested").await.is_empty(), "the nested bulk ran");
    assert_eq!(found(server, &k, "after.the.refusals").await.len(), 1);
}

/// `/scim/v2/zones/{zone}/Bulk` creates in that zone: its locations name
/// the zone form, `/v1` finds the user and role there, and the key's
/// default zone gains nothing.
pub async fn scim_the_zone_form_of_bulk_creates_in_that_zone(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    create_zone(server, "eu").await;
    let body = bulk(vec![
        post_user("u1", "zoned"),
        json!({"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
            "schemas": [GROUP], "displayName": "Zoned", "members": [{"value": "bulkId:u1"}]}}),
    ]);
    let results = run(server, &k, "/scim/v2/zones/eu", &body).await;
    assert_eq!(statuses(&results), ["201", "201"], "{results:?}");
    let (uid, gid) = (located(&results[0]), located(&results[1]));
    let base = format!("{}/scim/v2/zones/eu", server.base_url);
    assert_eq!(results[0]["location"], json!(format!("{base}/Users/{uid}")));
    assert_eq!(results[1]["location"], json!(format!("{base}/Groups/{gid}")));
    assert_eq!(
        get_ok(server, &format!("/v1/zones/eu/users/{uid}")).await["identifier"],
        json!("zoned")
    );
    assert_eq!(server.get(&format!("/v1/users/{uid}")).await.status, 404, "not in default");
    assert_eq!(get_ok(server, &format!("/v1/zones/eu/roles/{gid}")).await["name"], json!("Zoned"));
    assert_eq!(server.get(&format!("/v1/roles/{gid}")).await.status, 404);
    let held = get_ok(server, &format!("/v1/zones/eu/users/{uid}/role-assignments")).await;
    assert_eq!(held["data"][0]["role_id"], json!(gid), "{held}");
    assert!(list_ids(&read(server, &k, "/scim/v2/Users").await).is_empty(), "default: no users");
    assert!(list_ids(&read(server, &k, "/scim/v2/Groups").await).is_empty(), "default: no groups");
    let g = read(server, &k, &format!("/scim/v2/zones/eu/Groups/{gid}")).await;
    assert_eq!(g["members"][0]["value"], json!(uid), "{g}");
}
