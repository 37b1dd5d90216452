//! The bench's admin key, and the roles, sessions and grants of the oldest
//! users (so the first pages have something to expand).

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

use roster_domain::ids::Ulid;
use roster_domain::{Timestamp, Window, ZoneId};
use roster_store::{Store, StoreError, ZoneScope};

use crate::bulk::stamp;
use crate::seed::count_query;

/// The admin key's organization, default zone and id, found by its secret.
pub async fn admin_scope(store: &Arc<dyn Store>, secret: &str) -> Result<(ZoneScope, String)> {
    let hash = roster_service::KeyCache::hash(secret);
    let key = store
        .find_api_key(&hash)
        .await
        .map_err(|e| anyhow!("looking up the bench admin key: {e}"))?
        .context(
            "the database was bootstrapped with a different admin key; \
             use a fresh database (drop --reuse) or the same ROSTER_BOOTSTRAP_API_KEY",
        )?;
    let zone: ZoneId = match key.default_zone_id {
        Some(zone) => zone,
        None => bail!("the bench admin key has no default zone"),
    };
    Ok((ZoneScope { org: key.organization_id, zone }, key.id.to_string()))
}

/// How many of the oldest users get roles, sessions and grants, so the
/// first pages have something to expand.
pub const ACCESS_USERS: u64 = 2000;

/// Gives the `ACCESS_USERS` oldest users role assignments, sessions and
/// grants (once: skipped when the `member` role exists).
pub async fn seed_access(store: &Arc<dyn Store>, scope: &ZoneScope) -> Result<u64> {
    use roster_domain::access::{Grant, Role, RoleAssignment, RoleRef, Session};
    use roster_domain::{GrantId, RoleAssignmentId, RoleId, SessionId};
    if store.get_role(scope, &RoleRef::Identifier("member".into())).await.is_ok() {
        return Ok(0);
    }
    let ids = roster_domain::IdGenerator::new();
    let now = Timestamp::now();
    let mut roles = Vec::new();
    for identifier in ["member", "admin", "billing"] {
        let role = Role {
            id: RoleId::from_ulid(ids.next(now.as_millis())),
            identifier: identifier.into(),
            name: identifier.into(),
            description: None,
            created_at: now,
            updated_at: now,
            external_id: None,
        };
        store
            .create_role(scope, &role, &stamp())
            .await
            .map_err(|e| anyhow!("creating role: {e}"))?;
        roles.push(role);
    }
    let mut oldest = count_query();
    oldest.window = Window::After { position: None, limit: ACCESS_USERS as usize };
    let users =
        store.list_users(scope, &oldest).await.map_err(|e| anyhow!("listing users: {e}"))?;
    let mut written = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in users.users.iter().enumerate() {
        let (i, user) = (i as u64, user.id);
        let store = store.clone();
        let scope = *scope;
        let roles: Vec<(RoleId, String)> =
            roles.iter().map(|r| (r.id, r.identifier.clone())).collect();
        let (a, b, c) =
            (ids.next(now.as_millis()), ids.next(now.as_millis()), ids.next(now.as_millis()));
        tasks.spawn(async move {
            let actor = "key_bench".to_owned();
            let mut n = 0u64;
            for (k, (role_id, identifier)) in roles.iter().enumerate() {
                if k == 0 || (i + k as u64).is_multiple_of(4) {
                    let id = RoleAssignmentId::from_ulid(ulid_plus(a, k as u128));
                    let assignment = RoleAssignment {
                        id,
                        user_id: user,
                        role_id: *role_id,
                        role_identifier: identifier.clone(),
                        scope: None,
                        created_at: now,
                        created_by: actor.clone(),
                    };
                    store
                        .create_role_assignment(&scope, &assignment, &stamp())
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                    n += 1;
                }
            }
            for k in 0..(1 + i % 3) {
                let session = Session {
                    id: SessionId::from_ulid(ulid_plus(b, u128::from(k))),
                    user_id: user,
                    provider_id: None,
                    created_at: now,
                    expires_at: None,
                    revoked_at: None,
                    created_by: actor.clone(),
                };
                match store.create_session(&scope, &session, &stamp()).await {
                    Ok(()) | Err(StoreError::UserDisabled) => {}
                    Err(e) => return Err(anyhow!("{e}")),
                }
                n += 1;
            }
            for k in 0..(i % 3) {
                let grant = Grant {
                    id: GrantId::from_ulid(ulid_plus(c, u128::from(k))),
                    user_id: user,
                    client_id: "bench-app".into(),
                    resource: "orders-api".into(),
                    scopes: vec!["read".into()],
                    created_at: now,
                    expires_at: None,
                    revoked_at: None,
                    created_by: actor.clone(),
                };
                match store.create_grant(&scope, &grant, &stamp()).await {
                    Ok(()) | Err(StoreError::UserDisabled) => {}
                    Err(e) => return Err(anyhow!("{e}")),
                }
                n += 1;
            }
            Ok::<u64, anyhow::Error>(n)
        });
        if tasks.len() >= 256
            && let Some(r) = tasks.join_next().await
        {
            written += r.map_err(|e| anyhow!("{e}"))??;
        }
    }
    while let Some(r) = tasks.join_next().await {
        written += r.map_err(|e| anyhow!("{e}"))??;
    }
    Ok(written)
}

/// A distinct id near `base` (ids only need to be unique here).
fn ulid_plus(base: Ulid, k: u128) -> Ulid {
    Ulid::from_parts(base.timestamp_ms(), base.random().wrapping_add(k << 40))
}
