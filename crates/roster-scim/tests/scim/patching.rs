//! PATCH operations applied to a resource's JSON, in the forms Okta and
//! Entra ID send.

use roster_scim::patch::apply;
use roster_scim::schema::{ENTERPRISE, GROUP, PATCH_OP, USER, USER_EXTENSIONS};
use serde_json::{Value, json};

fn patched(mut resource: Value, ops: Value) -> Value {
    let body = json!({"schemas": [PATCH_OP], "Operations": ops});
    apply(&mut resource, &body, USER, USER_EXTENSIONS).unwrap();
    resource
}

fn refused(resource: Value, ops: Value) -> (u16, Option<&'static str>) {
    let mut resource = resource;
    let body = json!({"schemas": [PATCH_OP], "Operations": ops});
    let e = apply(&mut resource, &body, USER, USER_EXTENSIONS).unwrap_err();
    (e.status, e.scim_type)
}

fn user() -> Value {
    json!({
        "userName": "bjensen",
        "active": true,
        "emails": [{"value": "b@example.com", "type": "home", "primary": true}],
        "name": {"givenName": "Barbara"},
    })
}

#[test]
fn okta_deactivates_with_a_pathless_replace() {
    let r = patched(user(), json!([{"op": "replace", "value": {"id": "x", "active": false}}]));
    assert_eq!(r["active"], json!(false));
}

#[test]
fn operation_names_are_case_insensitive_as_entra_writes_them() {
    let r = patched(user(), json!([{"op": "Replace", "path": "name.givenName", "value": "Babs"}]));
    assert_eq!(r["name"]["givenName"], json!("Babs"));
    let r = patched(user(), json!([{"op": "Add", "path": "title", "value": "Guide"}]));
    assert_eq!(r["title"], json!("Guide"));
}

#[test]
fn a_value_path_write_that_matches_nothing_adds_the_item_its_filter_describes() {
    let ops =
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}]);
    let r = patched(user(), ops);
    let emails = r["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[1], json!({"type": "work", "value": "w@example.com"}));
    let ops = json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@example.com"}]);
    let r = patched(user(), ops);
    assert_eq!(r["emails"][0]["value"], json!("h@example.com"));
    assert_eq!(r["emails"].as_array().unwrap().len(), 1);
}

#[test]
fn a_value_path_write_whose_filter_names_no_item_is_no_target() {
    let ops = json!([{"op": "replace", "path": "emails[value co \"zzz\"].value", "value": "x@example.com"}]);
    assert_eq!(refused(user(), ops), (400, Some("noTarget")));
}

#[test]
fn members_are_removed_by_filter_or_by_a_value_list_and_the_rest_stay() {
    let group =
        json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}, {"value": "c"}]});
    let body = |ops: Value| json!({"schemas": [PATCH_OP], "Operations": ops});
    let mut okta = group.clone();
    apply(
        &mut okta,
        &body(json!([{"op": "remove", "path": "members[value eq \"b\"]"}])),
        GROUP,
        &[],
    )
    .unwrap();
    assert_eq!(okta["members"], json!([{"value": "a"}, {"value": "c"}]));
    let mut entra = group.clone();
    let ops =
        json!([{"op": "Remove", "path": "members", "value": [{"value": "a"}, {"value": "c"}]}]);
    apply(&mut entra, &body(ops), GROUP, &[]).unwrap();
    assert_eq!(entra["members"], json!([{"value": "b"}]));
    let mut all = group;
    apply(&mut all, &body(json!([{"op": "remove", "path": "members"}])), GROUP, &[]).unwrap();
    assert!(all.get("members").is_none());
}

#[test]
fn adding_members_appends_without_duplicates() {
    let mut group = json!({"displayName": "g", "members": [{"value": "a"}]});
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}]);
    let body = json!({"schemas": [PATCH_OP], "Operations": ops});
    apply(&mut group, &body, GROUP, &[]).unwrap();
    assert_eq!(group["members"], json!([{"value": "a"}, {"value": "b"}]));
}

