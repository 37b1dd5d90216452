//! SCIM 2.0 Users (RFC 7643/7644) at `/scim/v2`: the requests Okta and
//! Entra ID send, replayed in the shapes their documentation shows, and
//! the protocol's promises (errors, uniqueness, filters, paging, sorting,
//! attributes, searches, ETags, zones, scopes). SCIM writes are Roster
//! writes: `/v1` and the change feed see them as such.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use roster_testkit::{Resp, TestServer, send};

use crate::support::{create_zone, enc, get_ok, id_of, key};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_JSON: &str = "application/scim+json";

/// A SCIM request as a provisioning client sends it: the body as
/// `application/scim+json`, and any extra headers (`If-Match`).
async fn call(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = server.request(method, path).bearer_auth(key);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req.header("content-type", SCIM_JSON).body(body.to_string());
    }
    send(req).await
}

async fn get(server: &TestServer, key: &str, path: &str) -> Resp {
    call(server, key, "GET", path, None, &[]).await
}

async fn post(server: &TestServer, key: &str, path: &str, body: &Value) -> Resp {
    call(server, key, "POST", path, Some(body), &[]).await
}

async fn put(server: &TestServer, key: &str, path: &str, body: &Value) -> Resp {
    call(server, key, "PUT", path, Some(body), &[]).await
}

async fn patch(server: &TestServer, key: &str, path: &str, operations: Value) -> Resp {
    let body = json!({"schemas": [PATCH_OP], "Operations": operations});
    call(server, key, "PATCH", path, Some(&body), &[]).await
}

async fn delete(server: &TestServer, key: &str, path: &str) -> Resp {
    call(server, key, "DELETE", path, None, &[]).await
}

/// A success of `status` with an `application/scim+json` body; the body.
fn ok(r: &Resp, status: u16, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: expected {status}, got {} {}", r.status, r.text());
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with(SCIM_JSON), "{what}: content-type {ct:?}, not {SCIM_JSON}");
    r.json()
}

/// A SCIM error (RFC 7644 §3.12): `status` with an `application/scim+json`
/// body whose `schemas` is exactly the Error URN, whose `status` is the
/// HTTP status as a string, and whose `scimType` is `scim_type` (absent
/// when `None`). Returns the body.
fn scim_error(r: &Resp, status: u16, scim_type: Option<&str>, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: expected {status}, got {} {}", r.status, r.text());
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with(SCIM_JSON), "{what}: error content-type {ct:?}, not {SCIM_JSON}");
    let e = r.json();
    assert_eq!(e["schemas"], json!([ERROR]), "{what}: {e}");
    assert_eq!(e["status"], json!(status.to_string()), "{what}: status is a string: {e}");
    assert!(e["detail"].is_string(), "{what}: detail: {e}");
    match scim_type {
        Some(t) => assert_eq!(e["scimType"], json!(t), "{what}: scimType: {e}"),
        None => assert!(e.get("scimType").is_none(), "{what}: unexpected scimType: {e}"),
    }
    e
}

/// The ids of a ListResponse's resources, in order, after checking its
/// shape: `totalResults` at least the resources served, and
/// `itemsPerPage` their number.
fn list_ids(list: &Value) -> Vec<String> {
    assert_eq!(list["schemas"], json!([LIST]), "{list}");
    let resources = match &list["Resources"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        other => panic!("Resources is not a list: {other}"),
    };
    let total = list["totalResults"].as_u64().unwrap_or_else(|| panic!("totalResults: {list}"));
    assert!(total >= resources.len() as u64, "{list}");
    assert_eq!(list["itemsPerPage"], json!(resources.len()), "itemsPerPage: {list}");
    resources.iter().map(id_of).collect()
}

/// A key holding only the `scim` scope: (secret, id).
async fn scim_key(server: &TestServer) -> (String, String) {
    key(server, &["scim"], None).await
}

/// Creates a user through SCIM with the admin key's zone (`base` is
/// `/scim/v2` or a zone form); returns the created resource.
async fn create(server: &TestServer, key: &str, base: &str, body: Value) -> Value {
    let r = post(server, key, &format!("{base}/Users"), &body).await;
    ok(&r, 201, &format!("POST {base}/Users {body}"))
}

/// A minimal SCIM user.
fn user(user_name: &str, email: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "emails": [{"value": email, "type": "work", "primary": true}],
    })
}

/// The user as `/v1` shows it to the admin key.
async fn v1(server: &TestServer, id: &str) -> Value {
    get_ok(server, &format!("/v1/users/{id}")).await
}

/// A read that must answer 200 with SCIM JSON; the body.
async fn read(server: &TestServer, key: &str, path: &str) -> Value {
    ok(&get(server, key, path).await, 200, &format!("GET {path}"))
}

fn sorted(ids: Vec<String>) -> Vec<String> {
    let mut ids = ids;
    ids.sort();
    ids
}

/// Okta's provisioning, as its SCIM 2.0 reference shows it: look the user
/// up by userName (none), create it, read it, find it, replace it with a
/// full PUT (a profile update), deactivate it with a path-less PATCH, and
/// reactivate it the same way; `/v1` sees each change.
pub async fn scim_okta_provisioning_finds_creates_reads_replaces_deactivates_and_reactivates_a_user(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let lookup =
        "/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let list = ok(&get(server, &k, lookup).await, 200, "Okta's lookup before the create");
    assert_eq!(list["totalResults"], json!(0), "{list}");
    assert!(list_ids(&list).is_empty());

    let body = json!({
        "schemas": [USER],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true,
    });
    let r = post(server, &k, "/scim/v2/Users", &body).await;
    let created = ok(&r, 201, "Okta's create");
    let id = id_of(&created);
    assert!(!r.text().contains("1mz050nq"), "the password is never returned: {}", r.text());
    assert_eq!(created["schemas"][0], json!(USER), "{created}");
    for field in ["userName", "name", "emails", "displayName", "locale", "externalId", "active"] {
        assert_eq!(created[field], body[field], "{field} as sent: {created}");
    }
    let location = format!("{}/scim/v2/Users/{id}", server.base_url);
    assert_eq!(created["meta"]["location"], json!(location), "{created}");
    assert_eq!(created["meta"]["resourceType"], json!("User"), "{created}");
    assert_eq!(r.header("location"), Some(location.as_str()), "Location header");
    let etag = r.header("etag").expect("an ETag on create").to_owned();
    assert_eq!(created["meta"]["version"], json!(etag), "meta.version is the ETag");

    let path = format!("/scim/v2/Users/{id}");
    let r = get(server, &k, &path).await;
    let read = ok(&r, 200, "Okta's read by id");
    assert_eq!(read, created, "the read is what the create answered");
    assert_eq!(r.header("etag"), Some(etag.as_str()));

    let list = ok(&get(server, &k, lookup).await, 200, "Okta's lookup after the create");
    assert_eq!(list["totalResults"], json!(1), "{list}");
    assert_eq!(list_ids(&list), [id.as_str()]);

    let account = v1(server, &id).await;
    assert_eq!(account["identifier"], json!("test.user@okta.local"));
    assert_eq!(account["email"], json!("test.user@okta.local"));
    assert_eq!(account["first_name"], json!("Test"));
    assert_eq!(account["last_name"], json!("User"));
    assert_eq!(account["name"], json!("Test User"));
    assert_eq!(account["external_id"], json!("00ujl29u0le5T6Aj10h7"));
    assert_eq!(account["status"], json!("active"));

    // A profile update: Okta PUTs the whole user back, read-only parts and
    // the password included.
    let mut replacement = read.clone();
    replacement["name"]["givenName"] = json!("Another");
    replacement["displayName"] = json!("Another User");
    replacement["password"] = json!("1mz050nq");
    replacement["groups"] = json!([]);
    let r = put(server, &k, &path, &replacement).await;
    let replaced = ok(&r, 200, "Okta's PUT");
    assert_eq!(replaced["name"], json!({"givenName": "Another", "familyName": "User"}));
    assert_eq!(replaced["displayName"], json!("Another User"));
    assert_eq!(replaced["userName"], json!("test.user@okta.local"));
    assert_eq!(replaced["locale"], json!("en-US"));
    assert_eq!(replaced["active"], json!(true));
    assert_ne!(replaced["meta"]["version"], json!(etag), "a change moves the version");
    assert_eq!(r.header("etag").map(|e| json!(e)), Some(replaced["meta"]["version"].clone()));
    let account = v1(server, &id).await;
    assert_eq!(account["first_name"], json!("Another"));
    assert_eq!(account["name"], json!("Another User"));

    // Deactivation: a path-less replace.
    let r = patch(server, &k, &path, json!([{"op": "replace", "value": {"active": false}}])).await;
    let deactivated = ok(&r, 200, "Okta's deactivation");
    assert_eq!(deactivated["active"], json!(false), "{deactivated}");
    assert_eq!(v1(server, &id).await["status"], json!("disabled"), "deactivated in /v1");
    let read = ok(&get(server, &k, &path).await, 200, "read after deactivation");
    assert_eq!(read["active"], json!(false));
    assert_eq!(read["name"]["givenName"], json!("Another"), "nothing else changed");

    // Reactivation: the same with true.
    let r = patch(server, &k, &path, json!([{"op": "replace", "value": {"active": true}}])).await;
    let reactivated = ok(&r, 200, "Okta's reactivation");
    assert_eq!(reactivated["active"], json!(true), "reactivated: {reactivated}");
    assert_eq!(v1(server, &id).await["status"], json!("active"), "reactivated in /v1");
    let read = ok(&get(server, &k, &path).await, 200, "read after reactivation");
    assert_eq!(read["active"], json!(true));
}

