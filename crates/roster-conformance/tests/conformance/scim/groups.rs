//! SCIM Groups are Roster roles: Okta's group push and Entra ID's group
//! provisioning as their documentation shows them, members as the users
//! holding the role for the whole zone (scoped assignments are not
//! members), and the promises around them (unknown members, uniqueness,
//! weak ETags, events).

use serde_json::{Value, json};

use roster_testkit::TestServer;

use super::{
    PATCH_OP, call, create, delete, feed_until, get, list_ids, ok, patch, post, put, read,
    scim_error, scim_key, sorted, user,
};
use crate::support::{create_in, create_zone, enc, get_ok, id_of};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP], "displayName": name, "members": members})
}

/// Creates a group through SCIM; the created resource and its id.
async fn new_group(server: &TestServer, k: &str, body: Value) -> (Value, String) {
    let created = ok(&post(server, k, "/scim/v2/Groups", &body).await, 201, &format!("{body}"));
    let id = id_of(&created);
    (created, id)
}

/// A SCIM user of the default zone; its id.
async fn someone(server: &TestServer, k: &str, name: &str) -> String {
    id_of(&create(server, k, "/scim/v2", user(name, &format!("{name}@example.com"))).await)
}

/// The member ids a group lists, sorted (none when `members` is absent).
fn member_ids(g: &Value) -> Vec<String> {
    let items = g["members"].as_array().cloned().unwrap_or_default();
    sorted(items.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
}

/// The user's role assignments through `/v1`: (role id, scope) each.
async fn assignments(server: &TestServer, user: &str) -> Vec<(String, Value)> {
    let page = get_ok(server, &format!("/v1/users/{user}/role-assignments?limit=100")).await;
    let data = page["data"].as_array().unwrap();
    data.iter().map(|a| (a["role_id"].as_str().unwrap().to_owned(), a["scope"].clone())).collect()
}

/// Whether the user holds the role for the whole zone (scope null).
async fn holds(server: &TestServer, user: &str, role: &str) -> bool {
    assignments(server, user).await.iter().any(|(r, s)| r == role && s.is_null())
}

/// The group ids the user's SCIM `groups` lists.
async fn groups_of(server: &TestServer, k: &str, user: &str) -> Vec<String> {
    let u = read(server, k, &format!("/scim/v2/Users/{user}")).await;
    let items = u["groups"].as_array().cloned().unwrap_or_default();
    items.iter().map(|g| g["value"].as_str().unwrap().to_owned()).collect()
}

/// Okta's group push, as its SCIM 2.0 reference shows it: create an empty
/// group, find it by displayName, add members with `path: members`, remove
/// one with `members[value eq "…"]`, rename with a path-less replace, and
/// delete it. Each step is a role change `/v1` sees.
pub async fn scim_okta_group_push_creates_finds_adds_removes_members_renames_and_deletes_a_group(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let alice = someone(server, &k, "alice").await;
    let bob = someone(server, &k, "bob").await;
    let lookup = format!("/scim/v2/Groups?filter={}", enc("displayName eq \"Test SCIMv2\""));
    assert!(list_ids(&read(server, &k, &lookup).await).is_empty(), "no group yet");

    let body = json!({"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []});
    let r = post(server, &k, "/scim/v2/Groups", &body).await;
    let created = ok(&r, 201, "Okta's group create");
    let id = id_of(&created);
    assert!(id.starts_with("role_"), "a group is a role: {created}");
    assert_eq!(created["schemas"], json!([GROUP]));
    assert_eq!(created["displayName"], json!("Test SCIMv2"));
    assert!(member_ids(&created).is_empty(), "{created}");
    let location = format!("{}/scim/v2/Groups/{id}", server.base_url);
    assert_eq!(created["meta"]["location"], json!(location), "{created}");
    assert_eq!(created["meta"]["resourceType"], json!("Group"));
    assert_eq!(r.header("location"), Some(location.as_str()), "Location header");
    let etag = r.header("etag").expect("an ETag on create").to_owned();
    assert!(etag.starts_with("W/\""), "a group's ETag is weak: {etag}");
    assert_eq!(created["meta"]["version"], json!(etag), "meta.version is the ETag");
    let role = get_ok(server, &format!("/v1/roles/{id}")).await;
    assert_eq!(
        (role["identifier"].clone(), role["name"].clone()),
        (json!("Test SCIMv2"), json!("Test SCIMv2"))
    );
    assert_eq!(list_ids(&read(server, &k, &lookup).await), [id.as_str()], "found by displayName");

    let path = format!("/scim/v2/Groups/{id}");
    for (who, name) in [(&alice, "alice@example.com"), (&bob, "bob@example.com")] {
        let ops =
            json!([{"op": "add", "path": "members", "value": [{"value": who, "display": name}]}]);
        ok(&patch(server, &k, &path, ops).await, 200, "Okta's member add");
    }
    let g = read(server, &k, &path).await;
    assert_eq!(member_ids(&g), sorted(vec![alice.clone(), bob.clone()]), "{g}");
    for who in [&alice, &bob] {
        assert!(holds(server, who, &id).await, "{who} holds the role for the zone");
        assert_eq!(groups_of(server, &k, who).await, [id.as_str()], "{who}'s SCIM groups");
    }

    let ops = json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]);
    let removed = ok(&patch(server, &k, &path, ops).await, 200, "Okta's member remove");
    assert_eq!(member_ids(&removed), [bob.as_str()], "{removed}");
    assert!(assignments(server, &alice).await.is_empty(), "alice's assignment is gone");
    assert!(groups_of(server, &k, &alice).await.is_empty());
    assert!(holds(server, &bob, &id).await, "bob stays a member");

    let ops = json!([{"op": "replace", "value": {"id": id, "displayName": "Renamed SCIMv2"}}]);
    let renamed = ok(&patch(server, &k, &path, ops).await, 200, "Okta's rename");
    assert_eq!(renamed["displayName"], json!("Renamed SCIMv2"));
    assert_eq!(member_ids(&renamed), [bob.as_str()], "the rename keeps the members");
    let role = get_ok(server, &format!("/v1/roles/{id}")).await;
    assert_eq!(role["name"], json!("Renamed SCIMv2"));
    assert_eq!(role["identifier"], json!("Test SCIMv2"), "the identifier stays");

    assert_eq!(delete(server, &k, &path).await.status, 204, "Okta's delete");
    scim_error(&get(server, &k, &path).await, 404, None, "the deleted group");
    assert_eq!(server.get(&format!("/v1/roles/{id}")).await.status, 404, "the role is gone");
    assert!(assignments(server, &bob).await.is_empty(), "its assignments are gone");
    assert!(list_ids(&read(server, &k, "/scim/v2/Groups").await).is_empty());
}

/// Entra ID's group provisioning, as Microsoft's SCIM tutorial shows it:
/// a create with externalId, capitalised `Add`/`Remove` of members by
/// value list (a removal takes only the users named), `Replace` of
/// displayName by path, and a lookup by externalId without members.
pub async fn scim_entra_id_group_provisioning_adds_and_removes_members_by_value_and_renames(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let one = someone(server, &k, "one").await;
    let two = someone(server, &k, "two").await;
    let external = "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159";
    let body = json!({
        "schemas": [GROUP],
        "externalId": external,
        "displayName": "Group1DisplayName",
        "meta": {"resourceType": "Group"},
    });
    let (created, id) = new_group(server, &k, body).await;
    assert_eq!(created["externalId"], json!(external), "{created}");
    assert_eq!(get_ok(server, &format!("/v1/roles/{id}")).await["external_id"], json!(external));
    let path = format!("/scim/v2/Groups/{id}");

    let ops = json!([{"op": "Add", "path": "members",
        "value": [{"$ref": null, "value": one}, {"$ref": null, "value": two}]}]);
    let added = ok(&patch(server, &k, &path, ops).await, 200, "Entra's member add");
    assert_eq!(member_ids(&added), sorted(vec![one.clone(), two.clone()]), "{added}");
    assert!(holds(server, &one, &id).await && holds(server, &two, &id).await);

    let ops = json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": one}]}]);
    let removed = ok(&patch(server, &k, &path, ops).await, 200, "Entra's member remove");
    assert_eq!(member_ids(&removed), [two.as_str()], "only the named member goes: {removed}");
    assert!(!holds(server, &one, &id).await, "one no longer holds the role");
    assert!(holds(server, &two, &id).await, "two still does");

    let ops = json!([{"op": "Replace", "path": "displayName", "value": "Group1 Renamed"}]);
    let renamed = ok(&patch(server, &k, &path, ops).await, 200, "Entra's rename");
    assert_eq!(renamed["displayName"], json!("Group1 Renamed"));
    let role = get_ok(server, &format!("/v1/roles/{id}")).await;
    assert_eq!(
        (role["name"].clone(), role["identifier"].clone()),
        (json!("Group1 Renamed"), json!("Group1DisplayName"))
    );

    let query = format!(
        "filter={}&excludedAttributes=members",
        enc(&format!("externalId eq \"{external}\""))
    );
    let list = read(server, &k, &format!("/scim/v2/Groups?{query}")).await;
    assert_eq!(list_ids(&list), [id.as_str()], "{list}");
    let found = &list["Resources"][0];
    assert!(found.get("members").is_none(), "excludedAttributes=members: {found}");
    assert_eq!(found["displayName"], json!("Group1 Renamed"));
    assert_eq!(found["externalId"], json!(external));
    let one_read = read(server, &k, &format!("{path}?excludedAttributes=members")).await;
    assert!(one_read.get("members").is_none(), "{one_read}");
    assert_eq!(member_ids(&read(server, &k, &path).await), [two.as_str()], "members still there");
}

/// A role assigned through `/v1` with a scope is not membership: the
/// group does not list its holder, the user's SCIM groups leave it out,
/// and replacing the members (PUT) leaves the scoped assignments alone.
pub async fn scim_a_scoped_role_assignment_is_not_a_member_and_survives_a_members_replace(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let alice = someone(server, &k, "alice").await;
    let bob = someone(server, &k, "bob").await;
    let carol = someone(server, &k, "carol").await;
    let (_, id) = new_group(server, &k, group("Editors", &[&alice])).await;
    let scope = json!({"type": "project", "id": "p1"});
    for who in [&alice, &bob] {
        let body = json!({"role_id": id, "scope": scope});
        let r = server.post(&format!("/v1/users/{who}/role-assignments"), body).await;
        assert_eq!(r.status, 201, "a scoped assignment for {who}: {}", r.text());
    }
    let path = format!("/scim/v2/Groups/{id}");
    assert_eq!(member_ids(&read(server, &k, &path).await), [alice.as_str()], "bob is no member");
    assert!(groups_of(server, &k, &bob).await.is_empty(), "bob's SCIM groups");
    assert_eq!(groups_of(server, &k, &alice).await, [id.as_str()], "alice's once");

    let replaced = ok(&put(server, &k, &path, &group("Editors", &[&carol])).await, 200, "PUT");
    assert_eq!(member_ids(&replaced), [carol.as_str()], "{replaced}");
    assert_eq!(
        assignments(server, &alice).await,
        [(id.clone(), scope.clone())],
        "alice keeps the scoped one"
    );
    assert_eq!(
        assignments(server, &bob).await,
        [(id.clone(), scope.clone())],
        "bob's is untouched"
    );
    assert_eq!(assignments(server, &carol).await, [(id.clone(), Value::Null)]);

    let emptied = ok(&put(server, &k, &path, &group("Editors", &[])).await, 200, "PUT []");
    assert!(member_ids(&emptied).is_empty(), "{emptied}");
    assert!(assignments(server, &carol).await.is_empty());
    assert_eq!(assignments(server, &alice).await, [(id.clone(), scope.clone())]);
    assert_eq!(assignments(server, &bob).await, [(id, scope)]);
}

/// A member that is not a user of the zone (an unknown id, a user of
/// another zone, no user id at all) answers 400 invalidValue: a create
/// makes no role, a PATCH or PUT leaves the group as it was (its other
/// changes included) and assigns nobody.
pub async fn scim_a_member_that_is_not_a_user_of_the_zone_answers_400_invalid_value_and_changes_nothing(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let alice = someone(server, &k, "alice").await;
    let bob = someone(server, &k, "bob").await;
    create_zone(server, "eu").await;
    let foreign = id_of(&create_in(server, "eu", json!({"email": "far@example.com"})).await);
    let unknown = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    for bad in [unknown, foreign.as_str(), "not-a-user"] {
        let r = post(server, &k, "/scim/v2/Groups", &group("Refused", &[&alice, bad])).await;
        scim_error(&r, 400, Some("invalidValue"), &format!("a create with member {bad}"));
    }
    assert_eq!(get_ok(server, "/v1/roles").await["total_count"], json!(0), "no role was made");
    assert!(assignments(server, &alice).await.is_empty());

    let (_, id) = new_group(server, &k, group("Kept", &[&alice])).await;
    let path = format!("/scim/v2/Groups/{id}");
    let before = read(server, &k, &path).await;
    for bad in [unknown, foreign.as_str()] {
        let what = format!("a PATCH adding {bad}");
        let ops =
            json!([{"op": "add", "path": "members", "value": [{"value": bob}, {"value": bad}]}]);
        scim_error(&patch(server, &k, &path, ops).await, 400, Some("invalidValue"), &what);
        let what = format!("a PUT renaming and listing {bad}");
        let r = put(server, &k, &path, &group("Renamed", &[&alice, &bob, bad])).await;
        scim_error(&r, 400, Some("invalidValue"), &what);
        assert_eq!(read(server, &k, &path).await, before, "{what} changed the group");
    }
    assert_eq!(get_ok(server, &format!("/v1/roles/{id}")).await["name"], json!("Kept"));
    assert!(assignments(server, &bob).await.is_empty(), "bob was not added");
    assert_eq!(assignments(server, &alice).await, [(id, Value::Null)]);
    let far = get_ok(server, &format!("/v1/zones/eu/users/{foreign}/role-assignments")).await;
    assert_eq!(far["total_count"], json!(0), "the other zone's user holds nothing");
}

/// A new group's displayName is its role identifier: a second group with
/// the same displayName, or one naming a role made through `/v1`, answers
/// 409 uniqueness and makes no role.
pub async fn scim_a_duplicate_group_display_name_answers_409_uniqueness(server: &TestServer) {
    let (k, _) = scim_key(server).await;
    new_group(server, &k, group("Admins", &[])).await;
    let r = server.post("/v1/roles", json!({"identifier": "Support"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    for name in ["Admins", "Support"] {
        let r = post(server, &k, "/scim/v2/Groups", &group(name, &[])).await;
        scim_error(&r, 409, Some("uniqueness"), &format!("a second group {name}"));
    }
    assert_eq!(get_ok(server, "/v1/roles").await["total_count"], json!(2), "no third role");
    let list = read(server, &k, "/scim/v2/Groups").await;
    assert_eq!(list_ids(&list).len(), 2, "{list}");
}

/// A group's weak ETag covers its members: after a member change (through
/// SCIM or `/v1`) the old ETag is stale, and a PUT or PATCH with it
/// answers 412 changing nothing; with the current one each goes through.
pub async fn scim_a_stale_group_if_match_on_put_or_patch_answers_412_and_changes_nothing(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let alice = someone(server, &k, "alice").await;
    let bob = someone(server, &k, "bob").await;
    let carol = someone(server, &k, "carol").await;
    let (created, id) = new_group(server, &k, group("Versioned", &[&alice])).await;
    let path = format!("/scim/v2/Groups/{id}");
    let first = created["meta"]["version"].as_str().unwrap().to_owned();
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]);
    let r = patch(server, &k, &path, ops).await;
    let second = r.header("etag").expect("an ETag on PATCH").to_owned();
    assert_ne!(first, second, "a member added moves the ETag");
    let r =
        server.post(&format!("/v1/users/{carol}/role-assignments"), json!({"role_id": id})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = get(server, &k, &path).await;
    let current = ok(&r, 200, "read");
    let third = r.header("etag").unwrap().to_owned();
    assert_ne!(third, second, "a member added through /v1 moves the ETag");

    let rename = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Changed"}]});
    let body = group("Changed", &[&alice]);
    for stale in [&first, &second] {
        let h = [("if-match", stale.as_str())];
        let r = call(server, &k, "PUT", &path, Some(&body), &h).await;
        scim_error(&r, 412, None, "PUT with a stale If-Match");
        let r = call(server, &k, "PATCH", &path, Some(&rename), &h).await;
        scim_error(&r, 412, None, "PATCH with a stale If-Match");
    }
    assert_eq!(read(server, &k, &path).await, current, "nothing changed");
    assert!(holds(server, &bob, &id).await && holds(server, &carol, &id).await);

    let r = call(server, &k, "PATCH", &path, Some(&rename), &[("if-match", third.as_str())]).await;
    let renamed = ok(&r, 200, "PATCH with the current If-Match");
    assert_eq!(renamed["displayName"], json!("Changed"));
    let fourth = r.header("etag").unwrap().to_owned();
    assert_eq!(renamed["meta"]["version"], json!(fourth));
    let r = call(server, &k, "PUT", &path, Some(&body), &[("if-match", fourth.as_str())]).await;
    let replaced = ok(&r, 200, "PUT with the current If-Match");
    assert_eq!(member_ids(&replaced), [alice.as_str()], "{replaced}");
    assert!(!holds(server, &bob, &id).await && !holds(server, &carol, &id).await);
}

/// Adding members records role_assignment.created, removing one records
/// role_assignment.deleted, each with the SCIM key as the actor; adding a
/// member already there records nothing.
pub async fn scim_group_member_changes_record_role_assignment_events(server: &TestServer) {
    let (k, key_id) = scim_key(server).await;
    let alice = someone(server, &k, "alice").await;
    let bob = someone(server, &k, "bob").await;
    let carol = someone(server, &k, "carol").await;
    let (_, id) = new_group(server, &k, group("Audited", &[])).await;
    let path = format!("/scim/v2/Groups/{id}");
    let add =
        json!([{"op": "add", "path": "members", "value": [{"value": alice}, {"value": bob}]}]);
    ok(&patch(server, &k, &path, add.clone()).await, 200, "add two");
    ok(&patch(server, &k, &path, add).await, 200, "add the same two again");
    let remove = json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]);
    ok(&patch(server, &k, &path, remove).await, 200, "remove one");
    // A last change through /v1, so that every earlier event has come.
    let r =
        server.post(&format!("/v1/users/{carol}/role-assignments"), json!({"role_id": id})).await;
    assert_eq!(r.status, 201, "{}", r.text());

    let events = feed_until(server, "&type=role_assignment.*", 4, |_| true).await;
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            let o = &e["data"]["object"];
            (
                e["type"].as_str().unwrap(),
                o["user_id"].as_str().unwrap(),
                o["role_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("role_assignment.created", alice.as_str(), id.as_str()),
            ("role_assignment.created", bob.as_str(), id.as_str()),
            ("role_assignment.deleted", alice.as_str(), id.as_str()),
            ("role_assignment.created", carol.as_str(), id.as_str()),
        ],
        "the feed's assignment events: {events:?}"
    );
    for e in &events[..3] {
        assert_eq!(e["actor"], json!({"type": "api_key", "id": key_id}), "{e}");
        assert_eq!(e["data"]["object"]["scope"], Value::Null, "{e}");
    }
}

/// DELETE honours `If-Match` as PUT and PATCH do: a stale group ETag
/// answers 412 and the group stays; the current one deletes it.
pub async fn scim_a_stale_if_match_on_group_delete_answers_412_and_keeps_the_group(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let (created, id) = new_group(server, &k, group("Guarded", &[])).await;
    let stale = created["meta"]["version"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/Groups/{id}");
    let u = create(server, &k, "/scim/v2", user("guard", "guard@example.com")).await;
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": id_of(&u)}]}]);
    let current = ok(&patch(server, &k, &path, ops).await, 200, "a member added");
    let r = call(server, &k, "DELETE", &path, None, &[("if-match", &stale)]).await;
    scim_error(&r, 412, None, "a stale ETag");
    ok(&get(server, &k, &path).await, 200, "still there");
    let now = current["meta"]["version"].as_str().unwrap();
    let r = call(server, &k, "DELETE", &path, None, &[("if-match", now)]).await;
    assert_eq!(r.status, 204, "{}", r.text());
    scim_error(&get(server, &k, &path).await, 404, None, "gone");
}
