//! Reading many users: filters, paging, sorting, `attributes` /
//! `excludedAttributes`, and `POST .search`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use roster_testkit::TestServer;

use super::{
    ENTERPRISE, SEARCH, USER, create, get, list_ids, ok, post, read, scim_error, scim_key, sorted,
    user,
};
use crate::support::{enc, id_of};

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

/// A `startIndex` past the last user answers an empty page with the total
/// (RFC 7644 §3.4.2.4), however far; more than 100 attribute paths are
/// refused; users are not filtered by groups (400 `invalidFilter`).
pub async fn scim_past_the_end_is_an_empty_page_and_oversized_asks_are_refused(
    server: &TestServer,
) {
    let (k, _) = scim_key(server).await;
    create(server, &k, "/scim/v2", user("only", "only@example.com")).await;
    for start in ["2", "20001"] {
        let r = get(server, &k, &format!("/scim/v2/Users?startIndex={start}&count=100")).await;
        let page = ok(&r, 200, start);
        assert_eq!(page["Resources"], json!([]), "{start}");
        assert!(page["totalResults"].as_u64().unwrap() >= 1, "{page}");
        assert_eq!(page["itemsPerPage"], json!(0));
    }
    let many: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();
    let r = get(server, &k, &format!("/scim/v2/Users?attributes={}", many.join(","))).await;
    scim_error(&r, 400, Some("invalidValue"), "101 attribute paths");
    let filter = enc("groups[value eq \"role_01ARZ3NDEKTSV4RRFFQ69G5FAV\"]");
    let r = get(server, &k, &format!("/scim/v2/Users?filter={filter}")).await;
    scim_error(&r, 400, Some("invalidFilter"), "a filter on groups");
}
