//! Listing users: every sort, filter and window walks like the domain.

use serde_json::{Value, json};

use roster_domain::{
    AttributeFilter, Direction, Sort, SortField, SortKey, User, UserFilter, UserQuery, UserStatus,
    UserType, Window,
};

use crate::ctx::{Ctx, stamp, ts};
use crate::random::{Rng, random_users};
use crate::reference::{check_walks, expected, ids_of};

pub fn all_query(limit: usize) -> UserQuery {
    UserQuery::first_page(limit)
}

pub fn sorted(keys: &[(SortField, Direction)]) -> UserQuery {
    UserQuery {
        sort: Sort {
            keys: keys
                .iter()
                .map(|(field, direction)| SortKey { field: *field, direction: *direction })
                .collect(),
        },
        ..all_query(7)
    }
}

async fn seed(ctx: &Ctx, seed: u64, n: usize) -> Vec<User> {
    let mut rng = Rng::new(seed);
    let users = random_users(ctx, &ctx.scope(), &mut rng, n);
    for u in &users {
        ctx.store.create_user(&ctx.scope(), u, None, &stamp()).await.unwrap();
    }
    // Users of another zone must never show up.
    let scope = ctx.new_scope("elsewhere").await;
    for u in random_users(ctx, &scope, &mut rng, 10) {
        ctx.store.create_user(&scope, &u, None, &stamp()).await.unwrap();
    }
    users
}

pub async fn every_sort_order_and_direction_walks_like_the_domain(ctx: Ctx) {
    let users = seed(&ctx, 1, 70).await;
    for field in SortField::ALL {
        for direction in [Direction::Asc, Direction::Desc] {
            let q = sorted(&[(*field, direction)]);
            check_walks(&*ctx.store, &ctx.scope(), &users, &q, 7).await;
        }
    }
}

pub async fn multi_key_sorts_with_mixed_directions_walk_like_the_domain(ctx: Ctx) {
    let users = seed(&ctx, 2, 60).await;
    use Direction::{Asc, Desc};
    use SortField::*;
    let sorts: &[&[(SortField, Direction)]] = &[
        &[(Status, Asc), (Name, Desc)],
        &[(Name, Desc), (Status, Asc)],
        &[(FirstName, Asc), (LastName, Asc), (CreatedAt, Desc)],
        &[(UserType, Desc), (UpdatedAt, Asc), (Email, Desc)],
        &[(CreatedAt, Desc), (Identifier, Asc)],
        &[(LastName, Desc), (FirstName, Desc), (Name, Desc)],
    ];
    for keys in sorts {
        check_walks(&*ctx.store, &ctx.scope(), &users, &sorted(keys), 5).await;
    }
}

/// The folded-then-bytes order, spelled out: case variants tie on the
/// folded value and then order by bytes (upper case first), non-ASCII
/// letters are not folded, and equal names fall back to the id.
pub async fn string_order_is_folded_value_then_bytes_then_id(ctx: Ctx) {
    let names = ["b", "B", "a", "A", "é", "É", "ab", "aB", "Ab", "_", "Z", "b"];
    let mut users = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let mut u = ctx.user(&format!("u{i}@example.com"));
        u.name = (*n).to_owned();
        ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
        users.push(u);
    }
    let page = ctx
        .store
        .list_users(
            &ctx.scope(),
            &UserQuery {
                window: Window::After { position: None, limit: 50 },
                ..sorted(&[(SortField::Name, Direction::Asc)])
            },
        )
        .await
        .unwrap();
    let got: Vec<&str> = page.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(got, ["_", "A", "a", "Ab", "aB", "ab", "B", "b", "b", "Z", "É", "é"]);
    // The two "b"s tie and come in id order.
    let bs: Vec<_> = page.users.iter().filter(|u| u.name == "b").map(|u| u.id).collect();
    assert!(bs[0] < bs[1]);
}

