//! Every list request's database work is bounded: page-mode window, caps on
//! filters and search terms, scan budgets that cut pages short without
//! losing a match, lower-bound totals, search scoped to the caller's zone.

use serde_json::{Value, json};

use roster_store::ListLimits;
use roster_testkit::TestServer;

use crate::model::{Query, SortSpec};
use crate::support::*;

const U: &str = "/v1/users";

/// A server whose list requests look at no more than 5 users, and drive
/// from an index only terms with at most 2 matches: small enough that a
/// zone of 30 users exercises every bounded path.
async fn tight_server(server: &TestServer) -> TestServer {
    TestServer::builder(server.backend)
        .settings(|s| {
            let limits = ListLimits { scan_budget: 5, candidate_cap: 2 };
            s.sqlite.list = limits;
            s.postgres.list = limits;
        })
        .start()
        .await
}

/// 30 users: a `tier` attribute (a/b/c), and descriptions that match the
/// term `comm` exactly, as a prefix, inside a word, or not at all.
async fn seed_tiers(server: &TestServer, zone_path: &str) -> Vec<Value> {
    let mut users = Vec::new();
    for i in 0..30 {
        let description = ["comm", "commute", "uncommon", "other", "plain"][i % 5];
        let tier = ["a", "b", "c"][i % 3];
        let body = json!({
            "email": format!("b{i:02}@example.com"),
            "first_name": format!("F{:02}", (i * 7) % 30),
            "description": description,
            "attributes": { "tier": tier },
        });
        let r = server.post(zone_path, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        users.push(r.json());
    }
    users
}

pub async fn page_mode_serves_the_first_ten_thousand_matches_and_refuses_deeper_pages(
    server: &TestServer,
) {
    seed_users(server, "win", 2).await;
    let p = page(server, U, "page=200&page_size=50").await;
    assert_eq!(p["data"], json!([]));
    assert_eq!(p["total_count"], json!(2));
    for q in ["page=201&page_size=50", "page=11&limit=1000", "page=9007199254740993"] {
        let r = server.get(&format!("{U}?{q}")).await;
        let p = invalid_parameter(&r, "page");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("cursor"), "the detail points to cursors: {detail}");
    }
}

pub async fn more_than_twenty_attribute_filters_or_ten_search_terms_answer_400(
    server: &TestServer,
) {
    server.create_user(json!({ "email": "caps@example.com" })).await;
    let attrs = |n: usize| (0..n).map(|i| format!("attributes.k{i}=v")).collect::<Vec<_>>();
    let ok = server.get(&format!("{U}?{}", attrs(20).join("&"))).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let r = server.get(&format!("{U}?{}", attrs(21).join("&"))).await;
    invalid_parameter(&r, "attributes.k20");

    let terms = |n: usize| (0..n).map(|_| "query%5B%5D=caps").collect::<Vec<_>>();
    let ok = server.get(&format!("{U}?{}", terms(10).join("&"))).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ids(&ok.json()).len(), 1);
    let r = server.get(&format!("{U}?{}", terms(11).join("&"))).await;
    invalid_parameter(&r, "query[]");
}

