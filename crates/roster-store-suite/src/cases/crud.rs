//! Users: create, read, update and delete, with their conflicts.

use serde_json::json;

use roster_domain::{
    Attributes, DomainError, Timestamp, User, UserStatus, UserType, ValidationError, ZoneRef,
};
use roster_store::{StoreError, ZoneScope};

use super::listing::all_query;
use crate::ctx::{Ctx, stamp, ts};

fn full_user(ctx: &Ctx) -> User {
    let mut u = ctx.user("Jane.Doe+tag@Example.COM");
    u.identifier = "Jane-Ünïcode".into();
    u.email_verified = true;
    u.first_name = "Jane".into();
    u.last_name = "Doe".into();
    u.name = "Jane Doe".into();
    u.description = Some("likes 100% of \\ things_ and 'quotes'".into());
    u.user_type = UserType::SaasAdmin;
    u.status = UserStatus::Onboarding;
    // Key order is part of what the client wrote; it must survive.
    u.attributes = Attributes::from_map(
        json!({"zeta": 1, "alpha": {"y": [1, 2.5, "x"], "b": null}, "mid": 3.0, "big": 12345678901234567i64})
            .as_object()
            .unwrap(),
    );
    u.issuer = Some("https://idp.example".into());
    u.subject = Some("sub-1".into());
    u.authenticated_at = Some(Timestamp::from_micros(-62_135_596_800_000_000).unwrap());
    u.created_at = Timestamp::from_micros(1_700_000_000_123_457).unwrap();
    u.updated_at = Timestamp::from_micros(253_402_300_799_999_999).unwrap();
    u.created_by = "key_creator".into();
    u.updated_by = "key_updater".into();
    u.version = 7;
    u
}

pub async fn created_users_read_back_exactly_to_the_microsecond_and_key_order(ctx: Ctx) {
    let u = full_user(&ctx);
    ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
    let got = ctx.store.get_user(&ctx.scope(), &u.id).await.unwrap();
    assert_eq!(got, u);
    assert_eq!(
        serde_json::to_string(&got.attributes.to_map()).unwrap(),
        serde_json::to_string(&u.attributes.to_map()).unwrap(),
        "attributes keep their key order"
    );

    let plain = ctx.user("plain@example.com");
    ctx.store.create_user(&ctx.scope(), &plain, None, &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_user(&ctx.scope(), &plain.id).await.unwrap(), plain);
}

pub async fn users_of_another_zone_or_organization_are_not_found(ctx: Ctx) {
    let u = ctx.user("a@example.com");
    ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
    let other_scope = ctx.new_scope("other").await;
    assert_eq!(ctx.store.get_user(&other_scope, &u.id).await, Err(StoreError::NotFound));
    let foreign_org =
        ZoneScope { org: roster_domain::OrgId::from_ulid(ctx.ids.next(1)), zone: ctx.zone.id };
    assert_eq!(ctx.store.get_user(&foreign_org, &u.id).await, Err(StoreError::NotFound));
    assert_eq!(ctx.store.get_user(&ctx.scope(), &ctx.user_id()).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.delete_user(&other_scope, &u.id, None, &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.update_user(&other_scope, &u.id, Box::new(|_| Ok(true)), &stamp()).await,
        Err(StoreError::NotFound)
    );
}

pub async fn email_conflicts_are_case_insensitive_within_a_zone_only(ctx: Ctx) {
    let a = ctx.user("Jane@Example.com");
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    let b = ctx.user("jane@example.COM");
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &b, None, &stamp()).await,
        Err(StoreError::Conflict { field: "email" })
    );
    // Only ASCII folds: these differ.
    let c = ctx.user("JÄNE@example.com");
    let d = ctx.user("jäne@example.com");
    ctx.store.create_user(&ctx.scope(), &c, None, &stamp()).await.unwrap();
    ctx.store.create_user(&ctx.scope(), &d, None, &stamp()).await.unwrap();

    let scope = ctx.new_scope("other").await;
    let e = ctx.user_in(&scope, "JANE@EXAMPLE.COM");
    ctx.store.create_user(&scope, &e, None, &stamp()).await.unwrap();

    // The failed create left nothing behind: no user, no count.
    assert_eq!(ctx.store.get_user(&ctx.scope(), &b.id).await, Err(StoreError::NotFound));
    let page = ctx.store.list_users(&ctx.scope(), &all_query(10)).await.unwrap();
    assert_eq!(page.total, 3);
}

