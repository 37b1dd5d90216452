//! Expansions of a page of users, and what they cost in statements.

use roster_domain::UserId;
use roster_domain::access::Expansion;
use roster_store::ExpandRequest;

use crate::access_fixtures::{NOW, all_extras, assignment, grant, role, session};
use crate::ctx::{Ctx, stamp, stamp_at, ts};

pub async fn expansions_count_only_live_sessions_and_grants(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "u@example.com").await;
    let v = ctx.new_user(&scope, "v@example.com").await;
    let lonely = ctx.new_user(&scope, "w@example.com").await;
    let (r1, r2) = (role(&ctx, "r1"), role(&ctx, "r2"));
    ctx.store.create_role(&scope, &r1, &stamp()).await.unwrap();
    ctx.store.create_role(&scope, &r2, &stamp()).await.unwrap();
    let mut held = Vec::new();
    for (r, sc) in [(&r2, None), (&r1, Some(("team", "t"))), (&r1, None)] {
        let a = assignment(&ctx, &u.id, &r.id, sc);
        held.push(ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap());
    }
    let va = assignment(&ctx, &v.id, &r2.id, None);
    let va = ctx.store.create_role_assignment(&scope, &va, &stamp()).await.unwrap();

    // u: live (no expiry), live (expires later), expired at exactly now,
    // expired before, revoked.
    let kinds = [
        (None, false),
        (Some(NOW + 1), false),
        (Some(NOW), false),
        (Some(NOW - 1), false),
        (None, true),
    ];
    for (expires, revoke) in kinds {
        let s = session(&ctx, &u.id, 100, expires);
        ctx.store.create_session(&scope, &s, &stamp()).await.unwrap();
        let g = grant(&ctx, &u.id, expires);
        ctx.store.create_grant(&scope, &g, &stamp()).await.unwrap();
        if revoke {
            ctx.store.revoke_session(&scope, &u.id, &s.id, &stamp_at(ts(150))).await.unwrap();
            ctx.store.revoke_grant(&scope, &u.id, &g.id, &stamp_at(ts(150))).await.unwrap();
        }
    }
    let vs = session(&ctx, &v.id, 100, None);
    ctx.store.create_session(&scope, &vs, &stamp()).await.unwrap();

    // A user of another zone, and one that does not exist, get nothing.
    let scope2 = ctx.new_scope("two").await;
    let foreign = ctx.new_user(&scope2, "f@example.com").await;
    ctx.store
        .create_session(&scope2, &session(&ctx, &foreign.id, 100, None), &stamp())
        .await
        .unwrap();
    let ghost = ctx.user_id();

    let ids = [u.id, v.id, lonely.id, foreign.id, ghost];
    let x = ctx.store.expand_users(&scope, &ids, all_extras(), ts(NOW)).await.unwrap();
    assert_eq!(x.len(), 5);
    assert_eq!(
        x[&u.id],
        Expansion { role_assignments: held.clone(), grant_count: 2, session_count: 2 }
    );
    assert_eq!(
        x[&v.id],
        Expansion { role_assignments: vec![va.clone()], grant_count: 0, session_count: 1 }
    );
    for id in [lonely.id, foreign.id, ghost] {
        assert_eq!(x[&id], Expansion::default());
    }
    // Only what was asked for.
    let counts_only = ExpandRequest { session_count: true, ..Default::default() };
    let x = ctx.store.expand_users(&scope, &ids, counts_only, ts(NOW)).await.unwrap();
    assert_eq!(x[&u.id], Expansion { session_count: 2, ..Default::default() });
    // Later, the session expiring at NOW + 1 is gone too.
    let x = ctx.store.expand_users(&scope, &[u.id], all_extras(), ts(NOW + 1)).await.unwrap();
    assert_eq!((x[&u.id].session_count, x[&u.id].grant_count), (1, 1));
    assert!(ctx.store.expand_users(&scope, &[], all_extras(), ts(NOW)).await.unwrap().is_empty());
}

pub async fn expanding_a_page_costs_the_same_statements_for_10_or_500_users(ctx: Ctx) {
    let scope = ctx.scope();
    let r = role(&ctx, "member");
    ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..500 {
        let u = ctx.new_user(&scope, &format!("u{i}@example.com")).await;
        if i % 2 == 0 {
            let a = assignment(&ctx, &u.id, &r.id, None);
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
        }
        if i % 5 == 0 {
            ctx.store
                .create_session(&scope, &session(&ctx, &u.id, 100, None), &stamp())
                .await
                .unwrap();
            ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None), &stamp()).await.unwrap();
        }
        ids.push(u.id);
    }
    let cost = |users: Vec<UserId>, what: ExpandRequest| {
        let store = ctx.store.clone();
        async move {
            let before = store.statements_executed();
            let x = store.expand_users(&scope, &users, what, ts(NOW)).await.unwrap();
            (store.statements_executed() - before, x)
        }
    };
    let (small, x10) = cost(ids[..10].to_vec(), all_extras()).await;
    let (large, x500) = cost(ids.clone(), all_extras()).await;
    assert_eq!(small, 3, "one statement per kind of extra");
    assert_eq!(large, small);
    assert_eq!(x10.len(), 10);
    assert_eq!(x500.len(), 500);
    for (i, id) in ids.iter().enumerate() {
        let e = &x500[id];
        assert_eq!(e.role_assignments.len(), usize::from(i % 2 == 0));
        assert_eq!(e.session_count, u64::from(i % 5 == 0));
        assert_eq!(e.grant_count, u64::from(i % 5 == 0));
    }
    let one_kind = ExpandRequest { grant_count: true, ..Default::default() };
    assert_eq!(cost(ids.clone(), one_kind).await.0, 1);
    assert_eq!(cost(ids.clone(), ExpandRequest::default()).await.0, 0);
}
