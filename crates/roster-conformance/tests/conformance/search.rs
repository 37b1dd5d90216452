//! `search` / `q` / `query[]`: case-insensitive substring match on id,
//! email, name, identifier and description; exact and prefix matches first
//! when no sort is given.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::support::*;

const U: &str = "/v1/users";

async fn mk(server: &TestServer, body: Value) -> String {
    id_of(&server.create_user(body).await)
}

pub async fn search_matches_substrings_of_every_searchable_field_case_insensitively(
    server: &TestServer,
) {
    let by_email = mk(server, json!({"email": "Quartz.Miner@example.com"})).await;
    let by_name = mk(
        server,
        json!({"email": "n@example.com", "first_name": "Zyx", "last_name": "Quartzite"}),
    )
    .await;
    let by_identifier =
        mk(server, json!({"email": "i@example.com", "identifier": "the-QUARTZ-one"})).await;
    let by_description =
        mk(server, json!({"email": "d@example.com", "description": "Likes rose quartz."})).await;
    let none =
        mk(server, json!({"email": "other@example.com", "first_name": "Quar", "last_name": "tz"}))
            .await;
    // first_name/last_name alone are not searched, only name.
    let only_first =
        mk(server, json!({"email": "f@example.com", "first_name": "quartz", "name": "Someone"}))
            .await;
    let expected_all =
        vec![by_email.clone(), by_name.clone(), by_identifier.clone(), by_description.clone()];
    for term in ["quartz", "QUARTZ", "qUaRtZ", "uart"] {
        for spelling in ["search", "q", "query%5B%5D", "filter%5Bsearch%5D"] {
            let p = page(server, U, &format!("{spelling}={term}&sort_by=created_at")).await;
            assert_eq!(ids(&p), expected_all, "{spelling}={term}");
            assert_eq!(p["total_count"], json!(4));
        }
    }
    assert!(!ids(&page(server, U, "search=quar").await).contains(&only_first));
    // The id is searchable, in either case. (Its tail: ids made in the
    // same millisecond share their head.)
    let p = page(server, U, &format!("search={}", &none[15..])).await;
    assert_eq!(ids(&p), vec![none.clone()]);
    let p = page(server, U, &format!("search={}", none.to_ascii_lowercase())).await;
    assert_eq!(ids(&p), vec![none.clone()]);
    // A term is one substring, spaces included: not split into words.
    assert_eq!(ids(&page(server, U, "search=Quar+tz").await), vec![none.clone()]);
    assert_eq!(ids(&page(server, U, "search=zyx+quartz").await), vec![by_name.clone()]);
    assert_eq!(ids(&page(server, U, "search=quartz+zyx").await), Vec::<String>::new());
    assert_eq!(ids(&page(server, U, "search=quartz.miner%40example").await), vec![by_email]);
    assert_eq!(ids(&page(server, U, "search=xyzzy").await), Vec::<String>::new());
}

pub async fn search_ranks_exact_then_prefix_then_substring_matches_when_unsorted(
    server: &TestServer,
) {
    // Created in the reverse of the rank order. (Terms hold letters that
    // never occur in a ULID, so ids cannot match by chance.)
    let substring_1 =
        mk(server, json!({"email": "s1@example.com", "description": "my pal ola here"})).await;
    let prefix_1 = mk(server, json!({"email": "olaf@example.com"})).await;
    let substring_2 = mk(server, json!({"email": "x@example.com", "first_name": "Viola"})).await;
    let exact_1 = mk(server, json!({"email": "e1@example.com", "identifier": "OLA"})).await;
    let prefix_2 = mk(
        server,
        json!({"email": "p2@example.com", "first_name": "Ola", "last_name": "Lovelace"}),
    )
    .await;
    let exact_2 = mk(server, json!({"email": "e2@example.com", "first_name": "ola"})).await;
    let expected = vec![
        exact_1.clone(),
        exact_2.clone(),
        prefix_1.clone(),
        prefix_2.clone(),
        substring_1.clone(),
        substring_2.clone(),
    ];
    for q in ["search=ola", "q=Ola", "query%5B%5D=OLA"] {
        let p = page(server, U, q).await;
        assert_eq!(ids(&p), expected, "{q}");
        assert_eq!(p["total_count"], json!(6));
    }
    // Walking the ranked order with cursors, both ways.
    let walked = walk_forward(server, U, "search=ola", 2).await;
    assert_eq!(user_ids(&walked), expected);
    let last = page(server, U, "search=ola&page=3&page_size=2").await;
    let back = page(
        server,
        U,
        &format!(
            "search=ola&limit=4&before={}",
            enc(last["page_info"]["start_cursor"].as_str().unwrap())
        ),
    )
    .await;
    assert_eq!(ids(&back), expected[0..4]);
    // With sort_by, the plain sort order applies.
    let p = page(server, U, "search=ola&sort_by=created_at").await;
    assert_eq!(ids(&p), vec![substring_1, prefix_1, substring_2, exact_1, prefix_2, exact_2]);
}