/// A userName change (Okta and Entra send it by PUT, by PATCH with a path,
/// or by a path-less PATCH) is the user's identifier: `/v1` and the
/// userName filter see the new name, and the old one finds nobody.
pub async fn scim_a_changed_user_name_is_the_identifier_v1_and_filters_see(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let created =
        create(server, &k, "/scim/v2", user("first.name@okta.local", "rename@example.com")).await;
    let id = id_of(&created);
    let path = format!("/scim/v2/Users/{id}");
    let finds =
        |name: &str| format!("/scim/v2/Users?filter={}", enc(&format!("userName eq \"{name}\"")));

    let mut body = created.clone();
    body["userName"] = json!("second.name@okta.local");
    let renamed = ok(&put(server, &k, &path, &body).await, 200, "rename by PUT");
    assert_eq!(renamed["userName"], json!("second.name@okta.local"));
    assert_eq!(v1(server, &id).await["identifier"], json!("second.name@okta.local"));

    let ops = json!([{"op": "replace", "path": "userName", "value": "third.name@okta.local"}]);
    let renamed = ok(&patch(server, &k, &path, ops).await, 200, "rename by PATCH with a path");
    assert_eq!(renamed["userName"], json!("third.name@okta.local"));
    assert_eq!(v1(server, &id).await["identifier"], json!("third.name@okta.local"));

    let ops = json!([{"op": "Replace", "value": {"userName": "fourth.name@okta.local"}}]);
    let renamed = ok(&patch(server, &k, &path, ops).await, 200, "rename by path-less PATCH");
    assert_eq!(renamed["userName"], json!("fourth.name@okta.local"));
    assert_eq!(v1(server, &id).await["identifier"], json!("fourth.name@okta.local"));

    for old in ["first.name@okta.local", "second.name@okta.local", "third.name@okta.local"] {
        let list = ok(&get(server, &k, &finds(old)).await, 200, old);
        assert!(list_ids(&list).is_empty(), "the old userName {old} still finds: {list}");
    }
    let list = ok(&get(server, &k, &finds("FOURTH.NAME@okta.local")).await, 200, "new name");
    assert_eq!(list_ids(&list), [id.as_str()]);
    let page =
        get_ok(server, &format!("/v1/users?identifier={}", enc("fourth.name@okta.local"))).await;
    assert_eq!(page["data"][0]["id"], json!(id), "{page}");
}