pub async fn identifier_subject_and_id_conflicts_name_their_field(ctx: Ctx) {
    let mut a = ctx.user("a@example.com");
    a.identifier = "Alice".into();
    a.issuer = Some("https://idp".into());
    a.subject = Some("s1".into());
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();

    let mut b = ctx.user("b@example.com");
    b.identifier = "aLICE".into();
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &b, None, &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );

    let mut c = ctx.user("c@example.com");
    c.issuer = Some("https://idp".into());
    c.subject = Some("s1".into());
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &c, None, &stamp()).await,
        Err(StoreError::Conflict { field: "subject" })
    );
    // Another issuer, a different-case subject, or no issuer: no clash.
    c.issuer = Some("https://other".into());
    ctx.store.create_user(&ctx.scope(), &c, None, &stamp()).await.unwrap();
    let mut d = ctx.user("d@example.com");
    d.issuer = Some("https://idp".into());
    d.subject = Some("S1".into());
    ctx.store.create_user(&ctx.scope(), &d, None, &stamp()).await.unwrap();
    let mut e = ctx.user("e@example.com");
    e.subject = Some("s1".into());
    ctx.store.create_user(&ctx.scope(), &e, None, &stamp()).await.unwrap();

    let mut again = ctx.user("f@example.com");
    again.id = a.id;
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &again, None, &stamp()).await,
        Err(StoreError::Conflict { field: "id" })
    );
}

pub async fn updates_write_the_closures_changes_and_conflicts_change_nothing(ctx: Ctx) {
    let a = ctx.user("a@example.com");
    let b = ctx.user("b@example.com");
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    ctx.store.create_user(&ctx.scope(), &b, None, &stamp()).await.unwrap();

    let updated = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|u: &mut User| {
                u.name = "Renamed".into();
                u.status = UserStatus::Disabled;
                {
                    let mut m = u.attributes.to_map();
                    m.insert("k".into(), json!("v"));
                    u.attributes = Attributes::from_map(&m);
                }
                u.description = None;
                u.authenticated_at = Some(ts(42));
                u.touch(ts(2_000), "key_b");
                Ok(true)
            }),
            &stamp(),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Renamed");
    assert_eq!(updated.version, a.version + 1);
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap(), updated);

    // Taking b's email (in another case) is a conflict and writes nothing.
    let r = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|u: &mut User| {
                u.email = "B@EXAMPLE.COM".into();
                u.status = UserStatus::Active;
                u.touch(ts(3_000), "key_c");
                Ok(true)
            }),
            &stamp(),
        )
        .await;
    assert_eq!(r, Err(StoreError::Conflict { field: "email" }));
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap(), updated);
    let r = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new({
                let taken = b.identifier.to_lowercase();
                move |u: &mut User| {
                    u.identifier = taken;
                    Ok(true)
                }
            }),
            &stamp(),
        )
        .await;
    assert_eq!(r, Err(StoreError::Conflict { field: "identifier" }));

    // The status counters moved with the committed update only.
    let mut q = all_query(10);
    q.filter.statuses = vec![UserStatus::Disabled];
    assert_eq!(ctx.store.list_users(&ctx.scope(), &q).await.unwrap().total, 1);
    q.filter.statuses = vec![UserStatus::Active];
    assert_eq!(ctx.store.list_users(&ctx.scope(), &q).await.unwrap().total, 1);
}

pub async fn an_update_that_changes_nothing_or_fails_writes_nothing(ctx: Ctx) {
    let a = ctx.user("a@example.com");
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    // Even a closure that mutated its copy but says "unchanged" is not
    // written: the stored row is returned.
    let same = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|u: &mut User| {
                u.name = "scratch".into();
                Ok(false)
            }),
            &stamp(),
        )
        .await
        .unwrap();
    assert_eq!(same, a);
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap(), a);

    let refused = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|u: &mut User| {
                u.name = "scratch".into();
                Err(DomainError::Invalid(ValidationError::new("name", "no")))
            }),
            &stamp(),
        )
        .await;
    assert_eq!(
        refused,
        Err(StoreError::Rejected(DomainError::Invalid(ValidationError::new("name", "no"))))
    );
    let stale = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|_| Err(DomainError::PreconditionFailed)),
            &stamp(),
        )
        .await;
    assert_eq!(stale, Err(StoreError::Rejected(DomainError::PreconditionFailed)));
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap(), a);
}