#[test]
fn removing_what_is_not_there_succeeds() {
    let r = patched(user(), json!([{"op": "remove", "path": "nickName"}]));
    assert_eq!(r, user());
    let path = format!("{ENTERPRISE}:department");
    let r = patched(user(), json!([{"op": "remove", "path": path}]));
    assert!(r.get(ENTERPRISE).is_none_or(|e| e.get("department").is_none()));
}

#[test]
fn extension_attributes_are_written_by_their_full_path_or_as_a_whole() {
    let path = format!("{ENTERPRISE}:department");
    let r = patched(user(), json!([{"op": "Replace", "path": path, "value": "Tours"}]));
    assert_eq!(r[ENTERPRISE]["department"], json!("Tours"));
    let whole = json!({"schemas": [ENTERPRISE], "employeeNumber": "7"});
    let r = patched(user(), json!([{"op": "add", "path": ENTERPRISE, "value": whole}]));
    assert_eq!(r[ENTERPRISE]["employeeNumber"], json!("7"));
    let r = patched(user(), json!([{"op": "add", "value": {path.as_str(): "Ops"}}]));
    assert_eq!(r[ENTERPRISE]["department"], json!("Ops"));
}

#[test]
fn a_patch_without_the_patchop_schema_or_with_an_unknown_op_is_refused() {
    let mut r = user();
    let e = apply(
        &mut r,
        &json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        USER,
        USER_EXTENSIONS,
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some("invalidSyntax"));
    assert_eq!(
        refused(user(), json!([{"op": "move", "path": "title"}])),
        (400, Some("invalidSyntax"))
    );
    assert_eq!(refused(user(), json!([{"op": "remove"}])), (400, Some("noTarget")));
    assert_eq!(
        refused(user(), json!([{"op": "add", "path": "emails[", "value": 1}])),
        (400, Some("invalidPath"))
    );
}

#[test]
fn a_path_naming_a_read_only_attribute_is_mutability_and_a_pathless_id_is_left_out() {
    for path in ["id", "meta.created", "groups", "Groups[value eq \"role_x\"]"] {
        let ops = json!([{"op": "replace", "path": path, "value": "x"}]);
        assert_eq!(refused(user(), ops), (400, Some("mutability")), "{path}");
    }
    let r = patched(user(), json!([{"op": "replace", "value": {"id": "other", "active": false}}]));
    assert!(r.get("id").is_none(), "{r}");
    assert_eq!(r["active"], json!(false));
}

#[test]
fn membership_only_patches_are_a_delta_and_anything_else_is_not() {
    use roster_scim::group::member_delta;
    let (a, b) = ("user_01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_01BX5ZZKBKACTAV9WEVGEMMVRZ");
    let body = |ops: Value| json!({"schemas": [PATCH_OP], "Operations": ops});
    let okta = body(json!([
        {"op": "add", "path": "members", "value": [{"value": a, "display": "A"}]},
        {"op": "remove", "path": format!("members[value eq \"{b}\"]")},
    ]));
    let (add, remove) = member_delta(&okta).unwrap();
    assert_eq!((add[0].to_string(), remove[0].to_string()), (a.to_owned(), b.to_owned()));
    let entra =
        body(json!([{"op": "Remove", "path": "members", "value": [{"value": a}, {"value": b}]}]));
    let (add, remove) = member_delta(&entra).unwrap();
    assert!(add.is_empty() && remove.len() == 2);
    for other in [
        body(json!([{"op": "replace", "path": "displayName", "value": "x"}])),
        body(json!([{"op": "remove", "path": "members"}])),
        body(json!([{"op": "add", "path": "members", "value": [{"value": "not-a-user"}]}])),
        body(
            json!([{"op": "add", "path": "members", "value": [{"value": a}]}, {"op": "remove", "path": "members", "value": [{"value": a}]}]),
        ),
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": a}]}]}),
    ] {
        assert!(member_delta(&other).is_none(), "{other}");
    }
}
