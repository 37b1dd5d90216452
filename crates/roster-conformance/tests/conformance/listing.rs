//! Listing: cursor and page mode, filters, sorts, Keycard spellings,
//! total_count, cursor validation.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::model::{self, Query, SortSpec};
use crate::support::*;

const U: &str = "/v1/users";

fn cursor(p: &Value, which: &str) -> String {
    p["page_info"][which].as_str().unwrap_or_else(|| panic!("no {which} in {p}")).to_owned()
}

fn flags(p: &Value) -> (bool, bool) {
    (
        p["page_info"]["has_previous_page"].as_bool().unwrap(),
        p["page_info"]["has_next_page"].as_bool().unwrap(),
    )
}

pub async fn a_list_has_data_page_info_and_total_count(server: &TestServer) {
    let users = seed_users(server, "shape", 3).await;
    let p = page(server, U, "").await;
    let obj = p.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["data", "page_info", "total_count"], "cursor mode");
    let mut info: Vec<&str> =
        p["page_info"].as_object().unwrap().keys().map(String::as_str).collect();
    info.sort_unstable();
    assert_eq!(info, vec!["end_cursor", "has_next_page", "has_previous_page", "start_cursor"]);
    assert_eq!(ids(&p), user_ids(&users), "default order is created_at");
    assert_eq!(p["total_count"], json!(3));
    assert_eq!(flags(&p), (false, false));
    assert!(p["page_info"]["start_cursor"].is_string());
    assert!(p["page_info"]["end_cursor"].is_string());
    assert_eq!(p["data"][1], users[1], "list items are full users");
}

pub async fn the_default_limit_is_50_and_limit_reaches_1000(server: &TestServer) {
    let users = seed_users(server, "many", 53).await;
    let p = page(server, U, "").await;
    assert_eq!(p["data"].as_array().unwrap().len(), 50);
    assert_eq!(p["total_count"], json!(53));
    assert_eq!(flags(&p), (false, true));
    let p = page(server, U, "limit=1000").await;
    assert_eq!(ids(&p), user_ids(&users));
    assert_eq!(flags(&p), (false, false));
    let p = page(server, U, "limit=1").await;
    assert_eq!(ids(&p), vec![id_of(&users[0])]);
}

pub async fn a_limit_outside_1_to_1000_answers_400_naming_limit(server: &TestServer) {
    for bad in ["0", "1001", "-1", "ten", "", "1.5", "99999999999999999999"] {
        let r = server.get(&format!("{U}?limit={bad}")).await;
        invalid_parameter(&r, "limit");
    }
}

pub async fn walking_after_end_cursor_then_back_with_before_start_cursor_visits_each_user_once(
    server: &TestServer,
) {
    let users = seed_users(server, "walk", 5).await;
    let all_ids = user_ids(&users);
    let p1 = page(server, U, "limit=2").await;
    assert_eq!(ids(&p1), all_ids[0..2]);
    assert_eq!(flags(&p1), (false, true));
    let p2 = page(server, U, &format!("limit=2&after={}", enc(&cursor(&p1, "end_cursor")))).await;
    assert_eq!(ids(&p2), all_ids[2..4]);
    assert_eq!(flags(&p2), (true, true));
    let p3 = page(server, U, &format!("limit=2&after={}", enc(&cursor(&p2, "end_cursor")))).await;
    assert_eq!(ids(&p3), all_ids[4..5]);
    assert_eq!(flags(&p3), (true, false));
    for p in [&p1, &p2, &p3] {
        assert_eq!(p["total_count"], json!(5));
    }
    // And back.
    let b2 =
        page(server, U, &format!("limit=2&before={}", enc(&cursor(&p3, "start_cursor")))).await;
    assert_eq!(ids(&b2), all_ids[2..4], "a backward page is in list order");
    assert_eq!(flags(&b2), (true, true));
    let b1 =
        page(server, U, &format!("limit=2&before={}", enc(&cursor(&b2, "start_cursor")))).await;
    assert_eq!(ids(&b1), all_ids[0..2]);
    assert_eq!(flags(&b1), (false, true), "backward: has_next_page is always true");
    assert_eq!(b1["total_count"], json!(5));
    // A short page before the first few.
    let b = page(server, U, &format!("limit=3&before={}", enc(&cursor(&p2, "end_cursor")))).await;
    assert_eq!(ids(&b), all_ids[0..3]);
    assert_eq!(flags(&b), (false, true));
    let b = page(server, U, &format!("limit=2&before={}", enc(&cursor(&p2, "end_cursor")))).await;
    assert_eq!(ids(&b), all_ids[1..3]);
    assert_eq!(flags(&b), (true, true));
}

