//! Search: substring matches of every term, ranked whole field, prefix,
//! substring.

use roster_domain::text::fold;
use roster_domain::{Direction, Sort, SortField, SortKey, User, UserQuery, Window};

use super::listing::all_query;
use crate::ctx::{Ctx, stamp, ts};
use crate::random::{Rng, random_users};
use crate::reference::{check_walks, expected, ids_of};

fn search(terms: &[&str], ranked: bool, sort: Sort) -> UserQuery {
    UserQuery {
        search: terms.iter().map(|t| (*t).to_owned()).collect(),
        ranked,
        sort,
        ..all_query(6)
    }
}

fn by_name() -> Sort {
    Sort { keys: vec![SortKey { field: SortField::Name, direction: Direction::Desc }] }
}

pub async fn search_returns_exactly_the_substring_matches_in_rank_order(ctx: Ctx) {
    let mut rng = Rng::new(11);
    let users = random_users(&ctx, &ctx.scope(), &mut rng, 60);
    for u in &users {
        ctx.store.create_user(&ctx.scope(), u, None, &stamp()).await.unwrap();
    }
    let id0 = fold(&users[0].id.to_string());
    let id1 = fold(&users[1].id.to_string());
    let email = fold(&users[2].email);
    let ident = fold(&users[3].identifier);
    let owned: Vec<String> = vec![
        id0.clone(),
        id0[..12].to_owned(),
        id1[8..20].to_owned(),
        id1[28..].to_owned(),
        email.clone(),
        email[..3].to_owned(),
        email[2..].to_owned(),
        ident.clone(),
    ];
    let mut terms: Vec<&str> = vec![
        "a",
        "ab",
        "b",
        "é",
        "É",
        "ωmega",
        "Ωmega",
        "%",
        "_",
        "\\",
        "50%",
        "0% o",
        "a_b",
        "%_\\",
        "_b",
        "a%",
        "user_",
        "user",
        "example",
        "@example.com",
        "zed",
        "ze",
        " a",
        "a b",
        "[x]",
        "x",
        "id-1",
        "mixed case",
        "ole",
        "lookalike",
        "qqqq",
        "e.c",
        "1",
        "01",
    ];
    terms.extend(owned.iter().map(String::as_str));
    for term in &terms {
        check_walks(&*ctx.store, &ctx.scope(), &users, &search(&[term], true, Sort::default()), 6)
            .await;
        check_walks(&*ctx.store, &ctx.scope(), &users, &search(&[term], false, by_name()), 9).await;
    }
    // Several terms must all match; the first one ranks.
    for pair in [["a", "example"], ["example", "a"], ["_", "b"], ["é", "%"], ["user_", "zed"]] {
        check_walks(&*ctx.store, &ctx.scope(), &users, &search(&pair, true, Sort::default()), 5)
            .await;
    }
}

pub async fn whole_field_matches_rank_before_prefixes_before_substrings(ctx: Ctx) {
    let mut sub = ctx.user("someone@example.com");
    sub.description = Some("write to jo@x.io".into());
    sub.created_at = ts(1);
    let mut prefix = ctx.user("other@example.com");
    prefix.name = "JO@X.IO fan club".into();
    prefix.created_at = ts(2);
    let mut exact = ctx.user("Jo@X.io");
    exact.created_at = ts(3);
    let mut exact_early = ctx.user("third@example.com");
    exact_early.identifier = "jo@x.IO".into();
    exact_early.created_at = ts(4);
    let miss = ctx.user("jo@x.com");
    for u in [&sub, &prefix, &exact, &exact_early, &miss] {
        ctx.store.create_user(&ctx.scope(), u, None, &stamp()).await.unwrap();
    }
    let q = UserQuery {
        window: Window::After { position: None, limit: 10 },
        ..search(&["jo@x.io"], true, Sort::default())
    };
    let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
    assert_eq!(
        ids_of(&page.users),
        ids_of(&[exact.clone(), exact_early.clone(), prefix.clone(), sub.clone()])
    );
    assert_eq!(page.total, 4);
    // Unranked, the same users in creation order.
    let q = UserQuery { ranked: false, ..q };
    let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
    assert_eq!(ids_of(&page.users), ids_of(&[sub, prefix, exact, exact_early]));
}

pub async fn a_users_whole_id_ranks_it_first_and_id_fragments_find_it(ctx: Ctx) {
    let mut users: Vec<User> = Vec::new();
    for i in 0..20 {
        let u = ctx.user(&format!("p{i}@example.com"));
        ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
        users.push(u);
    }
    let target = &users[13];
    let text = fold(&target.id.to_string());
    let q = UserQuery {
        window: Window::After { position: None, limit: 50 },
        ..search(&[&text], true, Sort::default())
    };
    let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
    // The identifier defaults to the id, so both fields match exactly.
    assert_eq!(ids_of(&page.users), ids_of(std::slice::from_ref(target)));
    let tail = &text[20..];
    let q = UserQuery {
        window: Window::After { position: None, limit: 50 },
        ..search(&[tail], true, Sort::default())
    };
    let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
    assert_eq!(ids_of(&page.users), ids_of(&expected(&users, &q)));
    assert!(page.users.iter().any(|u| u.id == target.id));
}

/// An index may read the fields joined together (PostgreSQL's trigrams); a
/// term spanning the end of one field and the start of the next must still
/// not match.
pub async fn a_term_never_matches_across_two_fields(ctx: Ctx) {
    let mut u = ctx.user("foo@x.io");
    u.identifier = "ident".into();
    u.name = "bar".into();
    u.description = Some("tail".into());
    ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
    for term in ["io bar", "x.io bar", "bar ident", "ident tail", "iobar", "o b"] {
        let q = search(&[term], true, Sort::default());
        let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
        assert!(page.users.is_empty(), "{term:?} matched across fields");
        assert_eq!(page.total, 0);
    }
    for term in ["foo@x.io", "bar", "ident", "tail", "o@x"] {
        let q = search(&[term], true, Sort::default());
        assert_eq!(ctx.store.list_users(&ctx.scope(), &q).await.unwrap().total, 1, "{term}");
    }
}

/// LIKE's metacharacters in a term are literal characters.
pub async fn percent_underscore_and_backslash_in_terms_are_literal(ctx: Ctx) {
    let mut plain = ctx.user("plain@example.com");
    plain.name = "abcdef".into();
    let mut special = ctx.user("special@example.com");
    special.name = "a%c_e\\f".into();
    for u in [&plain, &special] {
        ctx.store.create_user(&ctx.scope(), u, None, &stamp()).await.unwrap();
    }
    let hits = |term: &'static str| {
        let ctx = ctx.clone();
        async move {
            let q = search(&[term], false, Sort::default());
            ids_of(&ctx.store.list_users(&ctx.scope(), &q).await.unwrap().users)
        }
    };
    let special_only = ids_of(std::slice::from_ref(&special));
    assert_eq!(hits("a%c").await, special_only);
    assert_eq!(hits("%").await, special_only);
    assert_eq!(hits("c_e").await, special_only);
    // Every id reads `user_…`, so a lone underscore matches everyone.
    assert_eq!(hits("_").await.len(), 2);
    assert_eq!(hits("r_0").await.len(), 2);
    assert_eq!(hits("e\\f").await, special_only);
    assert_eq!(hits("\\").await, special_only);
    assert_eq!(hits("a%c_e\\f").await, special_only);
    assert_eq!(hits("abcdef").await, ids_of(std::slice::from_ref(&plain)));
}