/// Entra ID's provisioning, as Microsoft's SCIM tutorial and its known
/// issues page show it: a userName lookup, a create with the enterprise
/// extension, PATCHes with capitalised ops, value paths
/// (`emails[type eq "work"].value`), sub-attribute and extension paths, a
/// path-less value keyed by paths, booleans as strings, an externalId
/// change; each read back. Then the user is disabled, deleted (204) and
/// gone (404 with a SCIM error).
pub async fn scim_entra_id_provisioning_creates_patches_disables_and_deletes_a_user(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let boss =
        create(server, &k, "/scim/v2", user("boss@contoso.example", "boss@contoso.example")).await;
    let boss_id = id_of(&boss);
    let user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1";
    let lookup = format!("/scim/v2/Users?filter={}", enc(&format!("userName eq \"{user_name}\"")));
    let list = ok(&get(server, &k, &lookup).await, 200, "Entra's lookup");
    assert_eq!(list["totalResults"], json!(0), "{list}");

    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {
            "employeeNumber": "100009",
            "department": "Human Resources US",
            "manager": {"value": boss_id},
        },
    });
    let r = post(server, &k, "/scim/v2/Users", &body).await;
    let created = ok(&r, 201, "Entra's create");
    let id = id_of(&created);
    assert_eq!(created["schemas"][0], json!(USER), "the core schema first: {created}");
    assert!(created["schemas"].as_array().unwrap().contains(&json!(ENTERPRISE)), "{created}");
    assert_eq!(created[ENTERPRISE], body[ENTERPRISE], "the extension as sent");
    assert_eq!(created["name"], body["name"]);
    assert_eq!(created["emails"], body["emails"]);
    assert_eq!(created["externalId"], body["externalId"]);
    let list = ok(&get(server, &k, &lookup).await, 200, "Entra's lookup after the create");
    assert_eq!(list_ids(&list), [id.as_str()]);

    let path = format!("/scim/v2/Users/{id}");

    // Update User [Multi-valued properties].
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ]);
    ok(&patch(server, &k, &path, ops).await, 200, "multi-valued update");
    let now = read(server, &k, &path).await;
    assert_eq!(
        now["emails"],
        json!([{"primary": true, "type": "work", "value": "updatedEmail@microsoft.com"}])
    );
    assert_eq!(now["name"]["familyName"], json!("updatedFamilyName"));
    assert_eq!(now["name"]["givenName"], json!("givenName"), "untouched");
    let account = v1(server, &id).await;
    assert_eq!(account["email"], json!("updatedEmail@microsoft.com"));
    assert_eq!(account["last_name"], json!("updatedFamilyName"));

    // Entra sends Add for a work email it believes absent.
    let ops = json!([
        {"op": "Replace", "path": "title", "value": "tester"},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "second@microsoft.com"},
    ]);
    ok(&patch(server, &k, &path, ops).await, 200, "Add on a value path");
    let now = read(server, &k, &path).await;
    assert_eq!(now["title"], json!("tester"));
    assert_eq!(
        now["emails"],
        json!([{"primary": true, "type": "work", "value": "second@microsoft.com"}])
    );
    assert_eq!(v1(server, &id).await["email"], json!("second@microsoft.com"));

    // Update User [Single-valued properties].
    let ops = json!([{"op": "Replace", "path": "userName", "value": "5b50642d@testuser.com"}]);
    ok(&patch(server, &k, &path, ops).await, 200, "single-valued update");
    assert_eq!(read(server, &k, &path).await["userName"], json!("5b50642d@testuser.com"));
    assert_eq!(v1(server, &id).await["identifier"], json!("5b50642d@testuser.com"));

    // Replacing several attributes, without the compliance flag.
    let ops = json!([
        {"op": "Replace", "path": "displayName", "value": "Pvlo"},
        {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
        {"op": "Replace", "path": "externalId", "value": "Eqpj"},
        {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"},
        {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Sales"},
        {"op": "Add", "path": "nickName", "value": "Babs"},
    ]);
    ok(&patch(server, &k, &path, ops).await, 200, "several replaces");
    let now = read(server, &k, &path).await;
    assert_eq!(now["displayName"], json!("Pvlo"));
    assert_eq!(now["name"]["givenName"], json!("Gtfd"));
    assert_eq!(now["externalId"], json!("Eqpj"));
    assert_eq!(now["nickName"], json!("Babs"));
    assert_eq!(now[ENTERPRISE]["employeeNumber"], json!("Eqpj"));
    assert_eq!(now[ENTERPRISE]["department"], json!("Sales"));
    assert_eq!(now[ENTERPRISE]["manager"], json!({"value": boss_id}), "untouched");
    let account = v1(server, &id).await;
    assert_eq!(account["external_id"], json!("Eqpj"));
    assert_eq!(account["name"], json!("Pvlo"));
    assert_eq!(account["first_name"], json!("Gtfd"));
    let by_external = format!("/scim/v2/Users?filter={}", enc("externalId eq \"Eqpj\""));
    let list = ok(&get(server, &k, &by_external).await, 200, "lookup by the new externalId");
    assert_eq!(list_ids(&list), [id.as_str()]);
    let by_old = format!(
        "/scim/v2/Users?filter={}",
        enc("externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\"")
    );
    assert!(list_ids(&ok(&get(server, &k, &by_old).await, 200, "old externalId")).is_empty());

    // The same, with the compliance flag: one path-less value keyed by paths.
    let ops = json!([{"op": "replace", "value": {
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        format!("{ENTERPRISE}:employeeNumber"): "Aklq",
    }}]);
    ok(&patch(server, &k, &path, ops).await, 200, "path-less value keyed by paths");
    let now = read(server, &k, &path).await;
    assert_eq!(now["displayName"], json!("Bjfe"));
    assert_eq!(now["name"]["givenName"], json!("Kkom"));
    assert_eq!(now["name"]["familyName"], json!("Unua"));
    assert_eq!(now[ENTERPRISE]["employeeNumber"], json!("Aklq"));
    let account = v1(server, &id).await;
    assert_eq!((&account["first_name"], &account["last_name"]), (&json!("Kkom"), &json!("Unua")));

    // Disabling: "False" as a string, in a path-less value ...
    let ops = json!([{"op": "Replace", "value": {"active": "False"}}]);
    let r = patch(server, &k, &path, ops).await;
    assert_eq!(ok(&r, 200, "disable by a path-less string")["active"], json!(false));
    assert_eq!(read(server, &k, &path).await["active"], json!(false));
    assert_eq!(v1(server, &id).await["status"], json!("disabled"));
    // ... and with a path (the form without the flag).
    let boss_path = format!("/scim/v2/Users/{boss_id}");
    let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    let r = patch(server, &k, &boss_path, ops).await;
    assert_eq!(ok(&r, 200, "disable by a path and a string")["active"], json!(false));
    assert_eq!(v1(server, &boss_id).await["status"], json!("disabled"));

    // Delete User: 204, then gone.
    let r = delete(server, &k, &path).await;
    assert_eq!(r.status, 204, "Entra's delete: {}", r.text());
    assert!(r.body.is_empty(), "a 204 has no body: {}", r.text());
    scim_error(&get(server, &k, &path).await, 404, None, "GET after DELETE");
    scim_error(&delete(server, &k, &path).await, 404, None, "DELETE again");
    let r = server.get(&format!("/v1/users/{id}")).await;
    assert_eq!(r.status, 404, "gone from /v1 too: {}", r.text());
    let list = ok(&get(server, &k, &by_external).await, 200, "lookup after the delete");
    assert!(list_ids(&list).is_empty(), "{list}");
}

/// Entra ID maps the enterprise `manager` as a plain attribute, so its
/// PATCH carries the manager's id as a bare string
/// (`{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"<id>"}`):
/// it is taken as the manager's `value`.
pub async fn scim_entra_ids_manager_sent_as_a_bare_id_becomes_the_managers_value(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let boss =
        create(server, &k, "/scim/v2", user("boss@contoso.example", "boss@contoso.example")).await;
    let report =
        create(server, &k, "/scim/v2", user("report@contoso.example", "report@contoso.example"))
            .await;
    let path = format!("/scim/v2/Users/{}", id_of(&report));
    let ops =
        json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": id_of(&boss)}]);
    ok(&patch(server, &k, &path, ops).await, 200, "Entra's manager PATCH");
    let now = ok(&get(server, &k, &path).await, 200, "read");
    assert_eq!(now[ENTERPRISE]["manager"]["value"], json!(id_of(&boss)), "{now}");
}

/// A user Roster already held (made through `/v1`, so its one email has
/// no `type`) that Entra ID matches by userName gets its work email the
/// way Entra changes it, `Replace emails[type eq "work"].value`: the value
/// is the user's email afterwards, in SCIM and in `/v1`.
pub async fn scim_entra_ids_work_email_change_reaches_a_user_made_through_v1(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let u = server
        .create_user(json!({"email": "before@contoso.example", "identifier": "matched.user"}))
        .await;
    let id = id_of(&u);
    let lookup = format!("/scim/v2/Users?filter={}", enc("userName eq \"matched.user\""));
    assert_eq!(list_ids(&read(server, &k, &lookup).await), [id.as_str()], "Entra's match");
    let path = format!("/scim/v2/Users/{id}");
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "after@contoso.example"},
    ]);
    ok(&patch(server, &k, &path, ops).await, 200, "Entra's email change");
    assert_eq!(v1(server, &id).await["email"], json!("after@contoso.example"), "the email in /v1");
    let now = read(server, &k, &path).await;
    let primary: Vec<&Value> =
        now["emails"].as_array().unwrap().iter().filter(|e| e["primary"] == json!(true)).collect();
    assert_eq!(primary.len(), 1, "one primary email: {now}");
    assert_eq!(primary[0]["value"], json!("after@contoso.example"), "{now}");
}

