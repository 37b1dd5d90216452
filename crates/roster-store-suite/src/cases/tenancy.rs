//! Organizations, zones and API keys.

use std::sync::Arc;

use roster_domain::{ApiKey, OrgId, Scope, ScopeSet, Zone, ZoneRef};
use roster_store::{IdWindow, StoreError, ZoneScope};

use super::listing::all_query;
use crate::backend::Database;
use crate::ctx::{Ctx, fixtures, stamp, ts};

pub async fn bootstrap_happens_once_and_names_the_default_organization(ctx: Ctx) {
    assert_eq!(ctx.store.default_organization().await.unwrap(), ctx.org);
    let ids = roster_domain::IdGenerator::new();
    let (org, zone, key, hash) = fixtures(&ids);
    assert!(!ctx.store.bootstrap(&org, &zone, &key, &hash, &stamp()).await.unwrap());
    assert_eq!(ctx.store.default_organization().await.unwrap(), ctx.org);
    assert_eq!(ctx.store.find_api_key(&ctx.key_hash).await.unwrap(), Some(ctx.key.clone()));
    assert_eq!(
        ctx.store.get_zone(&ctx.org.id, &ZoneRef::Identifier("default".into())).await.unwrap(),
        ctx.zone
    );
}

/// Two nodes starting on an empty database at once: one bootstrap runs.
pub async fn nodes_bootstrapping_together_make_one_organization(db: Arc<dyn Database>) {
    let a = db.open().await;
    let b = db.open().await;
    assert_eq!(a.default_organization().await, Err(StoreError::NotFound));
    let ids = roster_domain::IdGenerator::new();
    let (org_a, zone_a, key_a, hash_a) = fixtures(&ids);
    let (org_b, zone_b, key_b, _) = fixtures(&ids);
    let (stamp_a, stamp_b) = (stamp(), stamp());
    let (ra, rb) = tokio::join!(
        a.bootstrap(&org_a, &zone_a, &key_a, &hash_a, &stamp_a),
        b.bootstrap(&org_b, &zone_b, &key_b, &[9; 32], &stamp_b),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra ^ rb, "exactly one bootstrap runs: {ra} {rb}");
    let winner = if ra { org_a } else { org_b };
    assert_eq!(a.default_organization().await.unwrap(), winner);
    assert_eq!(b.default_organization().await.unwrap(), winner);
    a.close();
    b.close();
}

pub async fn zones_are_found_by_id_or_identifier_within_their_organization_only(ctx: Ctx) {
    let zone = ctx.new_zone("eu-west").await;
    let by_id = ctx.store.get_zone(&ctx.org.id, &ZoneRef::Id(zone.id)).await.unwrap();
    assert_eq!(by_id, zone);
    let by_ident = ctx.store.get_zone(&ctx.org.id, &ZoneRef::parse("EU-West")).await.unwrap();
    assert_eq!(by_ident, zone);
    let stranger = OrgId::from_ulid(ctx.ids.next(1));
    assert_eq!(
        ctx.store.get_zone(&stranger, &ZoneRef::Id(zone.id)).await,
        Err(StoreError::NotFound)
    );
    // A cached zone key is still checked against the organization.
    let foreign = ZoneScope { org: stranger, zone: zone.id };
    assert_eq!(ctx.store.get_user(&foreign, &ctx.user_id()).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.get_zone(&ctx.org.id, &ZoneRef::Identifier("nope".into())).await,
        Err(StoreError::NotFound)
    );
}