pub async fn an_empty_page_has_null_cursors(server: &TestServer) {
    let p = page(server, U, "").await;
    assert_eq!(p["data"], json!([]));
    assert_eq!(p["total_count"], json!(0));
    assert_eq!(p["page_info"]["start_cursor"], Value::Null);
    assert_eq!(p["page_info"]["end_cursor"], Value::Null);
    assert_eq!(flags(&p), (false, false));
    let users = seed_users(server, "e", 2).await;
    let p = page(server, U, "status=disabled").await;
    assert_eq!(p["data"], json!([]));
    assert_eq!(p["page_info"]["start_cursor"], Value::Null);
    assert_eq!(p["page_info"]["end_cursor"], Value::Null);
    let full = page(server, U, "").await;
    let past = page(server, U, &format!("after={}", enc(&cursor(&full, "end_cursor")))).await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["page_info"]["start_cursor"], Value::Null);
    assert_eq!(past["page_info"]["end_cursor"], Value::Null);
    assert_eq!(flags(&past), (true, false));
    assert_eq!(past["total_count"], json!(2));
    let before_first =
        page(server, U, &format!("before={}", enc(&cursor(&full, "start_cursor")))).await;
    assert_eq!(before_first["data"], json!([]));
    assert_eq!(before_first["page_info"]["start_cursor"], Value::Null);
    assert_eq!(flags(&before_first), (false, true));
    assert_eq!(users.len(), 2);
}

pub async fn after_and_before_together_answer_400(server: &TestServer) {
    seed_users(server, "ab", 3).await;
    let p = page(server, U, "limit=1").await;
    let c = enc(&cursor(&p, "end_cursor"));
    let r = server.get(&format!("{U}?after={c}&before={c}")).await;
    let pr = problem(&r, 400, "invalid_parameter");
    assert!(
        pr["param"] == json!("after") || pr["param"] == json!("before"),
        "param names after or before: {pr}"
    );
}

pub async fn page_mode_returns_the_nth_page_with_page_and_page_size(server: &TestServer) {
    let users = seed_users(server, "pm", 7).await;
    let all_ids = user_ids(&users);
    let p = page(server, U, "page=2&page_size=3").await;
    assert_eq!(ids(&p), all_ids[3..6]);
    assert_eq!(p["page"], json!(2));
    assert_eq!(p["page_size"], json!(3));
    assert_eq!(p["total_count"], json!(7));
    assert_eq!(flags(&p), (true, true));
    let p1 = page(server, U, "page=1&page_size=3").await;
    assert_eq!(ids(&p1), all_ids[0..3]);
    assert_eq!(flags(&p1), (false, true));
    let p3 = page(server, U, "page=3&page_size=3").await;
    assert_eq!(ids(&p3), all_ids[6..7]);
    assert_eq!(flags(&p3), (true, false));
    let p9 = page(server, U, "page=9&page_size=3").await;
    assert_eq!(p9["data"], json!([]));
    assert_eq!(p9["page_info"]["start_cursor"], Value::Null);
    assert_eq!(p9["page_info"]["end_cursor"], Value::Null);
    assert_eq!(p9["page"], json!(9));
    assert_eq!(p9["total_count"], json!(7));
    assert_eq!(p9["page_info"]["has_next_page"], json!(false));

    // page_info of a page carries cursors usable in cursor mode.
    let next = page(server, U, &format!("limit=3&after={}", enc(&cursor(&p, "end_cursor")))).await;
    assert_eq!(ids(&next), all_ids[6..7]);
    let prev =
        page(server, U, &format!("limit=3&before={}", enc(&cursor(&p, "start_cursor")))).await;
    assert_eq!(ids(&prev), all_ids[0..3]);
}

pub async fn page_size_alone_means_page_one_and_the_default_size_is_50(server: &TestServer) {
    let users = seed_users(server, "ps", 52).await;
    let p = page(server, U, "page_size=4").await;
    assert_eq!(p["page"], json!(1));
    assert_eq!(p["page_size"], json!(4));
    assert_eq!(ids(&p), user_ids(&users[0..4]));
    let p = page(server, U, "page=2").await;
    assert_eq!(p["page_size"], json!(50));
    assert_eq!(p["page"], json!(2));
    assert_eq!(ids(&p), user_ids(&users[50..52]));
    assert_eq!(flags(&p), (true, false));
}

pub async fn page_mode_with_limit_reports_it_as_page_size_up_to_1000(server: &TestServer) {
    let users = seed_users(server, "pl", 105).await;
    let p = page(server, U, "page=1&limit=1000").await;
    assert_eq!(p["page_size"], json!(1000));
    assert_eq!(ids(&p), user_ids(&users));
    let p = page(server, U, "page=2&limit=101").await;
    assert_eq!(p["page_size"], json!(101));
    assert_eq!(ids(&p), user_ids(&users[101..105]));
    assert_eq!(flags(&p), (true, false));
}