/// Every failure is a SCIM error: `application/scim+json`, `schemas`
/// exactly the Error URN, `status` the HTTP status as a string. Unknown
/// ids and unknown paths answer 404, a missing key 401, a wrong method 405.
pub async fn scim_errors_are_scim_json_with_the_error_schema_and_a_string_status(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let body = user("someone", "someone@example.com");
    let ops = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    for id in ["user_01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope", "2819c223-7f76-453a-919d-413861904646"] {
        let path = format!("/scim/v2/Users/{id}");
        scim_error(&get(server, &k, &path).await, 404, None, &format!("GET {path}"));
        scim_error(&put(server, &k, &path, &body).await, 404, None, &format!("PUT {path}"));
        let r = call(server, &k, "PATCH", &path, Some(&ops), &[]).await;
        scim_error(&r, 404, None, &format!("PATCH {path}"));
        scim_error(&delete(server, &k, &path).await, 404, None, &format!("DELETE {path}"));
    }
    let unknown_paths = [
        "/scim/v2",
        "/scim/v2/Nope",
        "/scim/v2/Users/",
        "/scim/v2/Users/user_01ARZ3NDEKTSV4RRFFQ69G5FAV/extra",
        "/scim/v2/zones/default",
        "/scim/v2/zones/default/Nope",
    ];
    for path in unknown_paths {
        scim_error(&get(server, &k, path).await, 404, None, &format!("GET {path}"));
    }
    let r = send(server.request("GET", "/scim/v2/Users")).await;
    scim_error(&r, 401, None, "no key");
    let r = get(server, "rk_not_a_key_0123456789abcdef", "/scim/v2/Users").await;
    scim_error(&r, 401, None, "an unknown key");
    scim_error(&delete(server, &k, "/scim/v2/Users").await, 405, None, "DELETE on the collection");
    let r = call(server, &k, "POST", "/scim/v2/Users", None, &[]).await;
    assert_eq!(r.status / 100, 4, "a POST without a body: {}", r.text());
    scim_error(&r, r.status, r.json().get("scimType").and_then(Value::as_str), "no body");
    // Nothing above created anyone.
    let list = ok(&get(server, &k, "/scim/v2/Users").await, 200, "list");
    assert_eq!(list["totalResults"], json!(0), "{list}");
    // The SCIM root with a trailing slash is a SCIM path too.
    scim_error(&get(server, &k, "/scim/v2/").await, 404, None, "GET /scim/v2/");
}

/// A second user with a userName (compared case-insensitively) or a
/// primary email already held answers 409 `uniqueness`, on create and on
/// replace, and changes nothing.
pub async fn scim_a_duplicate_user_name_or_primary_email_answers_409_uniqueness(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let first = create(server, &k, "/scim/v2", user("Taken.Name", "taken@example.com")).await;
    let other = create(server, &k, "/scim/v2", user("other", "other@example.com")).await;
    for (body, what) in [
        (user("taken.name", "new@example.com"), "the same userName in another case"),
        (user("TAKEN.NAME", "new2@example.com"), "the same userName upper-cased"),
        (user("fresh", "TAKEN@example.com"), "the same email in another case"),
    ] {
        let r = post(server, &k, "/scim/v2/Users", &body).await;
        scim_error(&r, 409, Some("uniqueness"), what);
    }
    let other_path = format!("/scim/v2/Users/{}", id_of(&other));
    let mut body = other.clone();
    body["userName"] = json!("TAKEN.name");
    scim_error(
        &put(server, &k, &other_path, &body).await,
        409,
        Some("uniqueness"),
        "PUT to a taken userName",
    );
    let ops = json!([{"op": "replace", "path": "emails", "value": [{"value": "Taken@Example.com", "primary": true}]}]);
    scim_error(
        &patch(server, &k, &other_path, ops).await,
        409,
        Some("uniqueness"),
        "PATCH to a taken email",
    );
    let ops = json!([{"op": "replace", "path": "userName", "value": "taken.NAME"}]);
    scim_error(
        &patch(server, &k, &other_path, ops).await,
        409,
        Some("uniqueness"),
        "PATCH to a taken userName",
    );

    let list = ok(&get(server, &k, "/scim/v2/Users").await, 200, "list");
    assert_eq!(sorted(list_ids(&list)), sorted(vec![id_of(&first), id_of(&other)]));
    let now = ok(&get(server, &k, &other_path).await, 200, "read");
    assert_eq!(now, other, "the refused writes changed nothing");
}

/// A user without a userName, or without an email (Roster's users all have
/// one), answers 400 `invalidValue` and nothing is created or changed.
pub async fn scim_a_user_without_user_name_or_emails_answers_400_invalid_value(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    for (body, what) in [
        (json!({"schemas": [USER], "emails": [{"value": "a@example.com"}]}), "no userName"),
        (
            json!({"schemas": [USER], "userName": "", "emails": [{"value": "a@example.com"}]}),
            "an empty userName",
        ),
        (json!({"schemas": [USER], "userName": "no.email"}), "no emails"),
        (json!({"schemas": [USER], "userName": "no.email", "emails": []}), "empty emails"),
        (
            json!({"schemas": [USER], "userName": "no.email", "emails": [{"type": "work"}]}),
            "an email without a value",
        ),
        (
            json!({"schemas": [USER], "userName": "bad.email", "emails": [{"value": "not-an-address"}]}),
            "not an address",
        ),
    ] {
        let r = post(server, &k, "/scim/v2/Users", &body).await;
        scim_error(&r, 400, Some("invalidValue"), what);
    }
    let existing = create(server, &k, "/scim/v2", user("kept", "kept@example.com")).await;
    let path = format!("/scim/v2/Users/{}", id_of(&existing));
    let mut body = existing.clone();
    body.as_object_mut().unwrap().remove("userName");
    scim_error(
        &put(server, &k, &path, &body).await,
        400,
        Some("invalidValue"),
        "PUT without userName",
    );
    let mut body = existing.clone();
    body.as_object_mut().unwrap().remove("emails");
    scim_error(
        &put(server, &k, &path, &body).await,
        400,
        Some("invalidValue"),
        "PUT without emails",
    );
    let ops = json!([{"op": "remove", "path": "emails"}]);
    scim_error(
        &patch(server, &k, &path, ops).await,
        400,
        Some("invalidValue"),
        "PATCH removing emails",
    );

    let list = ok(&get(server, &k, "/scim/v2/Users").await, 200, "list");
    assert_eq!(list_ids(&list), [id_of(&existing)]);
    assert_eq!(ok(&get(server, &k, &path).await, 200, "read"), existing, "unchanged");
}

/// A filter that does not parse answers 400 `invalidFilter`, on GET and
/// on `.search`.
pub async fn scim_a_malformed_filter_answers_400_invalid_filter(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    create(server, &k, "/scim/v2", user("alice", "alice@example.com")).await;
    for filter in [
        "userName eq",
        "userName zz \"alice\"",
        "(userName eq \"alice\"",
        "userName eq \"alice",
        "emails[type eq \"work\"",
        "userName eq \"alice\" and",
        "and userName eq \"alice\"",
        "userName",
        "\"alice\" eq userName",
    ] {
        let r = get(server, &k, &format!("/scim/v2/Users?filter={}", enc(filter))).await;
        scim_error(&r, 400, Some("invalidFilter"), &format!("GET filter {filter:?}"));
        let body = json!({"schemas": [SEARCH], "filter": filter});
        let r = post(server, &k, "/scim/v2/Users/.search", &body).await;
        scim_error(&r, 400, Some("invalidFilter"), &format!(".search filter {filter:?}"));
    }
}

