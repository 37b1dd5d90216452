//! Who reaches what, and what SCIM writes are to the rest of Roster:
//! zone forms, the `scim` scope, metadata and change-feed events, and
//! users made through `/v1`.

use serde_json::json;

use roster_testkit::TestServer;

use super::{
    USER, create, delete, feed_until, get, list_ids, ok, patch, post, put, scim_error, scim_key,
    user, v1,
};
use crate::support::{create_zone, enc, get_ok, id_of, key};

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

    let events = feed_until(server, "", 4, |e| e["data"]["object"]["id"] == json!(id)).await;
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
