//! Identity providers, per zone, and the users linked to them.

use roster_domain::access::Session;
use roster_domain::{SessionId, User, UserFilter};
use roster_store::{StoreError, ZoneScope};

use crate::access_fixtures::{assignment, first, linked_user, provider, query, role, session};
use crate::ctx::{Ctx, stamp, ts};
use crate::reference::check_id_pages;

pub async fn providers_are_per_zone_found_by_id_or_identifier(ctx: Ctx) {
    let scope = ctx.scope();
    let mut all = Vec::new();
    for ident in ["corp", "Corp", "google", "idp_not_an_id"] {
        let p = provider(&ctx, ident);
        ctx.store.create_provider(&scope, &p, &stamp()).await.unwrap();
        all.push(p);
    }
    assert_eq!(
        ctx.store.create_provider(&scope, &provider(&ctx, "corp"), &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    for p in &all {
        assert_eq!(ctx.store.get_provider(&scope, &p.id.to_string()).await.unwrap(), *p);
        // Ids parse in either case.
        let lower = p.id.to_string().to_ascii_lowercase();
        assert_eq!(ctx.store.get_provider(&scope, &lower).await.unwrap(), *p);
        assert_eq!(ctx.store.get_provider(&scope, &p.identifier).await.unwrap(), *p);
    }
    assert_eq!(ctx.store.get_provider(&scope, "CORP").await, Err(StoreError::NotFound));
    let store = &*ctx.store;
    check_id_pages(
        |w| async move { store.list_providers(&scope, &w).await },
        &all,
        |p| p.id.to_bytes(),
        &[1, 3, 4],
    )
    .await;
    let mut google = all[2].clone();
    google.identifier = "Corp".into();
    assert_eq!(
        ctx.store.update_provider(&scope, &google, &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    google.identifier = "gmail".into();
    google.user_identifier_claim = Some("preferred_username".into());
    google.updated_at = ts(12);
    ctx.store.update_provider(&scope, &google, &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_provider(&scope, "gmail").await.unwrap(), google);

    let scope2 = ctx.new_scope("two").await;
    assert_eq!(
        ctx.store.get_provider(&scope2, &google.id.to_string()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.update_provider(&scope2, &google, &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.delete_provider(&scope2, &google.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    ctx.store.create_provider(&scope2, &provider(&ctx, "corp"), &stamp()).await.unwrap();
}

pub async fn users_provider_id_names_a_provider_of_the_zone_and_outlives_it(ctx: Ctx) {
    let scope = ctx.scope();
    let idp = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
    let keep = provider(&ctx, "keep");
    ctx.store.create_provider(&scope, &keep, &stamp()).await.unwrap();
    let scope2 = ctx.new_scope("two").await;
    let foreign = provider(&ctx, "corp");
    ctx.store.create_provider(&scope2, &foreign, &stamp()).await.unwrap();

    let mut a = ctx.user("a@example.com");
    a.provider_id = Some(foreign.id.to_string());
    assert_eq!(
        ctx.store.create_user(&scope, &a, None, &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    a.provider_id = Some("corp".into()); // an identifier is not an id
    assert_eq!(
        ctx.store.create_user(&scope, &a, None, &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    a.provider_id = Some(idp.id.to_string());
    ctx.store.create_user(&scope, &a, None, &stamp()).await.unwrap();
    // The id as the client spelled it, lower-case ULID included.
    let mut b = ctx.user("b@example.com");
    b.provider_id = Some(format!("idp_{}", &idp.id.to_string()[4..].to_ascii_lowercase()));
    ctx.store.create_user(&scope, &b, None, &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_user(&scope, &b.id).await.unwrap(), b);
    let mut c = ctx.user("c@example.com");
    c.provider_id = Some(keep.id.to_string());
    ctx.store.create_user(&scope, &c, None, &stamp()).await.unwrap();
    // Linking by update is checked the same way.
    let d = ctx.new_user(&scope, "d@example.com").await;
    let link = |p: String| -> roster_store::UserUpdate {
        Box::new(move |u: &mut User| {
            u.provider_id = Some(p);
            u.version += 1;
            Ok(true)
        })
    };
    assert_eq!(
        ctx.store.update_user(&scope, &d.id, link(foreign.id.to_string()), &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    let d = ctx.store.update_user(&scope, &d.id, link(idp.id.to_string()), &stamp()).await.unwrap();
    let filtered =
        |p: &str| query(UserFilter { provider_id: Some(p.to_owned()), ..Default::default() });
    let page = ctx.store.list_users(&scope, &filtered(&idp.id.to_string())).await.unwrap();
    assert_eq!(page.users, vec![a.clone(), d.clone()]);

    let mut s = session(&ctx, &a.id, 100, None);
    s.provider_id = Some(idp.id);
    ctx.store.create_session(&scope, &s, &stamp()).await.unwrap();
    let a = ctx.store.get_user(&scope, &a.id).await.unwrap();
    let mut ks = session(&ctx, &c.id, 100, None);
    ks.provider_id = Some(keep.id);
    ctx.store.create_session(&scope, &ks, &stamp()).await.unwrap();
    let c = ctx.store.get_user(&scope, &c.id).await.unwrap();

    ctx.store.delete_provider(&scope, &idp.id, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_provider(&scope, &idp.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    // The users stay, unlinked, each one version on.
    for (before, id) in [(&a, a.id), (&b, b.id), (&d, d.id)] {
        let after = ctx.store.get_user(&scope, &id).await.unwrap();
        assert_eq!(
            after,
            User { provider_id: None, version: before.version + 1, ..before.clone() }
        );
    }
    assert_eq!(ctx.store.get_user(&scope, &c.id).await.unwrap(), c);
    let sessions = ctx.store.list_sessions(&scope, &a.id, &first(5)).await.unwrap();
    assert_eq!(sessions.items, vec![Session { provider_id: None, ..s }]);
    let sessions = ctx.store.list_sessions(&scope, &c.id, &first(5)).await.unwrap();
    assert_eq!(sessions.items, vec![ks]);
    assert!(
        ctx.store
            .list_users(&scope, &filtered(&idp.id.to_string()))
            .await
            .unwrap()
            .users
            .is_empty()
    );
    // The provider in the other zone is untouched.
    ctx.store.get_provider(&scope2, "corp").await.unwrap();
}

/// Users linked to a provider, updated and signing in through it while the
/// provider is deleted, and new users linked to it meanwhile: every link is
/// either refused or undone by the deletion, and nobody deadlocks (which
/// would surface as `Unavailable`).
pub async fn no_user_stays_linked_to_a_provider_deleted_concurrently(ctx: Ctx) {
    let scope = ctx.scope();
    let other = ctx.another_node().await;
    let refused = |r: &Result<(), StoreError>| {
        matches!(r, Ok(()) | Err(StoreError::MissingReference { field: "provider_id" }))
    };
    for round in 0..25 {
        let idp = provider(&ctx, &format!("p{round}"));
        ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
        let mut made = Vec::new();
        let mut linked = Vec::new();
        for k in 0..3 {
            let u = linked_user(&ctx, &idp, &format!("r{round}-{k}"), &format!("l{round}-{k}@x"));
            ctx.store.create_user(&scope, &u, None, &stamp()).await.unwrap();
            linked.push(u);
        }
        let mut tasks = Vec::new();
        for k in 0..4 {
            let mut u = ctx.user(&format!("r{round}-{k}@example.com"));
            u.provider_id = Some(idp.id.to_string());
            made.push(u.id);
            let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let r = store.create_user(&scope, &u, None, &stamp()).await;
                assert!(refused(&r), "{r:?}");
            }));
        }
        for (k, u) in linked.iter().enumerate() {
            let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
            let (uid, mut s) = (u.id, session(&ctx, &u.id, 100, None));
            s.provider_id = Some(idp.id);
            let (issuer, subject) = (idp.issuer.clone(), u.subject.clone().unwrap());
            let s2 = Session { id: SessionId::from_ulid(ctx.ids.next(1)), ..s.clone() };
            tasks.push(tokio::spawn(async move {
                let touch: roster_store::UserUpdate = Box::new(|u: &mut User| {
                    u.name = "touched".into();
                    u.version += 1;
                    Ok(true)
                });
                let r = store.update_user(&scope, &uid, touch, &stamp()).await.map(|_| ());
                assert!(refused(&r), "{r:?}");
                let r = store.create_session(&scope, &s, &stamp()).await;
                assert!(refused(&r), "{r:?}");
                let r =
                    store.sign_in(&scope, &issuer, &subject, None, &s2, &stamp()).await.map(|_| ());
                assert!(refused(&r), "{r:?}");
            }));
        }
        let store = other.clone();
        let pid = idp.id;
        tasks.push(tokio::spawn(async move {
            store.delete_provider(&scope, &pid, &stamp()).await.unwrap();
        }));
        for t in tasks {
            t.await.unwrap();
        }
        made.extend(linked.iter().map(|u| u.id));
        for id in made {
            if let Ok(u) = ctx.store.get_user(&scope, &id).await {
                assert_eq!(u.provider_id, None, "round {round}");
            }
        }
    }
    other.close();
}

pub async fn deleting_a_zone_without_users_takes_its_roles_and_providers(ctx: Ctx) {
    let zone = ctx.new_zone("doomed").await;
    let scope = ZoneScope { org: ctx.org.id, zone: zone.id };
    let r = role(&ctx, "admin");
    ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
    let p = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &p, &stamp()).await.unwrap();
    // Not while it holds a user.
    let u = ctx.new_user(&scope, "a@example.com").await;
    let a = assignment(&ctx, &u.id, &r.id, None);
    ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await,
        Err(StoreError::ZoneNotEmpty)
    );
    ctx.store.delete_user(&scope, &u.id, None, &stamp()).await.unwrap();
    ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await.unwrap();
    assert_eq!(ctx.db.count_rows("roles").await, 0);
    assert_eq!(ctx.db.count_rows("providers").await, 0);
    assert_eq!(
        ctx.store.create_role(&scope, &role(&ctx, "x"), &stamp()).await,
        Err(StoreError::NotFound)
    );
    // Another node that cached the zone cannot add to it either.
    let other = ctx.another_node().await;
    let zone2 = ctx.new_zone("doomed2").await;
    let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
    other.list_roles(&scope2, &first(1)).await.unwrap();
    ctx.store.delete_zone(&ctx.org.id, &zone2.id, &stamp()).await.unwrap();
    assert_eq!(
        other.create_role(&scope2, &role(&ctx, "x"), &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        other.create_provider(&scope2, &provider(&ctx, "x"), &stamp()).await,
        Err(StoreError::NotFound)
    );
    other.close();
}