/// Each filter form selects exactly the users it describes: `userName eq`
/// case-insensitively, `externalId eq` case-exactly, `id eq`, `active eq`,
/// `meta.created gt`/`ge`, `co`/`sw`/`ew` on displayName and emails.value,
/// `and`/`or`/`not`, and a value path with its own `and`.
pub async fn scim_filters_select_exactly_the_matching_users(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let alice = create(server, &k, "/scim/v2", json!({
        "schemas": [USER], "userName": "alice", "displayName": "Alice Liddell", "externalId": "Ext-A",
        "emails": [{"value": "alice@wonder.example", "type": "work", "primary": true}],
    })).await;
    let bob = create(server, &k, "/scim/v2", json!({
        "schemas": [USER], "userName": "Bob.Builder", "displayName": "Bob the Builder", "externalId": "ext-a",
        "active": false,
        "emails": [
            {"value": "bob@build.example", "type": "work", "primary": true},
            {"value": "bob@home.example", "type": "home"},
        ],
    })).await;
    let carol = create(
        server,
        &k,
        "/scim/v2",
        json!({
            "schemas": [USER], "userName": "carol", "displayName": "Carol Danvers",
            "emails": [{"value": "carol@wonder.example", "type": "home"}],
        }),
    )
    .await;
    let dave = create(
        server,
        &k,
        "/scim/v2",
        json!({
            "schemas": [USER], "userName": "dave", "displayName": "Dave", "externalId": "ext-d",
            "emails": [{"value": "dave@build.example", "type": "work"}],
        }),
    )
    .await;
    let [a, b, c, d] = [&alice, &bob, &carol, &dave].map(id_of);
    let alice_created = alice["meta"]["created"].as_str().unwrap().to_owned();
    let bob_created = bob["meta"]["created"].as_str().unwrap().to_owned();
    let cases: Vec<(String, Vec<&String>)> = vec![
        ("userName eq \"ALICE\"".into(), vec![&a]),
        ("userName eq \"bob.builder\"".into(), vec![&b]),
        ("USERNAME EQ \"Carol\"".into(), vec![&c]),
        ("userName eq \"nobody\"".into(), vec![]),
        ("externalId eq \"Ext-A\"".into(), vec![&a]),
        ("externalId eq \"ext-a\"".into(), vec![&b]),
        ("externalId eq \"EXT-A\"".into(), vec![]),
        (format!("id eq \"{c}\""), vec![&c]),
        ("id eq \"user_01ARZ3NDEKTSV4RRFFQ69G5FAV\"".into(), vec![]),
        ("active eq false".into(), vec![&b]),
        ("active eq true".into(), vec![&a, &c, &d]),
        (format!("meta.created gt \"{alice_created}\""), vec![&b, &c, &d]),
        (format!("meta.created ge \"{bob_created}\""), vec![&b, &c, &d]),
        (format!("meta.created lt \"{bob_created}\""), vec![&a]),
        ("displayName co \"builder\"".into(), vec![&b]),
        ("displayName sw \"car\"".into(), vec![&c]),
        ("displayName ew \"LIDDELL\"".into(), vec![&a]),
        ("emails.value ew \"@wonder.example\"".into(), vec![&a, &c]),
        ("emails.value co \"home\"".into(), vec![&b]),
        ("emails.value sw \"dave@\"".into(), vec![&d]),
        ("emails co \"@build\"".into(), vec![&b, &d]),
        ("userName eq \"alice\" or userName eq \"carol\"".into(), vec![&a, &c]),
        ("emails.value ew \"build.example\" and active eq true".into(), vec![&d]),
        ("not (active eq true)".into(), vec![&b]),
        ("not (emails.value co \"wonder\")".into(), vec![&b, &d]),
        (
            "(displayName sw \"a\" or displayName sw \"b\") and not (externalId eq \"Ext-A\")"
                .into(),
            vec![&b],
        ),
        ("emails[type eq \"work\" and value co \"@build\"]".into(), vec![&b, &d]),
        ("emails[type eq \"work\" and value co \"@wonder\"]".into(), vec![&a]),
        ("emails[type eq \"home\"]".into(), vec![&b, &c]),
        ("externalId pr".into(), vec![&a, &b, &d]),
    ];
    for (filter, expected) in cases {
        let r = get(server, &k, &format!("/scim/v2/Users?filter={}", enc(&filter))).await;
        let list = ok(&r, 200, &filter);
        let got = sorted(list_ids(&list));
        let want = sorted(expected.into_iter().cloned().collect());
        assert_eq!(got, want, "filter {filter:?}: {list}");
        assert_eq!(list["totalResults"], json!(want.len()), "totalResults of {filter:?}");
    }
}

/// `startIndex` (1-based) and `count` page through the users: each page
/// has `totalResults` (every match), `startIndex` as asked and
/// `itemsPerPage` (its own size), and the pages together are the whole
/// list, each user once.
pub async fn scim_start_index_and_count_page_through_every_match_once(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let u = create(
            server,
            &k,
            "/scim/v2",
            user(&format!("pager{i}"), &format!("pager{i}@example.com")),
        )
        .await;
        made.push(id_of(&u));
    }
    create(server, &k, "/scim/v2", user("outsider", "outsider@example.com")).await;
    let filter = enc("userName sw \"pager\"");
    let whole =
        ok(&get(server, &k, &format!("/scim/v2/Users?filter={filter}")).await, 200, "whole");
    let all = list_ids(&whole);
    assert_eq!(sorted(all.clone()), sorted(made.clone()));

    let mut walked = Vec::new();
    for (start, size) in [(1, 3), (4, 3), (7, 1), (8, 0)] {
        let path = format!("/scim/v2/Users?filter={filter}&startIndex={start}&count=3");
        let page = ok(&get(server, &k, &path).await, 200, &path);
        assert_eq!(page["totalResults"], json!(7), "{path}: {page}");
        assert_eq!(page["startIndex"], json!(start), "{path}: {page}");
        let ids = list_ids(&page);
        assert_eq!(ids.len(), size, "{path}: {page}");
        walked.extend(ids);
    }
    assert_eq!(walked, all, "the pages are the whole list, in its order");
    let page = ok(
        &get(server, &k, &format!("/scim/v2/Users?filter={filter}&count=0")).await,
        200,
        "count=0",
    );
    assert_eq!(page["totalResults"], json!(7), "count=0 still counts: {page}");
    assert!(list_ids(&page).is_empty(), "{page}");
    let page = ok(&get(server, &k, "/scim/v2/Users?startIndex=2&count=2").await, 200, "unfiltered");
    assert_eq!(page["totalResults"], json!(8), "{page}");
    assert_eq!(list_ids(&page).len(), 2);
}

