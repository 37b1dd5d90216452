//! The protocol's failures: SCIM errors, uniqueness, invalid values,
//! malformed filters, and stale `If-Match` ETags.

use serde_json::{Value, json};

use roster_testkit::{TestServer, send};

use super::{
    PATCH_OP, SEARCH, USER, call, create, delete, get, list_ids, ok, patch, post, put, scim_error,
    scim_key, sorted, user, v1,
};
use crate::support::{enc, id_of};

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

/// `If-Match: *` matches whatever version is there, and the write still
/// names the version it was computed from; a PATCH path naming a
/// read-only attribute answers 400 `mutability` and changes nothing.
pub async fn scim_if_match_star_replaces_and_a_read_only_path_answers_400_mutability(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    let created = create(server, &k, "/scim/v2", user("starry", "starry@example.com")).await;
    let path = format!("/scim/v2/Users/{}", id_of(&created));
    let mut body = created.clone();
    body["displayName"] = json!("Starry");
    let r = call(server, &k, "PUT", &path, Some(&body), &[("if-match", "*")]).await;
    assert_eq!(ok(&r, 200, "PUT with If-Match *")["displayName"], json!("Starry"));
    for target in ["id", "meta.created", "groups"] {
        let ops = json!([{"op": "replace", "path": target, "value": "x"}]);
        let r = patch(server, &k, &path, ops).await;
        scim_error(&r, 400, Some("mutability"), target);
    }
    let now = ok(&get(server, &k, &path).await, 200, "after the refusals");
    assert_eq!(now["id"], created["id"]);
    assert_eq!(now["meta"]["created"], created["meta"]["created"]);
    // Okta's path-less value carries the id: it is left out, the rest applies.
    let ops = json!([{"op": "replace", "value": {"id": "user_other", "active": false}}]);
    let r = patch(server, &k, &path, ops).await;
    let patched = ok(&r, 200, "path-less replace with an id");
    assert_eq!(
        (patched["id"].clone(), patched["active"].clone()),
        (created["id"].clone(), json!(false))
    );
}