pub async fn zone_identifiers_are_unique_per_organization_and_zones_update(ctx: Ctx) {
    let zone = ctx.new_zone("one").await;
    let clash = Zone { id: ctx.zone_id(), ..zone.clone() };
    assert_eq!(
        ctx.store.create_zone(&clash, &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    let mut renamed = zone.clone();
    renamed.identifier = "uno".into();
    renamed.name = "Uno".into();
    renamed.updated_at = ts(99);
    ctx.store.update_zone(&renamed, &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_zone(&ctx.org.id, &ZoneRef::Id(zone.id)).await.unwrap(), renamed);
    let mut taken = renamed.clone();
    taken.identifier = "default".into();
    assert_eq!(
        ctx.store.update_zone(&taken, &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    let ghost = Zone { id: ctx.zone_id(), identifier: "ghost".into(), ..zone.clone() };
    assert_eq!(ctx.store.update_zone(&ghost, &stamp()).await, Err(StoreError::NotFound));
}

pub async fn zones_list_in_id_order_in_windows_both_ways(ctx: Ctx) {
    let mut zones = vec![ctx.zone.clone()];
    for i in 0..6 {
        zones.push(ctx.new_zone(&format!("z{i}")).await);
    }
    let all = |after: Option<[u8; 16]>, backwards: bool, limit: usize| IdWindow {
        after,
        backwards,
        limit,
    };
    let page = ctx.store.list_zones(&ctx.org.id, None, &all(None, false, 3)).await.unwrap();
    assert_eq!(page.items, zones[..3]);
    assert!(page.has_more);
    assert_eq!(page.total, 7);
    let page = ctx
        .store
        .list_zones(&ctx.org.id, None, &all(Some(zones[2].id.to_bytes()), false, 10))
        .await
        .unwrap();
    assert_eq!(page.items, zones[3..]);
    assert!(!page.has_more);
    let page = ctx
        .store
        .list_zones(&ctx.org.id, None, &all(Some(zones[5].id.to_bytes()), true, 2))
        .await
        .unwrap();
    assert_eq!(page.items, zones[3..5]);
    assert!(page.has_more);
    let only = [zones[1].id, zones[4].id, ctx.zone_id()];
    let page = ctx.store.list_zones(&ctx.org.id, Some(&only), &all(None, false, 10)).await.unwrap();
    assert_eq!(page.items, vec![zones[1].clone(), zones[4].clone()]);
    assert_eq!(page.total, 2);
    let page = ctx.store.list_zones(&ctx.org.id, Some(&[]), &all(None, false, 10)).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 0);
    let stranger = OrgId::from_ulid(ctx.ids.next(1));
    assert_eq!(
        ctx.store.list_zones(&stranger, None, &all(None, false, 10)).await.unwrap().total,
        0
    );
}

pub async fn only_empty_zones_can_be_deleted(ctx: Ctx) {
    let zone = ctx.new_zone("temp").await;
    let scope = ZoneScope { org: ctx.org.id, zone: zone.id };
    let u = ctx.user_in(&scope, "a@example.com");
    ctx.store.create_user(&scope, &u, None, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await,
        Err(StoreError::ZoneNotEmpty)
    );
    ctx.store.delete_user(&scope, &u.id, None, &stamp()).await.unwrap();
    let stranger = OrgId::from_ulid(ctx.ids.next(1));
    assert_eq!(
        ctx.store.delete_zone(&stranger, &zone.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.get_zone(&ctx.org.id, &ZoneRef::Id(zone.id)).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(ctx.store.get_user(&scope, &u.id).await, Err(StoreError::NotFound));
    assert_eq!(ctx.store.create_user(&scope, &u, None, &stamp()).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.delete_zone(&ctx.org.id, &zone.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    // The identifier is free again, and the new zone starts at zero.
    let scope = ctx.new_scope("temp").await;
    let page = ctx.store.list_users(&scope, &all_query(5)).await.unwrap();
    assert_eq!(page.total, 0);
}

fn key(ctx: &Ctx, name: &str, zones: Option<Vec<roster_domain::ZoneId>>) -> ApiKey {
    ApiKey {
        id: ctx.key_id(),
        organization_id: ctx.org.id,
        name: name.into(),
        scopes: ScopeSet::from_scopes([Scope::UsersWrite, Scope::UsersMetadata]),
        default_zone_id: zones.as_ref().and_then(|z| z.first().copied()),
        zones,
        created_at: ts(10),
        last_used_at: None,
        revoked_at: None,
    }
}

pub async fn api_keys_are_found_by_hash_listed_touched_and_revoked(ctx: Ctx) {
    let other = ctx.new_zone("other").await;
    let k1 = key(&ctx, "limited", Some(vec![other.id, ctx.zone.id]));
    let k2 = key(&ctx, "everything", None);
    ctx.store.create_api_key(&k1, &[1; 32]).await.unwrap();
    ctx.store.create_api_key(&k2, &[2; 32]).await.unwrap();
    assert_eq!(
        ctx.store.create_api_key(&key(&ctx, "dup", None), &[1; 32]).await,
        Err(StoreError::Conflict { field: "key" })
    );
    assert_eq!(ctx.store.find_api_key(&[1; 32]).await.unwrap(), Some(k1.clone()));
    assert_eq!(ctx.store.find_api_key(&[3; 32]).await.unwrap(), None);
    assert_eq!(ctx.store.get_api_key(&ctx.org.id, &k2.id).await.unwrap(), k2);
    let stranger = OrgId::from_ulid(ctx.ids.next(1));
    assert_eq!(ctx.store.get_api_key(&stranger, &k2.id).await, Err(StoreError::NotFound));

    let window = IdWindow { after: None, backwards: false, limit: 2 };
    let page = ctx.store.list_api_keys(&ctx.org.id, None, &window).await.unwrap();
    assert_eq!(page.items, vec![ctx.key.clone(), k1.clone()]);
    assert!(page.has_more);
    assert_eq!(page.total, 3);

    ctx.store.touch_api_key(&k1.id, ts(500)).await.unwrap();
    let touched = ctx.store.get_api_key(&ctx.org.id, &k1.id).await.unwrap();
    assert_eq!(touched.last_used_at, Some(ts(500)));

    ctx.store.revoke_api_key(&ctx.org.id, &k1.id, ts(600)).await.unwrap();
    assert_eq!(ctx.store.get_api_key(&ctx.org.id, &k1.id).await, Err(StoreError::NotFound));
    assert_eq!(
        ctx.store.revoke_api_key(&ctx.org.id, &k1.id, ts(601)).await,
        Err(StoreError::NotFound)
    );
    // Authentication still finds it, and sees that it is revoked.
    let found = ctx.store.find_api_key(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(ts(600)));
    let page = ctx
        .store
        .list_api_keys(&ctx.org.id, None, &IdWindow { limit: 10, ..window })
        .await
        .unwrap();
    assert_eq!(page.items, vec![ctx.key.clone(), k2.clone()]);
    assert_eq!(page.total, 2);
}

/// After `close`, calls answer `Unavailable` (the trait's promise).
pub async fn a_closed_store_is_unavailable(ctx: Ctx) {
    ctx.store.close();
    assert!(matches!(ctx.store.ping().await, Err(StoreError::Unavailable(_))));
    assert!(matches!(
        ctx.store.get_user(&ctx.scope(), &ctx.user_id()).await,
        Err(StoreError::Unavailable(_))
    ));
}