/// `sortBy=userName` orders users by userName case-insensitively,
/// `sortOrder=descending` the other way; on GET and on `.search`.
pub async fn scim_sort_by_user_name_orders_both_ways(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let mut by_name = Vec::new();
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        let u = create(server, &k, "/scim/v2", user(name, &format!("{name}@example.com"))).await;
        by_name.push((name.to_ascii_lowercase(), id_of(&u)));
    }
    by_name.sort();
    let ascending: Vec<String> = by_name.iter().map(|(_, id)| id.clone()).collect();
    let descending: Vec<String> = ascending.iter().rev().cloned().collect();
    for (query, want) in [
        ("sortBy=userName", &ascending),
        ("sortBy=userName&sortOrder=ascending", &ascending),
        ("sortBy=userName&sortOrder=descending", &descending),
        ("sortBy=username&sortOrder=DESCENDING", &descending),
    ] {
        let list = ok(&get(server, &k, &format!("/scim/v2/Users?{query}")).await, 200, query);
        assert_eq!(&list_ids(&list), want, "{query}: {list}");
    }
    let page = ok(
        &get(
            server,
            &k,
            "/scim/v2/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2",
        )
        .await,
        200,
        "page",
    );
    assert_eq!(list_ids(&page), descending[1..3].to_vec(), "a sorted page");
    for (order, want) in [("ascending", &ascending), ("descending", &descending)] {
        let body = json!({"schemas": [SEARCH], "sortBy": "userName", "sortOrder": order});
        let list = ok(&post(server, &k, "/scim/v2/.search", &body).await, 200, order);
        assert_eq!(&list_ids(&list), want, ".search {order}: {list}");
    }
}

/// `attributes` returns only the attributes named (and sub-attributes
/// within), `excludedAttributes` all but those named; `id` and `schemas`
/// come back whatever is asked. On a user, on a list and on `.search`.
pub async fn scim_attributes_and_excluded_attributes_pick_what_returns_but_id_and_schemas_always_do(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let u = create(
        server,
        &k,
        "/scim/v2",
        json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "picky",
            "name": {"givenName": "Pick", "familyName": "Y"},
            "displayName": "Picky",
            "emails": [{"value": "picky@example.com", "primary": true}],
            ENTERPRISE: {"department": "R&D", "employeeNumber": "7"},
        }),
    )
    .await;
    let id = id_of(&u);
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let set =
        |items: &[&str]| -> BTreeSet<String> { items.iter().map(|s| (*s).to_owned()).collect() };
    let user_path = format!("/scim/v2/Users/{id}");

    let r = read(server, &k, &format!("{user_path}?attributes=userName")).await;
    assert_eq!(keys(&r), set(&["id", "schemas", "userName"]), "{r}");
    assert_eq!(r["userName"], json!("picky"));
    let r = read(server, &k, &format!("{user_path}?attributes=name.givenName,displayName")).await;
    assert_eq!(keys(&r), set(&["id", "schemas", "name", "displayName"]), "{r}");
    assert_eq!(r["name"], json!({"givenName": "Pick"}), "{r}");
    let r = read(
        server,
        &k,
        &format!("{user_path}?attributes={}", enc(&format!("{ENTERPRISE}:department"))),
    )
    .await;
    assert_eq!(keys(&r), set(&["id", "schemas", ENTERPRISE]), "{r}");
    assert_eq!(r[ENTERPRISE], json!({"department": "R&D"}), "{r}");
    let r = read(server, &k, &format!("{user_path}?attributes=id")).await;
    assert_eq!(keys(&r), set(&["id", "schemas"]), "{r}");
    let r = read(server, &k, &format!("{user_path}?excludedAttributes=emails,name,meta")).await;
    for gone in ["emails", "name", "meta"] {
        assert!(r.get(gone).is_none(), "{gone} excluded: {r}");
    }
    for kept in ["id", "schemas", "userName", "displayName", "active", ENTERPRISE] {
        assert!(r.get(kept).is_some(), "{kept} kept: {r}");
    }
    let r = read(server, &k, &format!("{user_path}?excludedAttributes=id,schemas")).await;
    assert_eq!(r["id"], json!(id), "id is always returned: {r}");
    assert_eq!(r["schemas"][0], json!(USER), "schemas are always returned: {r}");

    let list = ok(&get(server, &k, "/scim/v2/Users?attributes=userName").await, 200, "list");
    assert_eq!(list_ids(&list), [id.as_str()]);
    assert_eq!(keys(&list["Resources"][0]), set(&["id", "schemas", "userName"]), "{list}");
    let list = ok(&get(server, &k, "/scim/v2/Users?excludedAttributes=emails").await, 200, "list");
    assert!(list["Resources"][0].get("emails").is_none(), "{list}");
    assert!(list["Resources"][0].get("userName").is_some(), "{list}");
    let body = json!({"schemas": [SEARCH], "attributes": ["displayName"]});
    let list = ok(&post(server, &k, "/scim/v2/.search", &body).await, 200, ".search");
    assert_eq!(keys(&list["Resources"][0]), set(&["id", "schemas", "displayName"]), "{list}");
    let body = json!({"schemas": [SEARCH], "excludedAttributes": ["displayName", "meta"]});
    let list = ok(&post(server, &k, "/scim/v2/Users/.search", &body).await, 200, ".search");
    let r = &list["Resources"][0];
    assert!(r.get("displayName").is_none() && r.get("meta").is_none(), "{list}");
    assert_eq!(r["userName"], json!("picky"));
}

/// `POST /.search` and `POST /Users/.search` take a SearchRequest (filter,
/// startIndex, count, sortBy, attributes) and answer what the same GET
/// answers; a body that is no SearchRequest answers 400.
pub async fn scim_post_search_at_the_root_and_under_users_answers_like_get(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    for i in 0..5 {
        create(server, &k, "/scim/v2", user(&format!("searched{i}"), &format!("s{i}@example.com")))
            .await;
    }
    create(server, &k, "/scim/v2", user("other", "other@example.com")).await;
    let filter = "userName sw \"searched\"";
    let get_path = format!(
        "/scim/v2/Users?filter={}&startIndex=2&count=2&sortBy=userName&sortOrder=descending&attributes=userName",
        enc(filter)
    );
    let by_get = ok(&get(server, &k, &get_path).await, 200, "GET");
    assert_eq!(by_get["totalResults"], json!(5), "{by_get}");
    assert_eq!(by_get["Resources"][0]["userName"], json!("searched3"), "{by_get}");
    assert_eq!(by_get["Resources"][1]["userName"], json!("searched2"), "{by_get}");
    let body = json!({
        "schemas": [SEARCH],
        "filter": filter,
        "startIndex": 2,
        "count": 2,
        "sortBy": "userName",
        "sortOrder": "descending",
        "attributes": ["userName"],
    });
    for path in ["/scim/v2/.search", "/scim/v2/Users/.search"] {
        let by_post = ok(&post(server, &k, path, &body).await, 200, path);
        assert_eq!(by_post, by_get, "{path} answers like GET");
    }
    let r = post(server, &k, "/scim/v2/.search", &json!({"filter": filter})).await;
    scim_error(&r, 400, Some("invalidSyntax"), "a body without the SearchRequest schema");
    let r =
        post(server, &k, "/scim/v2/Users/.search", &json!({"schemas": [SEARCH], "count": "two"}))
            .await;
    scim_error(&r, 400, Some("invalidValue"), "a count that is not a number");
}