pub async fn prefix_ranking_counts_characters_not_bytes(server: &TestServer) {
    // "é" is two bytes: a prefix match on it must still rank as a prefix.
    let substring = mk(server, json!({"email": "a@example.com", "first_name": "Maxéline"})).await;
    let prefix =
        mk(server, json!({"email": "b@example.com", "first_name": "élise", "last_name": "B"}))
            .await;
    let exact = mk(server, json!({"email": "c@example.com", "identifier": "éli"})).await;
    let p = page(server, U, &format!("search={}", enc("éli"))).await;
    assert_eq!(ids(&p), vec![exact.clone(), prefix.clone(), substring.clone()], "search=éli");
    // Now both are prefix matches: by created_at.
    let p = page(server, U, &format!("search={}", enc("él"))).await;
    assert_eq!(ids(&p), vec![prefix, exact, substring], "search=él");
}

pub async fn search_folds_ascii_case_only(server: &TestServer) {
    let lower = mk(server, json!({"email": "l@example.com", "first_name": "émile"})).await;
    let upper = mk(server, json!({"email": "u@example.com", "first_name": "Émile"})).await;
    let p = page(server, U, &format!("search={}", enc("ÉMILE"))).await;
    assert_eq!(ids(&p), vec![upper.clone()]);
    let p = page(server, U, &format!("search={}", enc("émi"))).await;
    assert_eq!(ids(&p), vec![lower.clone()]);
    let p = page(server, U, "search=MILE&sort_by=created_at").await;
    assert_eq!(ids(&p), vec![lower, upper]);
}

pub async fn search_treats_special_characters_literally(server: &TestServer) {
    let percent = mk(server, json!({"email": "p@example.com", "description": "100% sure"})).await;
    let underscore = mk(server, json!({"email": "under_score@example.com"})).await;
    let quote = mk(server, json!({"email": "q@example.com", "first_name": "O\"Neil's"})).await;
    let star =
        mk(server, json!({"email": "s@example.com", "description": "a*b (c) [d] {e}"})).await;
    let backslash = mk(server, json!({"email": "b@example.com", "description": "C:\\dir"})).await;
    mk(server, json!({"email": "plain@example.com", "description": "nothing special"})).await;
    for (term, expected) in [
        ("\\", vec![&backslash]),
        (":\\d", vec![&backslash]),
        ("0%", vec![&percent]),
        ("%", vec![&percent]),
        ("r_s", vec![&underscore]),
        ("\"nei", vec![&quote]),
        ("'s", vec![&quote]),
        ("O\"Neil's", vec![&quote]),
        ("a*b", vec![&star]),
        ("(c) [d]", vec![&star]),
        ("\"", vec![&quote]),
        ("' OR '1'='1", vec![]),
        ("%%", vec![]),
    ] {
        let p = page(server, U, &format!("search={}&sort_by=created_at", enc(term))).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&p), expected, "search={term:?}");
    }
}

/// The search index marks field edges with U+001F, which a description
/// may hold; a user whose text holds it is still ranked by its fields, and
/// served once.
pub async fn a_field_holding_the_index_field_mark_is_served_once_at_its_rank(server: &TestServer) {
    // Two characters: a walked search, whose whole-field level the index
    // answers; three: the few matches read from the index.
    for (n, term) in ["zq", "kvw"].into_iter().enumerate() {
        let inside = mk(
            server,
            json!({"email": format!("m{n}@example.com"), "description": format!("x\u{1f}{term}")}),
        )
        .await;
        let whole =
            mk(server, json!({"email": format!("w{n}@example.com"), "first_name": term})).await;
        let p = page(server, U, &format!("search={term}")).await;
        assert_eq!(ids(&p), vec![whole, inside], "search={term}: {p}");
        assert_eq!(p["total_count"], json!(2));
    }
}