pub async fn bad_page_parameters_answer_400_naming_them(server: &TestServer) {
    seed_users(server, "bp", 2).await;
    let c = enc(&cursor(&page(server, U, "limit=1").await, "end_cursor"));
    for (q, param) in [
        ("page=0".to_owned(), "page"),
        ("page=-1".to_owned(), "page"),
        ("page=x".to_owned(), "page"),
        ("page=1&page_size=0".to_owned(), "page_size"),
        ("page=1&page_size=101".to_owned(), "page_size"),
        ("page_size=101".to_owned(), "page_size"),
        ("page=1&page_size=10&limit=10".to_owned(), "page_size"),
        ("page=1&limit=1001".to_owned(), "limit"),
    ] {
        invalid_parameter(&server.get(&format!("{U}?{q}")).await, param);
    }
    for q in [format!("page=2&after={c}"), format!("page=1&before={c}")] {
        let r = server.get(&format!("{U}?{q}")).await;
        problem(&r, 400, "invalid_parameter");
    }
    let r = server.get(&format!("{U}?page_size=5&after={c}")).await;
    problem(&r, 400, "invalid_parameter");
}

pub async fn every_filter_selects_exactly_the_matching_users(server: &TestServer) {
    let a = server
        .create_user(json!({"email": "Alice@Example.com", "identifier": "Alice", "user_type": "saas_admin", "status": "active"}))
        .await;
    let b = server
        .create_user(json!({"email": "bob@example.com", "identifier": "bob", "user_type": "saas_user", "status": "risky"}))
        .await;
    let c = server
        .create_user(json!({"email": "carol@example.com", "identifier": "alice-2", "user_type": "saas_user_client", "status": "disabled"}))
        .await;
    let d = server
        .create_user(
            json!({"email": "alice@example.com.au", "identifier": "dave", "status": "risky"}),
        )
        .await;
    let e = server
        .create_user(
            json!({"email": "a+tag@example.com", "identifier": "e+1", "status": "suspended"}),
        )
        .await;
    let [a, b, c, d, e] = [id_of(&a), id_of(&b), id_of(&c), id_of(&d), id_of(&e)];
    let cases: Vec<(String, Vec<&String>)> = vec![
        ("email=A%2BTAG%40example.com".into(), vec![&e]),
        ("identifier=E%2B1".into(), vec![&e]),
        (format!("id={a},{c}"), vec![&a, &c]),
        (format!("id={c}&id={a}"), vec![&a, &c]),
        ("email=alice%40example.com".into(), vec![&a]),
        ("email=ALICE%40EXAMPLE.COM".into(), vec![&a]),
        ("email=alice".into(), vec![]),
        ("identifier=ALICE".into(), vec![&a]),
        ("identifier=alice-2".into(), vec![&c]),
        ("identifier=ali".into(), vec![]),
        ("user_type=saas_user".into(), vec![&b, &d, &e]),
        ("user_type=saas_admin,saas_user_client".into(), vec![&a, &c]),
        ("status=risky".into(), vec![&b, &d]),
        ("status=active,disabled".into(), vec![&a, &c]),
        ("status=risky&user_type=saas_user&identifier=dave".into(), vec![&d]),
        ("status=risky&user_type=saas_admin".into(), vec![]),
        ("status=inactive".into(), vec![]),
    ];
    for (q, expected) in cases {
        let p = page(server, U, &q).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&p), expected, "{q}");
        assert_eq!(p["total_count"], json!(expected.len()), "total_count for {q}");
    }
}

pub async fn created_and_updated_ranges_are_inclusive_from_and_exclusive_to(server: &TestServer) {
    let users = seed_users(server, "range", 4).await;
    let t: Vec<String> =
        users.iter().map(|u| u["created_at"].as_str().unwrap().to_owned()).collect();
    let all_ids = user_ids(&users);
    let p =
        page(server, U, &format!("created_at_from={}&created_at_to={}", enc(&t[1]), enc(&t[3])))
            .await;
    assert_eq!(ids(&p), all_ids[1..3]);
    assert_eq!(p["total_count"], json!(2));
    let p = page(server, U, &format!("created_at_to={}", enc(&t[0]))).await;
    assert_eq!(ids(&p), Vec::<String>::new());
    let p = page(server, U, &format!("created_at_from={}", enc(&t[3]))).await;
    assert_eq!(ids(&p), all_ids[3..4]);

    // Updating users 0 and 2 moves their updated_at past everyone else's.
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let u2 = server.patch(&format!("{U}/{}", all_ids[2]), json!({"first_name": "X"})).await.json();
    let u0 = server.patch(&format!("{U}/{}", all_ids[0]), json!({"first_name": "Y"})).await.json();
    let from = u2["updated_at"].as_str().unwrap().to_owned();
    let p = page(server, U, &format!("updated_at_from={}", enc(&from))).await;
    assert_eq!(ids(&p), vec![all_ids[0].clone(), all_ids[2].clone()]);
    let p = page(server, U, &format!("updated_at_to={}", enc(&from))).await;
    assert_eq!(ids(&p), vec![all_ids[1].clone(), all_ids[3].clone()]);
    let p = page(
        server,
        U,
        &format!(
            "updated_at_from={}&updated_at_to={}",
            enc(&from),
            enc(u0["updated_at"].as_str().unwrap())
        ),
    )
    .await;
    assert_eq!(ids(&p), vec![all_ids[2].clone()]);
}

