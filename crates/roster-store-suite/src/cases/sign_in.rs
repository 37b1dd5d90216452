//! Sign-in: find or create the subject's user and record a session.

use std::collections::HashSet;

use roster_domain::access::Session;
use roster_domain::{User, UserFilter, UserId};
use roster_store::StoreError;

use crate::access_fixtures::{disable, first, linked_user, provider, query, sign_in_session};
use crate::ctx::{Ctx, stamp, ts};

pub async fn sign_in_finds_or_creates_the_subject_and_records_a_session(ctx: Ctx) {
    let scope = ctx.scope();
    let idp = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
    let s0 = sign_in_session(&ctx, &idp, 100);
    // Nobody to find and nothing to create.
    assert_eq!(
        ctx.store.sign_in(&scope, &idp.issuer, "sub-1", None, &s0, &stamp()).await,
        Err(StoreError::NotFound)
    );
    let fresh = linked_user(&ctx, &idp, "sub-1", "one@example.com");
    let first_in =
        ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&fresh), &s0, &stamp()).await.unwrap();
    assert!(first_in.created);
    assert_eq!(
        first_in.user,
        User { authenticated_at: Some(ts(100)), version: fresh.version + 1, ..fresh.clone() }
    );
    assert_eq!(first_in.session, Session { user_id: fresh.id, ..s0.clone() });
    assert_eq!(ctx.store.get_user(&scope, &fresh.id).await.unwrap(), first_in.user);

    // Found the second time, whatever new user is offered.
    let s1 = sign_in_session(&ctx, &idp, 200);
    let offered = linked_user(&ctx, &idp, "sub-1", "other@example.com");
    let again = ctx
        .store
        .sign_in(&scope, &idp.issuer, "sub-1", Some(&offered), &s1, &stamp())
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.user.id, fresh.id);
    assert_eq!(again.user.authenticated_at, Some(ts(200)));
    assert_eq!(again.user.version, fresh.version + 2);
    assert_eq!(again.session.user_id, fresh.id);
    // Finding needs no new user.
    let s1b = sign_in_session(&ctx, &idp, 150);
    let found =
        ctx.store.sign_in(&scope, &idp.issuer, "sub-1", None, &s1b, &stamp()).await.unwrap();
    assert!(!found.created);
    assert_eq!(found.user.id, fresh.id);
    assert_eq!(found.user.authenticated_at, Some(ts(200)));
    let sessions = ctx.store.list_sessions(&scope, &fresh.id, &first(10)).await.unwrap();
    assert_eq!(sessions.total, 3);
    assert_eq!(ctx.store.get_user(&scope, &offered.id).await, Err(StoreError::NotFound));

    // The subject is matched exactly, and per issuer.
    let s2 = sign_in_session(&ctx, &idp, 300);
    let other = linked_user(&ctx, &idp, "SUB-1", "two@example.com");
    let second =
        ctx.store.sign_in(&scope, &idp.issuer, "SUB-1", Some(&other), &s2, &stamp()).await.unwrap();
    assert!(second.created);
    assert_ne!(second.user.id, fresh.id);

    // A new user clashing on email is a conflict, and nothing is kept.
    let s3 = sign_in_session(&ctx, &idp, 400);
    let clash = linked_user(&ctx, &idp, "sub-3", "ONE@example.com");
    assert_eq!(
        ctx.store.sign_in(&scope, &idp.issuer, "sub-3", Some(&clash), &s3, &stamp()).await,
        Err(StoreError::Conflict { field: "email" })
    );
    assert_eq!(ctx.store.get_user(&scope, &clash.id).await, Err(StoreError::NotFound));

    // A disabled user cannot sign in.
    ctx.store.update_user(&scope, &fresh.id, disable(), &stamp()).await.unwrap();
    let before = ctx.store.get_user(&scope, &fresh.id).await.unwrap();
    let s4 = sign_in_session(&ctx, &idp, 500);
    assert_eq!(
        ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&offered), &s4, &stamp()).await,
        Err(StoreError::UserDisabled)
    );
    assert_eq!(ctx.store.get_user(&scope, &fresh.id).await.unwrap(), before);
    let sessions = ctx.store.list_sessions(&scope, &fresh.id, &first(10)).await.unwrap();
    assert_eq!(sessions.total, 3);
}

/// Many first sign-ins of one subject at once, through two nodes, each
/// offering its own new user with the same claims: one user is made, every
/// sign-in gets a session on it.
pub async fn concurrent_first_sign_ins_of_one_subject_make_one_user(ctx: Ctx) {
    let scope = ctx.scope();
    let idp = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
    let other = ctx.another_node().await;
    for round in 0..20 {
        let subject = format!("subject-{round}");
        let mut tasks = Vec::new();
        for k in 0..8 {
            let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
            let u = linked_user(&ctx, &idp, &subject, &format!("s{round}@example.com"));
            let s = sign_in_session(&ctx, &idp, 100 + k);
            let (issuer, subject) = (idp.issuer.clone(), subject.clone());
            tasks.push(tokio::spawn(async move {
                store.sign_in(&scope, &issuer, &subject, Some(&u), &s, &stamp()).await
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap().unwrap());
        }
        assert_eq!(results.iter().filter(|r| r.created).count(), 1, "round {round}");
        let ids: HashSet<UserId> = results.iter().map(|r| r.user.id).collect();
        assert_eq!(ids.len(), 1, "round {round}");
        let uid = results[0].user.id;
        assert!(results.iter().all(|r| r.session.user_id == uid));
        let sessions = ctx.store.list_sessions(&scope, &uid, &first(20)).await.unwrap();
        assert_eq!(sessions.total, 8);
        let user = ctx.store.get_user(&scope, &uid).await.unwrap();
        assert_eq!(user.authenticated_at, Some(ts(107)));
        assert_eq!(user.version, 1 + 8);
    }
    let users = query(UserFilter::default());
    assert_eq!(ctx.store.list_users(&scope, &users).await.unwrap().total, 20);
    other.close();
}