pub async fn repeated_query_terms_must_all_match(server: &TestServer) {
    let both = mk(server, json!({"email": "alpha.delta@example.com"})).await;
    let alpha = mk(server, json!({"email": "alpha@example.com"})).await;
    let delta = mk(server, json!({"email": "x@example.com", "description": "delta tester"})).await;
    let p = page(server, U, "query%5B%5D=alpha&query%5B%5D=DELTA&sort_by=created_at").await;
    assert_eq!(ids(&p), vec![both.clone()]);
    assert_eq!(p["total_count"], json!(1));
    let p = page(server, U, "query%5B%5D=alpha&sort_by=created_at").await;
    assert_eq!(ids(&p), vec![both.clone(), alpha]);
    let p = page(server, U, "query%5B%5D=delta&sort_by=created_at").await;
    assert_eq!(ids(&p), vec![both, delta]);
    let p = page(server, U, "query%5B%5D=alpha&query%5B%5D=omega").await;
    assert_eq!(ids(&p), Vec::<String>::new());
}

pub async fn search_combines_with_filters_and_sorts(server: &TestServer) {
    let a =
        mk(server, json!({"email": "kim1@example.com", "first_name": "Kim", "status": "risky"}))
            .await;
    let b =
        mk(server, json!({"email": "kim2@example.com", "first_name": "Abe", "status": "risky"}))
            .await;
    let c =
        mk(server, json!({"email": "kim3@example.com", "first_name": "Zoe", "status": "active"}))
            .await;
    mk(server, json!({"email": "lee@example.com", "status": "risky"})).await;
    let p = page(server, U, "search=kim&status=risky&sort_by=first_name").await;
    assert_eq!(ids(&p), vec![b.clone(), a.clone()]);
    assert_eq!(p["total_count"], json!(2));
    let p = page(server, U, "q=KIM&sort=-first_name").await;
    assert_eq!(ids(&p), vec![c, a, b]);
}

pub async fn a_search_term_longer_than_any_field_finds_nothing_or_is_refused(server: &TestServer) {
    mk(server, json!({"email": "a@example.com"})).await;
    let long = "a".repeat(5000);
    let r = server.get(&format!("{U}?search={long}")).await;
    match r.status {
        200 => assert_eq!(r.json()["total_count"], json!(0)),
        _ => {
            invalid_parameter(&r, "search");
        }
    }
}

/// Racing creates share one write transaction where the backend batches
/// them (SQLite's group commit writes the search index once, at the end of
/// the batch): a loser's index entry must go with its rolled-back row, and
/// every winner must be found by its own term, as itself.
pub async fn racing_creates_leave_exactly_the_winners_searchable(server: &TestServer) {
    let requests = (0..32).map(|i| {
        let email = format!("pair{}@example.com", i / 2);
        server.post(
            U,
            json!({"email": email, "first_name": "Tok", "last_name": format!("qz{i:02}x")}),
        )
    });
    let answers = futures::future::join_all(requests).await;
    let mut winners = 0;
    for (i, r) in answers.iter().enumerate() {
        let found = ids(&page(server, U, &format!("search=qz{i:02}x")).await);
        if r.status == 201 {
            winners += 1;
            assert_eq!(found, vec![id_of(&r.json())], "winner {i} is found as itself");
        } else {
            problem_param(r, 409, "conflict", "email");
            assert_eq!(found, Vec::<String>::new(), "loser {i} left no search entry");
        }
    }
    assert_eq!(winners, 16, "one create per email wins");
    assert_eq!(page(server, U, "search=tok+qz").await["total_count"], json!(16));
}

pub async fn with_several_spellings_the_first_search_then_q_then_query_term_ranks(
    server: &TestServer,
) {
    // Each user is an exact match of one term and a substring match of the
    // other, so the order says which term ranked. (Letters never in a ULID.)
    let wolf =
        mk(server, json!({"email": "w@example.com", "identifier": "wolf", "description": "a yak"}))
            .await;
    let yak =
        mk(server, json!({"email": "y@example.com", "identifier": "yak", "description": "a wolf"}))
            .await;
    for (q, first) in [
        ("q=yak&search=wolf", &wolf),
        ("search=yak&q=wolf", &yak),
        ("query%5B%5D=yak&q=wolf", &wolf),
        ("q=yak&query%5B%5D=wolf", &yak),
        ("query%5B%5D=wolf&search=yak", &yak),
    ] {
        let p = page(server, U, q).await;
        assert_eq!(p["total_count"], json!(2), "{q}");
        assert_eq!(&ids(&p)[0], first, "{q}");
    }
}
