//! Sessions and delegated grants, and what disabling a user does to them.

use roster_domain::access::{Grant, Session};
use roster_domain::{ProviderId, SessionId, User, UserStatus};
use roster_store::StoreError;

use crate::access_fixtures::{
    NOW, all_extras, assignment, disable, first, grant, provider, role, session,
};
use crate::ctx::{Ctx, stamp, stamp_at, ts};
use crate::reference::check_id_pages;

pub async fn sessions_move_authenticated_at_forward_and_the_version_on(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "a@example.com").await;
    assert_eq!(u.authenticated_at, None);
    let s1 = session(&ctx, &u.id, 100, Some(5_000));
    ctx.store.create_session(&scope, &s1, &stamp()).await.unwrap();
    let after1 = ctx.store.get_user(&scope, &u.id).await.unwrap();
    assert_eq!(after1.authenticated_at, Some(ts(100)));
    assert_eq!(after1.version, u.version + 1);
    assert_eq!(after1.updated_at, u.updated_at);
    // An older authentication recorded late does not move it back, but
    // the user still changed.
    let s0 = session(&ctx, &u.id, 90, None);
    ctx.store.create_session(&scope, &s0, &stamp()).await.unwrap();
    let after0 = ctx.store.get_user(&scope, &u.id).await.unwrap();
    assert_eq!(after0.authenticated_at, Some(ts(100)));
    assert_eq!(after0.version, u.version + 2);
    let s2 = session(&ctx, &u.id, 200, None);
    ctx.store.create_session(&scope, &s2, &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap().authenticated_at, Some(ts(200)));

    let want = vec![s1.clone(), s0.clone(), s2.clone()];
    let uid = u.id;
    let store = &*ctx.store;
    check_id_pages(
        |w| async move { store.list_sessions(&scope, &uid, &w).await },
        &want,
        |s| s.id.to_bytes(),
        &[1, 2, 3],
    )
    .await;

    // Revoking twice keeps the first instant.
    let revoked =
        ctx.store.revoke_session(&scope, &u.id, &s1.id, &stamp_at(ts(300))).await.unwrap();
    assert_eq!(revoked, Session { revoked_at: Some(ts(300)), ..s1.clone() });
    let again = ctx.store.revoke_session(&scope, &u.id, &s1.id, &stamp_at(ts(400))).await.unwrap();
    assert_eq!(again, revoked);
    // Through the wrong user, an unknown session, or a user not in the zone.
    let v = ctx.new_user(&scope, "v@example.com").await;
    assert_eq!(
        ctx.store.revoke_session(&scope, &v.id, &s2.id, &stamp_at(ts(300))).await,
        Err(StoreError::NotFound)
    );
    let unknown = SessionId::from_ulid(ctx.ids.next(1));
    assert_eq!(
        ctx.store.revoke_session(&scope, &u.id, &unknown, &stamp_at(ts(300))).await,
        Err(StoreError::NotFound)
    );
    let scope2 = ctx.new_scope("two").await;
    assert_eq!(
        ctx.store.revoke_session(&scope2, &u.id, &s2.id, &stamp_at(ts(300))).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(ctx.store.list_sessions(&scope2, &u.id, &first(5)).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.create_session(&scope2, &session(&ctx, &u.id, 1, None), &stamp()).await,
        Err(StoreError::NotFound)
    );
    let page = ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap();
    assert_eq!(page.items[0].revoked_at, Some(ts(300)));
    assert_eq!(page.items[2].revoked_at, None);
}

pub async fn sessions_refuse_disabled_users_and_foreign_providers(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "a@example.com").await;
    let idp = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
    let scope2 = ctx.new_scope("two").await;
    let foreign = provider(&ctx, "corp");
    ctx.store.create_provider(&scope2, &foreign, &stamp()).await.unwrap();

    let mut s = session(&ctx, &u.id, 100, None);
    s.provider_id = Some(ProviderId::from_ulid(ctx.ids.next(1)));
    assert_eq!(
        ctx.store.create_session(&scope, &s, &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    s.provider_id = Some(foreign.id);
    assert_eq!(
        ctx.store.create_session(&scope, &s, &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    // Nothing was recorded by the refusals.
    assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), u);
    s.provider_id = Some(idp.id);
    ctx.store.create_session(&scope, &s, &stamp()).await.unwrap();
    let page = ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap();
    assert_eq!(page.items, vec![s.clone()]);

    ctx.store.update_user(&scope, &u.id, disable(), &stamp()).await.unwrap();
    let before = ctx.store.get_user(&scope, &u.id).await.unwrap();
    assert_eq!(
        ctx.store.create_session(&scope, &session(&ctx, &u.id, 600, None), &stamp()).await,
        Err(StoreError::UserDisabled)
    );
    assert_eq!(
        ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None), &stamp()).await,
        Err(StoreError::UserDisabled)
    );
    assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), before);
    // Disabled users still list and still take roles.
    assert_eq!(ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap().total, 1);
    let r = role(&ctx, "r");
    ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
    let a = assignment(&ctx, &u.id, &r.id, None);
    ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
}