pub async fn date_filters_accept_any_rfc3339_offset(server: &TestServer) {
    let users = seed_users(server, "off", 2).await;
    // A bound far in the past and far in the future, written with offsets.
    let p = page(
        server,
        U,
        &format!(
            "created_at_from={}&created_at_to={}",
            enc("2000-01-01T05:00:00+05:00"),
            enc("2999-12-31T23:59:59.5-08:00")
        ),
    )
    .await;
    assert_eq!(ids(&p), user_ids(&users));
    // The same instant as a user's created_at, written in +01:00.
    let created = users[1]["created_at"].as_str().unwrap();
    let shifted = shift_one_hour(created);
    let p = page(server, U, &format!("created_at_from={}", enc(&shifted))).await;
    assert_eq!(ids(&p), vec![id_of(&users[1])], "{created} == {shifted}");
}

/// `2024-01-15T09:30:00.123Z` -> `2024-01-15T10:30:00.123+01:00` (naive:
/// fine unless the hour is 23, in which case the date rolls; we then use
/// -01:00 instead).
fn shift_one_hour(t: &str) -> String {
    let body = t.strip_suffix('Z').unwrap();
    let hour: u32 = body[11..13].parse().unwrap();
    if hour < 23 {
        format!("{}{:02}{}+01:00", &body[..11], hour + 1, &body[13..])
    } else {
        format!("{}{:02}{}-01:00", &body[..11], hour - 1, &body[13..])
    }
}

pub async fn bad_filter_values_answer_400_naming_the_parameter_as_spelled(server: &TestServer) {
    for (q, param) in [
        ("status=gone", "status"),
        ("status=active,gone", "status"),
        ("filter%5Bstatus%5D=gone", "filter[status]"),
        ("user_type=admin", "user_type"),
        ("filter%5Buser_type%5D=admin", "filter[user_type]"),
        ("created_at_from=yesterday", "created_at_from"),
        ("created_at_to=2024-01-01", "created_at_to"),
        ("updated_at_from=2024-13-01T00:00:00Z", "updated_at_from"),
        ("filter%5Bupdated_at_to%5D=noon", "filter[updated_at_to]"),
        ("sort_by=password", "sort_by"),
        ("sort_by=id", "sort_by"),
        ("sort_order=up", "sort_order"),
        ("sort=email,shoe_size", "sort"),
        ("sort=-", "sort"),
    ] {
        invalid_parameter(&server.get(&format!("{U}?{q}")).await, param);
    }
}

pub async fn unknown_query_parameters_answer_400_naming_them(server: &TestServer) {
    for (q, param) in [
        ("colour=red", "colour"),
        ("filter%5Bcolour%5D=red", "filter[colour]"),
        ("Status=active", "Status"),
        ("sortby=email", "sortby"),
        ("limit=5&offset=10", "offset"),
    ] {
        invalid_parameter(&server.get(&format!("{U}?{q}")).await, param);
    }
    invalid_parameter(&server.get("/v1/zones?colour=red").await, "colour");
}

pub async fn a_scalar_parameter_given_twice_answers_400(server: &TestServer) {
    for (q, param) in [
        ("limit=1&limit=2", "limit"),
        ("page=1&page=2", "page"),
        ("page_size=1&page_size=2", "page_size"),
        ("email=a%40example.com&email=b%40example.com", "email"),
        ("identifier=a&identifier=b", "identifier"),
        ("sort_by=email&sort_by=name", "sort_by"),
        ("sort_order=asc&sort_order=desc", "sort_order"),
        ("sort=email&sort=name", "sort"),
        (
            "created_at_from=2024-01-01T00:00:00Z&created_at_from=2024-01-02T00:00:00Z",
            "created_at_from",
        ),
    ] {
        invalid_parameter(&server.get(&format!("{U}?{q}")).await, param);
    }
}

pub async fn the_id_filter_takes_at_most_100_ids_in_any_spelling(server: &TestServer) {
    let users = seed_users(server, "ids", 3).await;
    let fake = |i: usize| format!("user_01ARZ3NDEKTSV4RRFFQ69G{i:04}");
    let mut hundred: Vec<String> = (0..97).map(fake).collect();
    hundred.extend(user_ids(&users));
    assert_eq!(hundred.len(), 100);
    let p = page(server, U, &format!("id={}", hundred.join(","))).await;
    assert_eq!(ids(&p), user_ids(&users));
    let p = page(server, U, &format!("filter%5Bid%5D={}", hundred.join(","))).await;
    assert_eq!(ids(&p), user_ids(&users));
    // Repeated filter[id] values join the comma list.
    let repeated: Vec<String> = hundred.iter().map(|i| format!("filter%5Bid%5D={i}")).collect();
    let p = page(server, U, &repeated.join("&")).await;
    assert_eq!(ids(&p), user_ids(&users));
    let mut over = hundred.clone();
    over.push(fake(9999));
    invalid_parameter(&server.get(&format!("{U}?id={}", over.join(","))).await, "id");
    invalid_parameter(
        &server.get(&format!("{U}?filter%5Bid%5D={}", over.join(","))).await,
        "filter[id]",
    );
    let (first, rest) = over.split_at(50);
    let r = server
        .get(&format!("{U}?filter%5Bid%5D={}&filter%5Bid%5D={}", first.join(","), rest.join(",")))
        .await;
    invalid_parameter(&r, "filter[id]");
}