/// A PUT, PATCH or DELETE with an `If-Match` ETag the user has moved past
/// answers 412 and changes nothing; with the current ETag each goes
/// through.
pub async fn scim_a_stale_if_match_on_put_patch_or_delete_answers_412_and_changes_nothing(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let created = create(server, &k, "/scim/v2", user("versioned", "versioned@example.com")).await;
    let id = id_of(&created);
    let path = format!("/scim/v2/Users/{id}");
    let stale = created["meta"]["version"].as_str().unwrap().to_owned();
    let ops = json!([{"op": "replace", "path": "displayName", "value": "Second"}]);
    let r = patch(server, &k, &path, ops).await;
    let current = ok(&r, 200, "a change that moves the version");
    let fresh = r.header("etag").unwrap().to_owned();
    assert_ne!(fresh, stale);

    let mut body = current.clone();
    body["displayName"] = json!("Third");
    let stale_h = [("if-match", stale.as_str())];
    let r = call(server, &k, "PUT", &path, Some(&body), &stale_h).await;
    scim_error(&r, 412, None, "PUT with a stale If-Match");
    let patch_body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let r = call(server, &k, "PATCH", &path, Some(&patch_body), &stale_h).await;
    scim_error(&r, 412, None, "PATCH with a stale If-Match");
    let r = call(server, &k, "DELETE", &path, None, &stale_h).await;
    scim_error(&r, 412, None, "DELETE with a stale If-Match");
    let now = ok(&get(server, &k, &path).await, 200, "read after the refusals");
    assert_eq!(now, current, "nothing changed");
    assert_eq!(v1(server, &id).await["status"], json!("active"));

    let fresh_h = [("if-match", fresh.as_str())];
    let r = call(server, &k, "PUT", &path, Some(&body), &fresh_h).await;
    let replaced = ok(&r, 200, "PUT with the current If-Match");
    assert_eq!(replaced["displayName"], json!("Third"));
    let fresh = r.header("etag").unwrap().to_owned();
    let fresh_h = [("if-match", fresh.as_str())];
    let r = call(server, &k, "PATCH", &path, Some(&patch_body), &fresh_h).await;
    assert_eq!(ok(&r, 200, "PATCH with the current If-Match")["active"], json!(false));
    let fresh = r.header("etag").unwrap().to_owned();
    let r = call(server, &k, "DELETE", &path, None, &[("if-match", fresh.as_str())]).await;
    assert_eq!(r.status, 204, "DELETE with the current If-Match: {}", r.text());
    scim_error(&get(server, &k, &path).await, 404, None, "gone");
}

/// `/scim/v2/zones/{zone}` is SCIM in that zone (named by identifier or
/// id): its users are created, listed and found there, its locations name
/// it, and a user of another zone answers 404 from every route, changing
/// nothing. A key limited to a zone reaches no other.
pub async fn scim_the_zone_form_acts_in_its_zone_and_users_of_other_zones_answer_404(
    server: &TestServer,
) {
    let eu = create_zone(server, "eu").await;
    let eu_id = id_of(&eu);
    let (k, _) = scim_key(server).await;
    let here = create(server, &k, "/scim/v2", user("same.name", "home@example.com")).await;
    let here_id = id_of(&here);
    let r =
        post(server, &k, "/scim/v2/zones/eu/Users", &user("same.name", "home@example.com")).await;
    let there = ok(&r, 201, "the same userName and email in another zone");
    let there_id = id_of(&there);
    let location = format!("{}/scim/v2/zones/eu/Users/{there_id}", server.base_url);
    assert_eq!(there["meta"]["location"], json!(location), "{there}");
    assert_eq!(r.header("location"), Some(location.as_str()));
    let in_v1 = get_ok(server, &format!("/v1/zones/eu/users/{there_id}")).await;
    assert_eq!(in_v1["zone_id"], json!(eu_id));
    assert_eq!(server.get(&format!("/v1/users/{there_id}")).await.status, 404);

    for base in ["/scim/v2/zones/eu".to_owned(), format!("/scim/v2/zones/{eu_id}")] {
        let list = ok(&get(server, &k, &format!("{base}/Users")).await, 200, &base);
        assert_eq!(list_ids(&list), [there_id.as_str()], "{base}");
        let read = ok(&get(server, &k, &format!("{base}/Users/{there_id}")).await, 200, &base);
        assert_eq!(read["userName"], json!("same.name"));
    }
    let list = ok(&get(server, &k, "/scim/v2/Users").await, 200, "the default zone");
    assert_eq!(list_ids(&list), [here_id.as_str()]);
    let list = ok(&get(server, &k, "/scim/v2/zones/default/Users").await, 200, "default by name");
    assert_eq!(list_ids(&list), [here_id.as_str()]);

    let before = (
        v1(server, &here_id).await,
        get_ok(server, &format!("/v1/zones/eu/users/{there_id}")).await,
    );
    let body = user("hijacked", "hijacked@example.com");
    let ops = json!([{"op": "replace", "value": {"active": false}}]);
    for (base, foreign) in [
        ("/scim/v2", &there_id),
        ("/scim/v2/zones/default", &there_id),
        ("/scim/v2/zones/eu", &here_id),
    ] {
        let path = format!("{base}/Users/{foreign}");
        scim_error(&get(server, &k, &path).await, 404, None, &format!("GET {path}"));
        scim_error(&put(server, &k, &path, &body).await, 404, None, &format!("PUT {path}"));
        scim_error(
            &patch(server, &k, &path, ops.clone()).await,
            404,
            None,
            &format!("PATCH {path}"),
        );
        scim_error(&delete(server, &k, &path).await, 404, None, &format!("DELETE {path}"));
        let filter = format!("{base}/Users?filter={}", enc(&format!("id eq \"{foreign}\"")));
        assert!(
            list_ids(&ok(&get(server, &k, &filter).await, 200, &filter)).is_empty(),
            "{filter}"
        );
    }
    let after = (
        v1(server, &here_id).await,
        get_ok(server, &format!("/v1/zones/eu/users/{there_id}")).await,
    );
    assert_eq!(before, after, "the 404s changed nothing");
    scim_error(
        &get(server, &k, "/scim/v2/zones/nowhere/Users").await,
        404,
        None,
        "an unknown zone",
    );

    // A key limited to eu: its /scim/v2 is eu, and nothing else is reachable.
    let (limited, _) = key(server, &["scim"], Some(&[eu_id.as_str()])).await;
    let list = ok(&get(server, &limited, "/scim/v2/Users").await, 200, "the limited key's zone");
    assert_eq!(list_ids(&list), [there_id.as_str()]);
    scim_error(
        &get(server, &limited, "/scim/v2/zones/default/Users").await,
        404,
        None,
        "another zone's list",
    );
    let path = format!("/scim/v2/zones/default/Users/{here_id}");
    scim_error(&get(server, &limited, &path).await, 404, None, "another zone's user");
    let r =
        post(server, &limited, "/scim/v2/zones/default/Users", &user("sneak", "sneak@example.com"))
            .await;
    scim_error(&r, 404, None, "a create in another zone");
    let list = ok(&get(server, &k, "/scim/v2/Users").await, 200, "the default zone, after");
    assert_eq!(list_ids(&list), [here_id.as_str()]);
}