/// Walks forward with `limit`, then back from the last non-empty page with
/// `before`; both must list `expected` exactly, however many pages the
/// scan budget cut short (or left empty) on the way.
async fn assert_walks_both_ways(server: &TestServer, query: &str, expected: &[String]) {
    let forward = user_ids(&walk_forward(server, U, query, 2).await);
    assert_eq!(forward, expected, "forward walk of {query}");

    let sep = if query.is_empty() { "" } else { "&" };
    // The cursor to walk back from: the start of a page holding the last
    // match, found by walking forward once more.
    let mut after: Option<String> = None;
    let mut tail: (Option<String>, Vec<String>) = (None, Vec::new());
    loop {
        let q = match &after {
            None => format!("{query}{sep}limit=2"),
            Some(c) => format!("{query}{sep}limit=2&after={}", enc(c)),
        };
        let p = page(server, U, &q).await;
        let got = ids(&p);
        if !got.is_empty() {
            tail = (p["page_info"]["start_cursor"].as_str().map(str::to_owned), got);
        }
        if p["page_info"]["has_next_page"] != json!(true) {
            break;
        }
        after = p["page_info"]["end_cursor"].as_str().map(str::to_owned);
    }
    let Some(mut before) = tail.0 else {
        assert!(expected.is_empty(), "no page held a match of {query}");
        return;
    };
    let mut backward: Vec<String> = tail.1;
    for _ in 0..1000 {
        let p = page(server, U, &format!("{query}{sep}limit=2&before={}", enc(&before))).await;
        let got = ids(&p);
        assert!(got.len() <= 2);
        assert_eq!(p["page_info"]["has_next_page"], json!(true), "backward: has_next_page");
        backward.splice(0..0, got);
        if p["page_info"]["has_previous_page"] != json!(true) {
            assert_eq!(backward, expected, "backward walk of {query}");
            return;
        }
        before = p["page_info"]["start_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("has_previous_page without start_cursor: {p}"))
            .to_owned();
    }
    panic!("the backward walk of {query} did not end");
}

pub async fn cursor_walks_cut_short_by_the_scan_budget_still_visit_every_match_once_each_way(
    server: &TestServer,
) {
    let server = tight_server(server).await;
    let users = seed_tiers(&server, U).await;
    let queries = [
        Query { attributes: vec![("tier".into(), json!("a"))], ..Query::default() },
        // A common term, ranked: exact, then prefix, then inner matches.
        Query { search: vec!["comm".into()], ..Query::default() },
        // A two-character term has no index at all.
        Query { search: vec!["mu".into()], ..Query::default() },
        Query {
            attributes: vec![("tier".into(), json!("b"))],
            sort: SortSpec::SortBy(Some("first_name".into()), Some(true)),
            ..Query::default()
        },
        Query {
            search: vec!["comm".into()],
            sort: SortSpec::Multi(vec![("email".into(), true)]),
            ..Query::default()
        },
        Query { statuses: Some(vec!["active".into()]), ..Query::default() },
    ];
    for q in &queries {
        let expected = user_ids(&q.apply(&users));
        assert!(!expected.is_empty(), "{q:?} matches nobody");
        assert_walks_both_ways(&server, &q.to_query_string(), &expected).await;
    }
    server.stop().await;
}

/// A common term whose whole-field matches are few: the walk takes that
/// rank level straight from the index and walks the others, and the pages
/// still come in rank order, each match once, both ways. Whole-field
/// matches come from every field a term can equal: description, name,
/// identifier, email and the id.
pub async fn a_walked_search_serves_its_few_exact_matches_from_the_index_in_rank_order(
    server: &TestServer,
) {
    let server = tight_server(server).await;
    let mut users = Vec::new();
    // Each term below has at most two whole-field matches (the server's
    // candidate cap), so that level comes from the index: in descriptions
    // (`zeta`), an identifier and a name (`zet`), an email, an id. Field
    // starts and matches inside a word make more than two in all.
    let descriptions = ["zetas", "a zeta b", "zeta", "zetas", "a zeta b", "zetas"];
    for i in 0..14 {
        let description = descriptions.get(i % 7).copied().unwrap_or("zetas b");
        let description = if i >= 10 { "other" } else { description };
        let mut body =
            json!({ "email": format!("z{i:02}@example.com"), "description": description });
        match i {
            10 => body["identifier"] = json!("Zet"),
            11 => body["name"] = json!("ZET"),
            12 => body["email"] = json!("zeta@zeta.example"),
            _ => {}
        }
        let r = server.post(U, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        users.push(r.json());
    }
    // Users whose descriptions hold an email and an id, so that those
    // terms too match more users than the cap. The id is of a user whose
    // identifier is not its id (the default), so only the id matches.
    let an_id = users[10]["id"].as_str().unwrap_or_default().to_ascii_lowercase();
    for (i, description) in [
        format!("see {an_id} and zeta@zeta.example"),
        format!("{an_id}s zeta@zeta.examples"),
        format!("zeta@zeta.example.org x{an_id}"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({ "email": format!("y{i:02}@example.com"), "description": description });
        let r = server.post(U, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        users.push(r.json());
    }
    for term in ["zeta", "ze", "zetas", "zet", "zeta@zeta.example", an_id.as_str()] {
        let q = Query { search: vec![term.into()], ..Query::default() };
        let expected = user_ids(&q.apply(&users));
        assert!(expected.len() > 2, "{term} must match more than the cap");
        assert_walks_both_ways(&server, &q.to_query_string(), &expected).await;
    }
    server.stop().await;
}

pub async fn a_total_the_scan_budget_cuts_short_is_flagged_as_a_lower_bound(server: &TestServer) {
    let tight = tight_server(server).await;
    let users = seed_tiers(&tight, U).await;
    let tier_a = users.iter().filter(|u| u["attributes"]["tier"] == "a").count() as u64;
    for (q, total) in [("", 30), ("status=active", 30), ("email=b03%40example.com", 1)] {
        let p = page(&tight, U, q).await;
        assert_eq!(p["total_count"], json!(total), "{q}");
        assert!(p.get("total_count_exact").is_none(), "exact totals carry no flag: {q}: {p}");
    }
    let p = page(&tight, U, "attributes.tier=a").await;
    assert_eq!(p["total_count_exact"], json!(false), "{p}");
    let lower = p["total_count"].as_u64().unwrap();
    assert!(lower <= tier_a, "a lower bound: {lower} > {tier_a}");
    tight.stop().await;

    // Under the default budget the same zone counts exactly.
    seed_tiers(server, U).await;
    let p = page(server, U, "attributes.tier=a").await;
    assert_eq!(p["total_count"], json!(tier_a));
    assert!(p.get("total_count_exact").is_none(), "{p}");
}

pub async fn page_mode_refuses_a_page_its_scan_budget_cannot_reach(server: &TestServer) {
    let server = tight_server(server).await;
    seed_tiers(&server, U).await;
    let first = page(&server, U, "attributes.tier=a&page=1&page_size=1").await;
    assert_eq!(ids(&first).len(), 1);
    let r = server.get(&format!("{U}?attributes.tier=a&page=4&page_size=2")).await;
    let p = invalid_parameter(&r, "page");
    assert!(p["detail"].as_str().unwrap_or_default().contains("cursor"), "{p}");
    server.stop().await;
}

pub async fn a_search_costs_what_the_callers_zone_holds(server: &TestServer) {
    let server = tight_server(server).await;
    create_zone(&server, "big").await;
    create_zone(&server, "small").await;
    for i in 0..10 {
        create_in(&server, "big", json!({ "email": format!("needle{i}@example.com") })).await;
    }
    for i in 0..6 {
        let email =
            if i == 0 { "needle@example.com".to_owned() } else { format!("hay{i}@example.com") };
        create_in(&server, "small", json!({ "email": email })).await;
    }
    // The small zone holds more users than the scan budget but only one
    // match: counted in the caller's zone, the term is rare and answers
    // exactly; counted across zones it would look common and be walked.
    let p = page(&server, "/v1/zones/small/users", "search=needle").await;
    assert_eq!(ids(&p).len(), 1, "{p}");
    assert_eq!(p["total_count"], json!(1));
    assert!(p.get("total_count_exact").is_none(), "an exact total: {p}");
    server.stop().await;
}