pub async fn every_filter_selects_like_the_domain(ctx: Ctx) {
    let users = seed(&ctx, 3, 60).await;
    let base = all_query(6);
    let some_ids: Vec<_> = users.iter().step_by(7).map(|u| u.id).collect();
    let mut filters: Vec<UserFilter> = vec![
        UserFilter { ids: some_ids.clone(), ..Default::default() },
        UserFilter { ids: vec![ctx.user_id()], ..Default::default() },
        UserFilter { email: Some(users[5].email.to_ascii_lowercase()), ..Default::default() },
        UserFilter { email: Some("nobody@example.com".into()), ..Default::default() },
        UserFilter {
            identifier: Some(users[9].identifier.to_ascii_lowercase()),
            ..Default::default()
        },
        UserFilter { user_types: vec![UserType::SaasAdmin], ..Default::default() },
        UserFilter {
            user_types: vec![UserType::SaasUser, UserType::SaasUserClient],
            ..Default::default()
        },
        UserFilter { statuses: vec![UserStatus::Disabled], ..Default::default() },
        UserFilter {
            statuses: vec![UserStatus::Active, UserStatus::Risky, UserStatus::Onboarding],
            ..Default::default()
        },
        UserFilter { created_by: Some("key_b".into()), ..Default::default() },
        UserFilter { updated_by: Some("key_c".into()), ..Default::default() },
        UserFilter { created_from: Some(ts(2)), ..Default::default() },
        UserFilter { created_to: Some(ts(2)), ..Default::default() },
        UserFilter { created_from: Some(ts(1)), created_to: Some(ts(4)), ..Default::default() },
        UserFilter { updated_from: Some(ts(7)), updated_to: Some(ts(9)), ..Default::default() },
        UserFilter { provider_id: Some("idp_x".into()), ..Default::default() },
        UserFilter {
            statuses: vec![UserStatus::Active],
            user_types: vec![UserType::SaasUser],
            created_by: Some("key_a".into()),
            ..Default::default()
        },
    ];
    // The exact instant of a user is inclusive on `from`, exclusive on `to`.
    let t = users[0].created_at;
    filters.push(UserFilter { created_from: Some(t), created_to: Some(t), ..Default::default() });
    filters.push(UserFilter {
        created_from: Some(t),
        created_to: Some(roster_domain::Timestamp::from_micros(t.as_micros() + 1).unwrap()),
        ..Default::default()
    });
    for filter in filters {
        for sort in [Sort::default(), sorted(&[(SortField::Email, Direction::Desc)]).sort] {
            let q = UserQuery { filter: filter.clone(), sort, ..base.clone() };
            check_walks(&*ctx.store, &ctx.scope(), &users, &q, 4).await;
        }
    }
}

fn attr_query(pairs: &[(&str, Value)]) -> UserQuery {
    UserQuery {
        filter: UserFilter {
            attributes: pairs
                .iter()
                .map(|(k, v)| AttributeFilter { key: (*k).to_owned(), value: v.clone() })
                .collect(),
            ..Default::default()
        },
        ..all_query(100)
    }
}