/// Without the `scim` scope (or both `users:write` and `roles:write`) a
/// key gets 403 as a SCIM error for every SCIM request; a key holding only
/// `scim` reads and writes users through SCIM.
pub async fn scim_a_key_without_the_scim_scope_answers_403_and_one_with_only_scim_provisions(
    server: &TestServer,
) {
    let body = user("scoped", "scoped@example.com");
    for scopes in [
        &["users:read"][..],
        &["users:write"][..],
        &["roles:write"][..],
        &["users:write", "users:metadata", "roles:read"][..],
        &["events:read", "zones:write"][..],
    ] {
        let (k, _) = key(server, scopes, None).await;
        let what = format!("a key with {scopes:?}");
        scim_error(&get(server, &k, "/scim/v2/Users").await, 403, None, &what);
        scim_error(&post(server, &k, "/scim/v2/Users", &body).await, 403, None, &what);
        scim_error(&get(server, &k, "/scim/v2/ServiceProviderConfig").await, 403, None, &what);
    }
    assert_eq!(get_ok(server, "/v1/users").await["total_count"], json!(0), "nothing was created");

    let (both, _) = key(server, &["users:write", "roles:write"], None).await;
    ok(&get(server, &both, "/scim/v2/Users").await, 200, "users:write and roles:write");

    let (k, _) = scim_key(server).await;
    let created = create(server, &k, "/scim/v2", body.clone()).await;
    let path = format!("/scim/v2/Users/{}", id_of(&created));
    ok(&get(server, &k, &path).await, 200, "GET with scim only");
    ok(&get(server, &k, "/scim/v2/Users?filter=userName%20eq%20%22scoped%22").await, 200, "list");
    let mut replacement = created.clone();
    replacement["displayName"] = json!("Scoped");
    ok(&put(server, &k, &path, &replacement).await, 200, "PUT with scim only");
    let ops = json!([{"op": "replace", "value": {"active": false}}]);
    ok(&patch(server, &k, &path, ops).await, 200, "PATCH with scim only");
    assert_eq!(delete(server, &k, &path).await.status, 204, "DELETE with scim only");
}

/// The user's event ids, types and actors in the feed, read with the
/// admin key until `n` have come (PostgreSQL serves an event once the
/// transactions older than its own have ended).
async fn events_of(server: &TestServer, user: &str, n: usize) -> Vec<Value> {
    let mut found = Vec::new();
    for _ in 0..400 {
        found.clear();
        let mut after: Option<String> = None;
        loop {
            let mut path = "/v1/events?limit=100".to_owned();
            if let Some(c) = &after {
                path.push_str(&format!("&after={}", enc(c)));
            }
            let page = get_ok(server, &path).await;
            for e in page["data"].as_array().unwrap() {
                if e["data"]["object"]["id"] == json!(user) {
                    found.push(e.clone());
                }
            }
            if page["page_info"]["has_next_page"] != json!(true) {
                break;
            }
            after = page["page_info"]["end_cursor"].as_str().map(str::to_owned);
        }
        if found.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    found
}

/// SCIM writes are ordinary Roster changes: `created_by`/`updated_by`
/// (read with `users:metadata`) name the SCIM key that wrote, and the
/// change feed records user.created, user.updated and user.deleted with
/// that key as the actor.
pub async fn scim_writes_are_roster_changes_by_the_scim_key_with_their_events(server: &TestServer) {
    let (creator, creator_id) = scim_key(server).await;
    let (updater, updater_id) = scim_key(server).await;
    let (reader, _) = key(server, &["users:read", "users:metadata"], None).await;
    let created =
        create(server, &creator, "/scim/v2", user("audited", "audited@example.com")).await;
    let id = id_of(&created);
    let path = format!("/scim/v2/Users/{id}");
    let read = |what: &'static str| {
        let path = format!("/v1/users/{id}");
        let reader = reader.clone();
        async move {
            let r = server.call_as(&reader, "GET", &path, None).await;
            assert_eq!(r.status, 200, "{what}: {}", r.text());
            r.json()
        }
    };
    let u = read("after the create").await;
    assert_eq!(u["created_by"], json!(creator_id));
    assert_eq!(u["updated_by"], json!(creator_id));

    let ops = json!([{"op": "replace", "path": "displayName", "value": "Audited"}]);
    ok(&patch(server, &updater, &path, ops).await, 200, "PATCH by another SCIM key");
    let u = read("after the PATCH").await;
    assert_eq!(u["created_by"], json!(creator_id));
    assert_eq!(u["updated_by"], json!(updater_id));
    assert_eq!(u["name"], json!("Audited"));

    let mut body = ok(&get(server, &creator, &path).await, 200, "read");
    body["name"] = json!({"givenName": "Aud", "familyName": "Ited"});
    ok(&put(server, &creator, &path, &body).await, 200, "PUT by the creator");
    assert_eq!(read("after the PUT").await["updated_by"], json!(creator_id));

    assert_eq!(delete(server, &updater, &path).await.status, 204);

    let events = events_of(server, &id, 4).await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["actor"]["id"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        seen,
        [
            ("user.created", creator_id.as_str()),
            ("user.updated", updater_id.as_str()),
            ("user.updated", creator_id.as_str()),
            ("user.deleted", updater_id.as_str()),
        ],
        "the user's events: {events:?}"
    );
    for e in &events {
        assert_eq!(e["actor"]["type"], json!("api_key"), "{e}");
    }
    assert_eq!(events[1]["data"]["object"]["name"], json!("Audited"), "the update's snapshot");
}

/// A user made through `/v1` reads through SCIM with its fields mapped:
/// identifier as userName, its one email as the primary work email,
/// first and last name as name, name as displayName, external_id as
/// externalId, and `disabled` as `active: false`.
pub async fn scim_a_user_created_through_v1_reads_with_its_one_email_primary(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    let u = server
        .create_user(json!({
            "email": "Plain.User@Example.com",
            "identifier": "plain.user",
            "first_name": "Plain",
            "last_name": "User",
            "name": "Plain User",
            "external_id": "ext-plain",
        }))
        .await;
    let id = id_of(&u);
    let path = format!("/scim/v2/Users/{id}");
    let r = get(server, &k, &path).await;
    let read = ok(&r, 200, "a /v1 user through SCIM");
    assert_eq!(read["schemas"], json!([USER]));
    assert_eq!(read["id"], json!(id));
    assert_eq!(read["userName"], json!("plain.user"));
    assert_eq!(
        read["emails"],
        json!([{"value": "Plain.User@Example.com", "type": "work", "primary": true}])
    );
    assert_eq!(read["name"], json!({"givenName": "Plain", "familyName": "User"}));
    assert_eq!(read["displayName"], json!("Plain User"));
    assert_eq!(read["externalId"], json!("ext-plain"));
    assert_eq!(read["active"], json!(true));
    assert_eq!(read["meta"]["created"], u["created_at"]);
    assert_eq!(read["meta"]["version"], json!(r.header("etag").unwrap()));
    let list = ok(
        &get(server, &k, &format!("/scim/v2/Users?filter={}", enc("userName eq \"Plain.User\"")))
            .await,
        200,
        "filter",
    );
    assert_eq!(list_ids(&list), [id.as_str()]);

    let r = server.patch(&format!("/v1/users/{id}"), json!({"status": "disabled"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ok(&get(server, &k, &path).await, 200, "disabled")["active"], json!(false));
    let r = server.patch(&format!("/v1/users/{id}"), json!({"email": "moved@example.com"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let read = ok(&get(server, &k, &path).await, 200, "after an email change in /v1");
    assert_eq!(
        read["emails"],
        json!([{"value": "moved@example.com", "type": "work", "primary": true}])
    );
}