pub async fn deletes_check_the_expected_version_and_update_totals(ctx: Ctx) {
    let a = ctx.user("a@example.com");
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_user(&ctx.scope(), &a.id, Some(a.version + 1), &stamp()).await,
        Err(StoreError::Rejected(DomainError::PreconditionFailed))
    );
    assert!(ctx.store.get_user(&ctx.scope(), &a.id).await.is_ok());
    ctx.store.delete_user(&ctx.scope(), &a.id, Some(a.version), &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.delete_user(&ctx.scope(), &a.id, None, &stamp()).await,
        Err(StoreError::NotFound)
    );
    let b = ctx.user("b@example.com");
    ctx.store.create_user(&ctx.scope(), &b, None, &stamp()).await.unwrap();
    ctx.store.delete_user(&ctx.scope(), &b.id, None, &stamp()).await.unwrap();
    assert_eq!(ctx.store.list_users(&ctx.scope(), &all_query(5)).await.unwrap().total, 0);
    // The email is free again.
    let c = ctx.user("A@example.com");
    ctx.store.create_user(&ctx.scope(), &c, None, &stamp()).await.unwrap();
}

pub async fn an_unknown_provider_id_is_a_missing_reference(ctx: Ctx) {
    let mut a = ctx.user("a@example.com");
    a.provider_id = Some("idp_01ARZ3NDEKTSV4RRFFQ69G5FAV".into());
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await,
        Err(StoreError::MissingReference { field: "provider_id" })
    );
    a.provider_id = None;
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    let r = ctx
        .store
        .update_user(
            &ctx.scope(),
            &a.id,
            Box::new(|u: &mut User| {
                u.provider_id = Some("idp_x".into());
                Ok(true)
            }),
            &stamp(),
        )
        .await;
    assert_eq!(r, Err(StoreError::MissingReference { field: "provider_id" }));
    assert_eq!(ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap(), a);
}

/// Two nodes: one caches a zone's key, the other deletes the zone. The
/// first must not create users in the deleted zone.
pub async fn a_zone_deleted_by_another_node_takes_no_new_users(ctx: Ctx) {
    let zone = ctx.new_zone("doomed").await;
    let scope = ZoneScope { org: ctx.org.id, zone: zone.id };
    let other = ctx.another_node().await;
    // Warm the other node's cache.
    let probe = ctx.user_in(&scope, "probe@example.com");
    assert_eq!(other.get_user(&scope, &probe.id).await, Err(StoreError::NotFound));
    ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await.unwrap();
    assert_eq!(other.create_user(&scope, &probe, None, &stamp()).await, Err(StoreError::NotFound));
    let mut linked = probe.clone();
    linked.provider_id = Some("idp_x".into());
    assert_eq!(other.create_user(&scope, &linked, None, &stamp()).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.get_zone(&ctx.org.id, &ZoneRef::Id(zone.id)).await,
        Err(StoreError::NotFound)
    );
    other.close();
}

/// Read-modify-write is atomic (a row lock, a single writer): no increment
/// is lost.
pub async fn concurrent_updates_of_one_user_never_lose_a_change(ctx: Ctx) {
    let a = ctx.user("a@example.com");
    ctx.store.create_user(&ctx.scope(), &a, None, &stamp()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = ctx.store.clone();
        let scope = ctx.scope();
        let id = a.id;
        tasks.push(tokio::spawn(async move {
            store
                .update_user(
                    &scope,
                    &id,
                    Box::new(move |u: &mut User| {
                        let n = u.attributes.get("n").and_then(|v| v.as_i64()).unwrap_or(0);
                        {
                            let mut m = u.attributes.to_map();
                            m.insert("n".into(), json!(n + 1));
                            u.attributes = Attributes::from_map(&m);
                        }
                        u.status = if i % 2 == 0 { UserStatus::Risky } else { UserStatus::Active };
                        u.touch(ts(10_000 + i), "key_a");
                        Ok(true)
                    }),
                    &stamp(),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let got = ctx.store.get_user(&ctx.scope(), &a.id).await.unwrap();
    assert_eq!(got.attributes.get("n"), Some(json!(24)));
    assert_eq!(got.version, a.version + 24);
    let page = ctx.store.list_users(&ctx.scope(), &all_query(5)).await.unwrap();
    assert_eq!(page.total, 1);
    let mut q = all_query(5);
    q.filter.statuses = vec![got.status];
    assert_eq!(ctx.store.list_users(&ctx.scope(), &q).await.unwrap().total, 1);
}