pub async fn attribute_filters_compare_json_values_by_value_and_type(ctx: Ctx) {
    let users = seed(&ctx, 4, 80).await;
    let cases: Vec<Vec<(&str, Value)>> = vec![
        vec![("n", json!(3))],
        vec![("n", json!(3.0))],
        vec![("n", json!("3"))],
        vec![("n", json!(3.5))],
        vec![("n", json!(0))],
        vec![("n", json!(1e20))],
        vec![("n", json!(100000000000000000000u128 as f64))],
        vec![("flag", json!(true))],
        vec![("flag", json!(false))],
        vec![("flag", json!(1))],
        vec![("s", json!("gold"))],
        vec![("s", json!("Gold"))],
        vec![("s", json!("gold")), ("n", json!(3))],
        vec![("nested", json!(3))],
        vec![("list", json!(3))],
        vec![("missing", json!(null))],
        vec![("n", json!(null))],
    ];
    for pairs in &cases {
        let q = attr_query(pairs);
        let got = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
        let want = expected(&users, &q);
        assert_eq!(ids_of(&got.users), ids_of(&want), "{pairs:?}");
        assert_eq!(got.total, want.len() as u64, "{pairs:?}");
    }
    // The promises, spelled out.
    let count = |pairs: &[(&str, Value)]| expected(&users, &attr_query(pairs)).len();
    let n3 = users.iter().filter(|u| u.attributes.get("n") == Some(json!(3))).count();
    let n30 = users.iter().filter(|u| u.attributes.get("n") == Some(json!(3.0))).count();
    assert!(n3 > 0 && n30 > 0, "the seed has both 3 and 3.0");
    assert_eq!(count(&[("n", json!(3))]), n3 + n30, "3 equals 3.0");
    let flag_true = users.iter().filter(|u| u.attributes.get("flag") == Some(json!(true))).count();
    assert!(flag_true > 0);
    assert_eq!(count(&[("flag", json!(true))]), flag_true, "true is not 1");
    let n_str = users.iter().filter(|u| u.attributes.get("n") == Some(json!("3"))).count();
    assert_eq!(count(&[("n", json!("3"))]), n_str, "\"3\" is not 3");
    // Arrays and objects as filter values (which the query parser never
    // produces) match nothing.
    let q = attr_query(&[("list", json!([3, "3"]))]);
    assert_eq!(ctx.store.list_users(&ctx.scope(), &q).await.unwrap().total, 0);
}

pub async fn totals_follow_creates_status_changes_and_deletes(ctx: Ctx) {
    let mut users = seed(&ctx, 5, 40).await;
    let check = |users: Vec<User>| {
        let ctx = ctx.clone();
        async move {
            let mut queries = vec![all_query(3)];
            for s in UserStatus::ALL {
                let mut q = all_query(3);
                q.filter.statuses = vec![*s];
                queries.push(q);
            }
            let mut q = all_query(3);
            q.filter.statuses = vec![UserStatus::Active, UserStatus::Disabled];
            queries.push(q);
            for q in queries {
                let got = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
                assert_eq!(got.total, expected(&users, &q).len() as u64, "{:?}", q.filter);
            }
        }
    };
    check(users.clone()).await;
    for (i, u) in users.iter_mut().enumerate().take(15) {
        let status = UserStatus::ALL[i % UserStatus::ALL.len()];
        *u = ctx
            .store
            .update_user(
                &ctx.scope(),
                &u.id,
                Box::new(move |u: &mut User| {
                    u.status = status;
                    Ok(true)
                }),
                &stamp(),
            )
            .await
            .unwrap();
    }
    check(users.clone()).await;
    for u in users.drain(..10) {
        ctx.store.delete_user(&ctx.scope(), &u.id, None, &stamp()).await.unwrap();
    }
    check(users.clone()).await;
    // Counts survive many concurrent writers (PostgreSQL: counter shards on
    // many connections; SQLite: one writer batching them).
    let mut tasks = Vec::new();
    for i in 0..30 {
        let ctx2 = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let mut u = ctx2.user(&format!("bulk{i}@example.com"));
            u.status = if i % 3 == 0 { UserStatus::Suspended } else { UserStatus::Active };
            ctx2.store.create_user(&ctx2.scope(), &u, None, &stamp()).await.unwrap();
            u
        }));
    }
    for t in tasks {
        users.push(t.await.unwrap());
    }
    check(users.clone()).await;
}

pub async fn an_empty_zone_lists_nothing_and_offsets_past_the_end_are_empty(ctx: Ctx) {
    let page = ctx.store.list_users(&ctx.scope(), &all_query(10)).await.unwrap();
    assert!(page.users.is_empty());
    assert!(!page.has_more);
    assert_eq!(page.total, 0);
    let users = seed(&ctx, 6, 5).await;
    let q = UserQuery { window: Window::Offset { offset: 50, limit: 10 }, ..all_query(10) };
    let page = ctx.store.list_users(&ctx.scope(), &q).await.unwrap();
    assert!(page.users.is_empty());
    assert!(!page.has_more);
    assert_eq!(page.total, users.len() as u64);
}
