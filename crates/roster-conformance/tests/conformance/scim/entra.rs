//! Entra ID's provisioning sequences: its PATCH dialect, the enterprise
//! manager as a bare id, and its work-email change on a `/v1` user.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use super::{
    ENTERPRISE, USER, create, delete, get, list_ids, ok, patch, post, read, scim_error, scim_key,
    user, v1,
};
use crate::support::{enc, id_of};

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
