//! Okta's provisioning sequence, and a userName change (as Okta and
//! Entra ID send it) being the user's identifier everywhere.

use serde_json::json;

use roster_testkit::TestServer;

use super::{USER, create, get, list_ids, ok, patch, post, put, scim_key, user, v1};
use crate::support::{enc, get_ok, id_of};

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