pub async fn grants_keep_their_scopes_and_revoke_once(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "a@example.com").await;
    let mut grants = Vec::new();
    for i in 0..4 {
        let mut g = grant(&ctx, &u.id, (i % 2 == 0).then_some(9_000));
        g.scopes = (0..i).map(|k| format!("scope-{}", 3 - k)).collect();
        ctx.store.create_grant(&scope, &g, &stamp()).await.unwrap();
        grants.push(g);
    }
    let uid = u.id;
    let store = &*ctx.store;
    check_id_pages(
        |w| async move { store.list_grants(&scope, &uid, &w).await },
        &grants,
        |g| g.id.to_bytes(),
        &[1, 3, 4],
    )
    .await;
    let revoked =
        ctx.store.revoke_grant(&scope, &u.id, &grants[1].id, &stamp_at(ts(70))).await.unwrap();
    assert_eq!(revoked, Grant { revoked_at: Some(ts(70)), ..grants[1].clone() });
    assert_eq!(
        ctx.store.revoke_grant(&scope, &u.id, &grants[1].id, &stamp_at(ts(80))).await.unwrap(),
        revoked
    );
    let v = ctx.new_user(&scope, "v@example.com").await;
    assert_eq!(
        ctx.store.revoke_grant(&scope, &v.id, &grants[0].id, &stamp_at(ts(80))).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.create_grant(&scope, &grant(&ctx, &ctx.user_id(), None), &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.list_grants(&scope, &ctx.user_id(), &first(3)).await,
        Err(StoreError::NotFound)
    );
    // Granting does not touch the user.
    assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), u);
}

pub async fn disabling_a_user_revokes_its_live_sessions_and_grants(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "a@example.com").await;
    let bystander = ctx.new_user(&scope, "b@example.com").await;
    let live = session(&ctx, &u.id, 100, None);
    let expired = session(&ctx, &u.id, 100, Some(200));
    let earlier = session(&ctx, &u.id, 100, None);
    for s in [&live, &expired, &earlier] {
        ctx.store.create_session(&scope, s, &stamp()).await.unwrap();
    }
    ctx.store.revoke_session(&scope, &u.id, &earlier.id, &stamp_at(ts(150))).await.unwrap();
    let g_live = grant(&ctx, &u.id, None);
    let g_old = grant(&ctx, &u.id, None);
    ctx.store.create_grant(&scope, &g_live, &stamp()).await.unwrap();
    ctx.store.create_grant(&scope, &g_old, &stamp()).await.unwrap();
    ctx.store.revoke_grant(&scope, &u.id, &g_old.id, &stamp_at(ts(160))).await.unwrap();
    let other = session(&ctx, &bystander.id, 100, None);
    ctx.store.create_session(&scope, &other, &stamp()).await.unwrap();

    // Another change leaves them alone.
    ctx.store
        .update_user(
            &scope,
            &u.id,
            Box::new(|u: &mut User| {
                u.status = UserStatus::Suspended;
                Ok(true)
            }),
            &stamp(),
        )
        .await
        .unwrap();
    let sessions = ctx.store.list_sessions(&scope, &u.id, &first(10)).await.unwrap();
    assert_eq!(sessions.items.iter().filter(|s| s.revoked_at.is_none()).count(), 2);

    let disabled = ctx.store.update_user(&scope, &u.id, disable(), &stamp()).await.unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    let sessions = ctx.store.list_sessions(&scope, &u.id, &first(10)).await.unwrap();
    let revoked: Vec<_> = sessions.items.iter().map(|s| (s.id, s.revoked_at)).collect();
    assert_eq!(
        revoked,
        vec![(live.id, Some(ts(500))), (expired.id, Some(ts(500))), (earlier.id, Some(ts(150))),]
    );
    let grants = ctx.store.list_grants(&scope, &u.id, &first(10)).await.unwrap();
    let revoked: Vec<_> = grants.items.iter().map(|g| (g.id, g.revoked_at)).collect();
    assert_eq!(revoked, vec![(g_live.id, Some(ts(500))), (g_old.id, Some(ts(160)))]);
    // Someone else's session is not touched.
    let theirs = ctx.store.list_sessions(&scope, &bystander.id, &first(10)).await.unwrap();
    assert_eq!(theirs.items, vec![other]);
    // Nothing live is left to count.
    let x = ctx.store.expand_users(&scope, &[u.id], all_extras(), ts(NOW)).await.unwrap();
    assert_eq!((x[&u.id].session_count, x[&u.id].grant_count), (0, 0));
}

/// A session recorded while the user is being disabled either fails or is
/// revoked with the rest: no live session of a disabled user survives.
pub async fn no_session_or_grant_outlives_a_concurrent_disabling(ctx: Ctx) {
    let scope = ctx.scope();
    let other = ctx.another_node().await;
    for round in 0..25 {
        let u = ctx.new_user(&scope, &format!("r{round}@example.com")).await;
        let mut tasks = Vec::new();
        for k in 0..4 {
            let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
            let s = session(&ctx, &u.id, 100 + k, None);
            let g = grant(&ctx, &u.id, None);
            tasks.push(tokio::spawn(async move {
                let a = store.create_session(&scope, &s, &stamp()).await;
                let b = store.create_grant(&scope, &g, &stamp()).await;
                for r in [a, b] {
                    assert!(matches!(r, Ok(()) | Err(StoreError::UserDisabled)), "{r:?}");
                }
            }));
        }
        let store = ctx.store.clone();
        let uid = u.id;
        tasks.push(tokio::spawn(async move {
            store.update_user(&scope, &uid, disable(), &stamp()).await.unwrap();
        }));
        for t in tasks {
            t.await.unwrap();
        }
        let s = ctx.store.list_sessions(&scope, &u.id, &first(100)).await.unwrap();
        assert!(s.items.iter().all(|s| s.revoked_at.is_some()), "round {round}: {s:?}");
        let g = ctx.store.list_grants(&scope, &u.id, &first(100)).await.unwrap();
        assert!(g.items.iter().all(|g| g.revoked_at.is_some()), "round {round}: {g:?}");
    }
    other.close();
}
