//! A Roster user as a SCIM User and back.

use roster_domain::ids::IdGenerator;
use roster_domain::{OrgId, Timestamp, User, UserId, UserStatus, ZoneId};
use roster_scim::schema::{ENTERPRISE, USER};
use roster_scim::user::{KEPT, Mode, fields, render};
use serde_json::{Value, json};

fn blank() -> User {
    let ids = IdGenerator::new();
    User::blank(
        UserId::from_ulid(ids.next(1)),
        OrgId::from_ulid(ids.next(1)),
        ZoneId::from_ulid(ids.next(1)),
        Timestamp::from_micros(1_000_000).unwrap(),
        "key_x".into(),
    )
}

fn created(resource: Value) -> User {
    let (user, _) = User::create(blank(), fields(&resource, Mode::Create, None).unwrap()).unwrap();
    user
}

fn entra_user() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7d4e2f1c1f1f",
        "userName": "Test_User_ab6490ee@testuser.com",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": "42", "department": "Tours", "manager": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"},
    })
}

#[test]
fn what_a_client_writes_is_what_it_reads_back() {
    let user = created(entra_user());
    assert_eq!(user.identifier, "Test_User_ab6490ee@testuser.com");
    assert_eq!(user.email, "Test_User_fd0ea19b@testuser.com");
    assert_eq!((user.first_name.as_str(), user.last_name.as_str()), ("givenName", "familyName"));
    assert_eq!(user.name, "givenName familyName", "displayName defaults as /v1's name does");
    assert_eq!(user.external_id.as_deref(), Some("0a21f0f2-8d2a-4f8e-bf98-7d4e2f1c1f1f"));
    let back = render(&user, &[], "https://r.example/scim/v2");
    let sent = entra_user();
    for key in ["userName", "externalId", "emails", "name", "active"] {
        assert_eq!(back[key], sent[key], "{key}");
    }
    // Entra sends the manager as an id alone; it reads back as the
    // complex value RFC 7643 defines.
    assert_eq!(back[ENTERPRISE]["manager"], json!({"value": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"}));
    assert_eq!(back[ENTERPRISE]["department"], json!("Tours"));
    assert_eq!(back["schemas"], json!([USER, ENTERPRISE]));
    assert!(back["meta"]["location"].as_str().unwrap().ends_with(&format!("/Users/{}", user.id)));
    assert_eq!(back["meta"]["version"], json!(user.etag()));
    assert!(user.attributes.get(KEPT).is_some(), "the rest is kept in attributes.scim");
}

#[test]
fn active_false_disables_and_true_reenables_only_a_disabled_user() {
    let mut user = created(entra_user());
    let mut off = render(&user, &[], "b");
    off["active"] = json!(false);
    user.patch(fields(&off, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.status, UserStatus::Disabled);
    assert_eq!(render(&user, &[], "b")["active"], json!(false));
    let on = render(&User { status: UserStatus::Disabled, ..user.clone() }, &[], "b");
    let mut on = on;
    on["active"] = json!(true);
    user.patch(fields(&on, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.status, UserStatus::Active);
    user.status = UserStatus::Suspended;
    let still = render(&user, &[], "b");
    assert_eq!(still["active"], json!(true));
    user.patch(fields(&still, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.status, UserStatus::Suspended, "true leaves other statuses as they are");
}

#[test]
fn a_replace_clears_what_the_resource_no_longer_holds() {
    let mut user = created(entra_user());
    let minimal = json!({"userName": "u", "emails": [{"value": "u@example.com"}]});
    user.patch(fields(&minimal, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.external_id, None);
    assert_eq!(user.name, "");
    assert_eq!(user.first_name, "");
    assert_eq!(user.attributes.get(KEPT), Some(json!({"emails": [{"value": "u@example.com"}]})));
    let back = render(&user, &[], "b");
    assert!(
        back.get("name").is_none()
            && back.get("displayName").is_none()
            && back.get(ENTERPRISE).is_none()
    );
}

#[test]
fn a_user_needs_a_user_name_and_an_email() {
    let e = fields(&json!({"emails": [{"value": "a@b.co"}]}), Mode::Create, None).unwrap_err();
    assert_eq!((e.status, e.scim_type), (400, Some("invalidValue")));
    assert!(e.detail.contains("userName"), "{}", e.detail);
    let e = fields(&json!({"userName": "a"}), Mode::Create, None).unwrap_err();
    assert!(e.detail.contains("emails"), "{}", e.detail);
    let e = fields(
        &json!({"userName": "a", "emails": [{"value": "not an email"}]}),
        Mode::Create,
        None,
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some("invalidValue"));
    let e = fields(
        &json!({"userName": "a", "emails": [{"value": "a@b.co"}], "active": 3}),
        Mode::Create,
        None,
    )
    .unwrap_err();
    assert!(e.detail.contains("active"), "{}", e.detail);
}

#[test]
fn the_primary_email_is_the_users_email_and_a_change_through_v1_shows() {
    let resource = json!({"userName": "a", "emails": [
        {"value": "home@example.com", "type": "home"},
        {"value": "work@example.com", "type": "work", "primary": true},
    ]});
    let mut user = created(resource);
    assert_eq!(user.email, "work@example.com");
    user.email = "new@example.com".into();
    let back = render(&user, &[], "b");
    assert_eq!(back["emails"][1]["value"], json!("new@example.com"));
    assert_eq!(back["emails"][0]["value"], json!("home@example.com"));
}

#[test]
fn a_user_never_written_over_scim_has_its_one_email_as_primary() {
    let mut user = blank();
    user.email = "v1@example.com".into();
    assert_eq!(
        render(&user, &[], "b")["emails"],
        json!([{"value": "v1@example.com", "type": "work", "primary": true}])
    );
}

#[test]
fn custom_attributes_read_as_name_value_pairs_and_scim_never_changes_them() {
    use roster_scim::schema::ROSTER;
    let mut user = created(entra_user());
    user.attributes = roster_domain::Attributes::from_map(
        json!({"plan": "pro", "seats": 3, "flags": {"beta": true}}).as_object().unwrap(),
    );
    let back = render(&user, &[], "b");
    assert_eq!(
        back[ROSTER]["attributes"],
        json!([
            {"name": "plan", "value": "pro"},
            {"name": "seats", "value": "3"},
            {"name": "flags", "value": "{\"beta\":true}"},
        ])
    );
    let mut next = back.clone();
    next[ROSTER]["attributes"] = json!([{"name": "plan", "value": "team"}]);
    next["title"] = json!("Guide");
    user.patch(fields(&next, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.attributes.get("plan"), Some(json!("pro")), "read-only over SCIM");
    assert_eq!(user.attributes.get("seats"), Some(json!(3)));
    assert_eq!(user.attributes.get(KEPT).unwrap()["title"], json!("Guide"));
}

#[test]
fn a_put_that_knows_nothing_of_rosters_extension_leaves_its_description_alone() {
    use roster_scim::schema::ROSTER;
    let mut user = created(entra_user());
    user.description = Some("set through /v1".into());
    user.attributes =
        roster_domain::Attributes::from_map(json!({"plan": "pro"}).as_object().unwrap());
    let okta_put =
        json!({"schemas": [USER], "userName": "u", "emails": [{"value": "u@example.com"}]});
    user.patch(fields(&okta_put, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.description.as_deref(), Some("set through /v1"));
    assert_eq!(user.attributes.get("plan"), Some(json!("pro")));
    let speaks_of_it =
        json!({"schemas": [USER, ROSTER], "userName": "u", "emails": [{"value": "u@example.com"}]});
    user.patch(fields(&speaks_of_it, Mode::Replace, Some(&user)).unwrap()).unwrap();
    assert_eq!(user.description, None);
    assert_eq!(user.attributes.get("plan"), Some(json!("pro")));
}

#[test]
fn the_kept_attribute_never_overrides_a_mapped_field_or_shows_an_undeclared_one() {
    let mut user = created(entra_user());
    let kept = json!({
        "userName": "spoofed", "id": "user_other", "displayName": "Spoofed", "active": false,
        "externalId": "other", "meta": {"location": "x"}, "groups": [{"value": "role_x"}],
        "fooBar": 1, "title": "Guide", "emails": "not a list",
        "name": {"givenName": "Spoofed", "formatted": "F"},
        ENTERPRISE: {"department": "Tours", "undeclared": 1},
    });
    let mut attributes = user.attributes.to_map();
    attributes.insert(KEPT.into(), kept);
    user.attributes = roster_domain::Attributes::from_map(&attributes);
    let back = render(&user, &[], "b");
    assert_eq!(back["userName"], json!(user.identifier));
    assert_eq!(back["id"], json!(user.id.to_string()));
    assert_eq!(back["displayName"], json!(user.name));
    assert_eq!(back["active"], json!(true));
    assert_eq!(back["externalId"], json!(user.external_id));
    assert!(back.get("fooBar").is_none() && back.get("groups").is_none(), "{back}");
    assert_eq!(back["title"], json!("Guide"));
    assert_eq!(
        back["name"],
        json!({"formatted": "F", "givenName": "givenName", "familyName": "familyName"})
    );
    assert_eq!(back[ENTERPRISE], json!({"department": "Tours"}));
    assert_eq!(back["emails"][0]["value"], json!(user.email));
}