pub async fn attribute_filters_compare_top_level_values_as_json(server: &TestServer) {
    let mk = |email: &str, attrs: Value| json!({"email": email, "attributes": attrs});
    let a = server
        .create_user(mk("a@example.com", json!({"plan": "pro", "seats": 3, "beta": true})))
        .await;
    let b = server
        .create_user(mk("b@example.com", json!({"plan": "Pro", "seats": 3.0, "beta": false})))
        .await;
    let c = server
        .create_user(mk(
            "c@example.com",
            json!({"plan": "free", "seats": "3", "nested": {"plan": "pro"}}),
        ))
        .await;
    let d = server
        .create_user(mk("d@example.com", json!({"plan": "true", "seats": 4.5, "code": "007"})))
        .await;
    let [a, b, c, d] = [id_of(&a), id_of(&b), id_of(&c), id_of(&d)];
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("attributes.plan=pro", vec![&a]),
        ("attributes.plan=Pro", vec![&b]),
        ("attributes.plan=PRO", vec![]),
        ("attributes.seats=3", vec![&a, &b]),
        ("attributes.seats=3.0", vec![&a, &b]),
        ("attributes.seats=%223%22", vec![&c]),
        ("attributes.seats=4.5", vec![&d]),
        ("attributes.beta=true", vec![&a]),
        ("attributes.beta=false", vec![&b]),
        ("attributes.plan=true", vec![]),
        ("attributes.plan=%22true%22", vec![&d]),
        ("attributes.code=007", vec![&d]),
        ("attributes.code=7", vec![]),
        ("attributes.missing=null", vec![]),
        ("attributes.plan=pro&attributes.beta=true", vec![&a]),
        ("attributes.plan=pro&attributes.beta=false", vec![]),
        ("filter%5Battributes.seats%5D=3", vec![&a, &b]),
        ("attributes.nested=pro", vec![]),
        ("attributes.seats=3&status=active", vec![&a, &b]),
    ];
    for (q, expected) in cases {
        let p = page(server, U, q).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&p), expected, "{q}");
        assert_eq!(p["total_count"], json!(expected.len()), "{q}");
    }
}

/// Users whose every sortable field differs in a way that exercises the
/// ordering rules.
async fn sort_fixture(server: &TestServer) -> Vec<Value> {
    let rows = [
        ("b@x.io", "id-b", "bob", "Zed", "bob Zed", "risky", "saas_user"),
        ("B2@y.io", "ID-C", "Bob", "zed", "Bob zed", "active", "saas_admin"),
        ("a@x.io", "ID-A", "ann", "Young", "ann", "suspended", "saas_user_client"),
        ("_u@x.io", "id_a", "_x", "abc", "", "disabled", "saas_user"),
        ("A2@z.io", "id-a2", "Ann", "young", "Ann", "onboarding", "saas_admin"),
        ("Émile@x.io", "émile", "Émile", "Éclair", "Émile", "inactive", "saas_user"),
        ("zed@x.io", "Zed", "bob", "Zed", "bob Zed", "risky", "saas_user"),
    ];
    let mut out = Vec::new();
    for (email, identifier, first, last, name, status, user_type) in rows {
        out.push(
            server
                .create_user(json!({
                    "email": email, "identifier": identifier, "first_name": first,
                    "last_name": last, "name": name, "status": status, "user_type": user_type,
                }))
                .await,
        );
    }
    // Update in reverse creation order so updated_at disagrees with
    // created_at.
    for u in out.clone().iter().rev().step_by(2) {
        server.patch(&format!("{U}/{}", id_of(u)), json!({"description": "touched"})).await;
    }
    all(server, U, "").await
}

pub async fn strings_sort_by_their_ascii_lowercased_value_then_bytes(server: &TestServer) {
    let users = sort_fixture(server).await;
    let by_identifier = |name: &str| -> String {
        id_of(users.iter().find(|u| u["identifier"] == json!(name)).unwrap())
    };
    // identifier: "ID-A" < "id-a2" < "id-b" < "ID-C" (folded) < "id_a"
    // ('-' < '_') < "Zed" < "émile" (non-ASCII bytes after ASCII letters).
    let expected: Vec<String> = ["ID-A", "id-a2", "id-b", "ID-C", "id_a", "Zed", "émile"]
        .iter()
        .map(|i| by_identifier(i))
        .collect();
    let p = page(server, U, "sort_by=identifier").await;
    assert_eq!(ids(&p), expected);
    let p = page(server, U, "sort_by=identifier&sort_order=desc").await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(ids(&p), reversed);

    // first_name ties on the folded value break on raw bytes ("Ann" <
    // "ann", 'A' < 'a'), then on id; '_' sorts before letters once they
    // are folded; "Émile" is not folded and sorts after every ASCII name.
    // Rows: 0 bob, 1 Bob, 2 ann, 3 _x, 4 Ann, 5 Émile, 6 bob.
    let row =
        |i: usize| by_identifier(["id-b", "ID-C", "ID-A", "id_a", "id-a2", "émile", "Zed"][i]);
    let expected: Vec<String> = [3, 4, 2, 1, 0, 6, 5].iter().map(|i| row(*i)).collect();
    let p = page(server, U, "sort_by=first_name").await;
    assert_eq!(ids(&p), expected, "first_name ascending");
    let p = page(server, U, "sort_by=first_name&sort_order=desc").await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(ids(&p), reversed, "first_name descending");
    // last_name: "abc"; "Young" < "young"; "Zed"(0) and "Zed"(6) tie and
    // break on id, then "zed"(1); "Éclair" sorts after every ASCII name.
    let expected: Vec<String> = [3, 2, 4, 0, 6, 1, 5].iter().map(|i| row(*i)).collect();
    let p = page(server, U, "sort_by=last_name").await;
    assert_eq!(ids(&p), expected, "last_name ascending");
}

pub async fn status_and_user_type_sort_by_their_string_value(server: &TestServer) {
    let users = sort_fixture(server).await;
    let statuses: Vec<String> = all(server, U, "sort_by=status")
        .await
        .iter()
        .map(|u| u["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses,
        vec!["active", "disabled", "inactive", "onboarding", "risky", "risky", "suspended"]
    );
    let types: Vec<String> = all(server, U, "sort_by=user_type&sort_order=desc")
        .await
        .iter()
        .map(|u| u["user_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        vec![
            "saas_user_client",
            "saas_user",
            "saas_user",
            "saas_user",
            "saas_user",
            "saas_admin",
            "saas_admin"
        ]
    );
    assert_eq!(users.len(), 7);
}

pub async fn every_sort_field_orders_both_ways_with_ties_broken_on_id(server: &TestServer) {
    let users = sort_fixture(server).await;
    for field in model::SORT_FIELDS {
        for (order, desc) in [("asc", false), ("desc", true)] {
            let q = Query {
                sort: SortSpec::SortBy(Some((*field).to_owned()), Some(desc)),
                ..Query::default()
            };
            let expected = user_ids(&q.apply(&users));
            let p = page(server, U, &format!("sort_by={field}&sort_order={order}")).await;
            assert_eq!(ids(&p), expected, "sort_by={field}&sort_order={order}");
            // Descending is the exact reverse, id tie-break included.
            if desc {
                let asc = ids(&page(server, U, &format!("sort_by={field}")).await);
                let mut rev = asc.clone();
                rev.reverse();
                assert_eq!(ids(&p), rev, "desc reverses sort_by={field}");
            }
        }
    }
    // sort_order alone applies to the default field.
    let p = page(server, U, "sort_order=desc").await;
    let mut rev = user_ids(&users);
    rev.reverse();
    assert_eq!(ids(&p), rev);
}

pub async fn ties_break_on_id_in_the_sort_direction(server: &TestServer) {
    let mut made = Vec::new();
    for i in 0..4 {
        made.push(
            server
                .create_user(json!({"email": format!("t{i}@example.com"), "first_name": "Same", "status": "risky"}))
                .await,
        );
    }
    let mut asc = user_ids(&made);
    asc.sort();
    let p = page(server, U, "sort_by=first_name").await;
    assert_eq!(ids(&p), asc);
    let mut desc = asc.clone();
    desc.reverse();
    let p = page(server, U, "sort_by=first_name&sort_order=desc").await;
    assert_eq!(ids(&p), desc);
    let p = page(server, U, "sort_by=status&sort_order=desc").await;
    assert_eq!(ids(&p), desc);
}

pub async fn multi_key_sort_orders_by_each_key_with_the_id_tie_break_in_the_last_direction(
    server: &TestServer,
) {
    let users = sort_fixture(server).await;
    for spec in [
        vec![("status", false), ("name", true)],
        vec![("user_type", false), ("created_at", true)],
        vec![("last_name", true), ("first_name", false)],
        vec![("first_name", false), ("last_name", false), ("email", true)],
        vec![("name", false), ("status", false)],
        vec![("name", true), ("status", true)],
        vec![("created_at", true)],
        vec![("updated_at", false)],
    ] {
        let keys: Vec<(String, bool)> = spec.iter().map(|(f, d)| ((*f).to_owned(), *d)).collect();
        let q = Query { sort: SortSpec::Multi(keys), ..Query::default() };
        let expected = user_ids(&q.apply(&users));
        let text = q.to_query_string();
        let p = page(server, U, &text).await;
        assert_eq!(ids(&p), expected, "{text}");
        // Any sort works with cursors.
        let walked = walk_forward(server, U, &text, 2).await;
        assert_eq!(user_ids(&walked), expected, "walking {text}");
    }
    // `+field` is ascending too.
    let plus = page(server, U, "sort=%2Bstatus,-name").await;
    let minus = page(server, U, "sort=status,-name").await;
    assert_eq!(ids(&plus), ids(&minus));
}

pub async fn sort_together_with_sort_by_or_sort_order_answers_400(server: &TestServer) {
    invalid_parameter(&server.get(&format!("{U}?sort=email&sort_by=name")).await, "sort");
    invalid_parameter(&server.get(&format!("{U}?sort=-email&sort_order=desc")).await, "sort");
    invalid_parameter(&server.get(&format!("{U}?sort=email,-email")).await, "sort");
}

pub async fn every_sort_works_with_cursors_both_ways(server: &TestServer) {
    let users = sort_fixture(server).await;
    for field in model::SORT_FIELDS {
        for desc in [false, true] {
            let q = Query {
                sort: SortSpec::SortBy(Some((*field).to_owned()), Some(desc)),
                ..Query::default()
            };
            let expected = user_ids(&q.apply(&users));
            let text = q.to_query_string();
            let walked = walk_forward(server, U, &text, 3).await;
            assert_eq!(user_ids(&walked), expected, "forward {text}");
            // Backward from the last page.
            let last = page(server, U, &format!("{text}&limit=3&page=3")).await;
            let mut back: Vec<String> = ids(&last);
            let mut before = cursor(&last, "start_cursor");
            loop {
                let p = page(server, U, &format!("{text}&limit=3&before={}", enc(&before))).await;
                assert_eq!(p["page_info"]["has_next_page"], json!(true));
                let mut chunk = ids(&p);
                chunk.extend(back);
                back = chunk;
                if !p["page_info"]["has_previous_page"].as_bool().unwrap() {
                    break;
                }
                before = cursor(&p, "start_cursor");
            }
            assert_eq!(back, expected, "backward {text}");
        }
    }
}

pub async fn keycard_spellings_mean_the_same_filters(server: &TestServer) {
    let users = sort_fixture(server).await;
    let id0 = id_of(&users[0]);
    let created = users[2]["created_at"].as_str().unwrap().to_owned();
    for (plain, keycard) in [
        ("status=risky,active".to_owned(), "filter%5Bstatus%5D=risky,active".to_owned()),
        ("user_type=saas_admin".to_owned(), "filter%5Buser_type%5D=saas_admin".to_owned()),
        ("email=b2%40Y.IO".to_owned(), "filter%5Bemail%5D=b2%40Y.IO".to_owned()),
        ("identifier=id-c".to_owned(), "filter%5Bidentifier%5D=id-c".to_owned()),
        (format!("id={id0}"), format!("filter%5Bid%5D={id0}")),
        (
            format!("created_at_from={}", enc(&created)),
            format!("filter%5Bcreated_at_from%5D={}", enc(&created)),
        ),
        ("search=bob".to_owned(), "query%5B%5D=bob".to_owned()),
        ("search=bob".to_owned(), "filter%5Bsearch%5D=bob".to_owned()),
        ("q=zed".to_owned(), "search=zed".to_owned()),
        ("sort_by=name&sort_order=desc".to_owned(), "sort=-name".to_owned()),
        ("sort_by=email".to_owned(), "sort=email".to_owned()),
    ] {
        let a = page(server, U, &plain).await;
        let b = page(server, U, &keycard).await;
        assert!(!ids(&a).is_empty(), "{plain} matches someone");
        assert_eq!(ids(&a), ids(&b), "{plain} vs {keycard}");
        assert_eq!(a["total_count"], b["total_count"]);
    }
}

pub async fn total_count_counts_every_match_across_pages(server: &TestServer) {
    seed_users(server, "tc", 9).await;
    for i in 0..3 {
        server.create_user(json!({"email": format!("r{i}@example.com"), "status": "risky"})).await;
    }
    for (q, n) in [
        ("limit=2", 12),
        ("limit=2&status=risky", 3),
        ("page=2&page_size=5", 12),
        ("page=1&page_size=2&status=risky", 3),
        ("limit=1&search=tc-", 9),
        ("limit=1&search=tc-00", 9),
        ("limit=1&search=tc-001", 1),
        ("limit=1&email=r1%40example.com", 1),
        ("limit=1&status=disabled", 0),
        ("limit=1&status=risky,risky", 3),
        ("limit=1&status=risky&filter%5Bstatus%5D=risky", 3),
        ("limit=1&status=risky,active", 12),
    ] {
        let p = page(server, U, q).await;
        assert_eq!(p["total_count"], json!(n), "{q}");
    }
    let first = page(server, U, "limit=5").await;
    let second =
        page(server, U, &format!("limit=5&after={}", enc(&cursor(&first, "end_cursor")))).await;
    assert_eq!(second["total_count"], json!(12));
    // total_count follows deletes.
    server.delete(&format!("{U}/{}", ids(&first)[0])).await;
    assert_eq!(page(server, U, "limit=1").await["total_count"], json!(11));
}

pub async fn garbled_or_forged_cursors_answer_400_invalid_cursor(server: &TestServer) {
    seed_users(server, "cur", 4).await;
    let p = page(server, U, "limit=2").await;
    let good = cursor(&p, "end_cursor");
    // Forged: flip one character in the middle, or truncate, or extend.
    let mid = good.len() / 2;
    let flipped_char = if &good[mid..=mid] == "A" { "B" } else { "A" };
    let flipped = format!("{}{}{}", &good[..mid], flipped_char, &good[mid + 1..]);
    let truncated = good[..good.len() - 2].to_owned();
    let extended = format!("{good}AA");
    let zones_cursor = cursor(&page(server, "/v1/zones", "limit=1").await, "end_cursor");
    for bad in [
        "abc".to_owned(),
        "!!!!".to_owned(),
        "eyJpIjoidXNlcl8wMUFSWjNOREVLVFNWNFJSRkZRNjlHNUZBViJ9".to_owned(),
        flipped,
        truncated,
        extended,
        zones_cursor,
        "x".repeat(5000),
    ] {
        invalid_cursor(&server.get(&format!("{U}?after={}", enc(&bad))).await, "after");
        invalid_cursor(&server.get(&format!("{U}?before={}", enc(&bad))).await, "before");
    }
    let r = server.get(&format!("{U}?after=")).await;
    problem(&r, 400, "invalid_cursor");
    // The genuine cursor still works.
    let next = page(server, U, &format!("limit=2&after={}", enc(&good))).await;
    assert_eq!(next["data"].as_array().unwrap().len(), 2);
}

pub async fn a_cursor_from_another_zone_answers_400_invalid_cursor(server: &TestServer) {
    create_zone(server, "other").await;
    seed_users(server, "d", 3).await;
    for i in 0..3 {
        create_in(server, "other", json!({"email": format!("o{i}@example.com")})).await;
    }
    let p = page(server, U, "limit=1").await;
    let c = enc(&cursor(&p, "end_cursor"));
    invalid_cursor(&server.get(&format!("/v1/zones/other/users?limit=1&after={c}")).await, "after");
    invalid_cursor(
        &server.get(&format!("/v1/zones/other/users?limit=1&before={c}")).await,
        "before",
    );
    // The same zone by id or identifier is the same zone.
    let zid = default_zone(server).await["id"].as_str().unwrap().to_owned();
    let r = server.get(&format!("/v1/zones/{zid}/users?limit=1&after={c}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

pub async fn a_cursor_from_another_sort_or_filter_answers_400_invalid_cursor(server: &TestServer) {
    sort_fixture(server).await;
    let origin = page(server, U, "limit=1&sort_by=email").await;
    let c = enc(&cursor(&origin, "end_cursor"));
    for q in [
        "sort_by=name",
        "sort_by=email&sort_order=desc",
        "sort=email,name",
        "",
        "sort_by=email&status=risky",
        "sort_by=email&search=b",
        "sort_by=email&attributes.plan=pro",
        "sort_by=email&email=b%40x.io",
    ] {
        let sep = if q.is_empty() { "" } else { "&" };
        invalid_cursor(&server.get(&format!("{U}?{q}{sep}limit=1&after={c}")).await, "after");
        invalid_cursor(&server.get(&format!("{U}?{q}{sep}limit=1&before={c}")).await, "before");
    }
    let s = page(server, U, "limit=1&search=bob").await;
    let sc = enc(&cursor(&s, "end_cursor"));
    invalid_cursor(&server.get(&format!("{U}?search=zed&after={sc}")).await, "after");
    invalid_cursor(
        &server.get(&format!("{U}?search=bob&sort_by=created_at&after={sc}")).await,
        "after",
    );
    // The same query in another spelling, or with another limit, is the
    // same query.
    let r = server.get(&format!("{U}?sort=email&limit=3&after={c}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = server.get(&format!("{U}?q=bob&limit=5&after={sc}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

pub async fn an_unknown_expand_value_answers_400(server: &TestServer) {
    invalid_parameter(&server.get(&format!("{U}?expand%5B%5D=secrets")).await, "expand[]");
    invalid_parameter(&server.get(&format!("{U}?expand=secrets")).await, "expand");
    invalid_parameter(&server.get(&format!("{U}?expand=roles,secrets")).await, "expand");
}

pub async fn a_page_past_the_end_within_the_window_is_empty(server: &TestServer) {
    seed_users(server, "far", 2).await;
    for n in ["3", "1000"] {
        let p = page(server, U, &format!("page={n}&page_size=10")).await;
        assert_eq!(p["data"], json!([]), "page={n}");
        assert_eq!(p["total_count"], json!(2));
        assert_eq!(p["page_info"]["has_next_page"], json!(false));
        assert_eq!(p["page_info"]["start_cursor"], Value::Null);
    }
}
