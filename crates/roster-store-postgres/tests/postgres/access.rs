//! Roles, role assignments, sessions, grants, providers, sign-in and
//! expansions.

use std::collections::HashSet;
use std::sync::Arc;

use roster_domain::access::{
    AssignmentScope, Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session,
};
use roster_domain::{
    Direction, GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, Sort, SortField, SortKey,
    User, UserFilter, UserId, UserQuery, UserStatus, Window,
};
use roster_store::{ExpandRequest, IdWindow, Page, Store, StoreError, ZoneScope};
use roster_store_postgres::{PgOptions, PgStore};

use crate::support::{Ctx, Rng, check_walks, scalar, ts, with_store};

const NOW: i64 = 1_000;

pub fn role(ctx: &Ctx, identifier: &str) -> Role {
    Role {
        id: RoleId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        identifier: identifier.to_owned(),
        name: format!("Role {identifier}"),
        description: None,
        created_at: ts(10),
        updated_at: ts(10),
    }
}

pub fn provider(ctx: &Ctx, identifier: &str) -> Provider {
    Provider {
        id: ProviderId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        identifier: identifier.to_owned(),
        issuer: format!("https://{identifier}.example"),
        user_identifier_claim: None,
        created_at: ts(10),
        updated_at: ts(10),
    }
}

pub fn assignment(
    ctx: &Ctx,
    user: &UserId,
    role: &RoleId,
    scope: Option<(&str, &str)>,
) -> RoleAssignment {
    RoleAssignment {
        id: RoleAssignmentId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        role_id: *role,
        role_identifier: "not trusted".into(),
        scope: scope.map(|(kind, id)| AssignmentScope { kind: kind.into(), id: id.into() }),
        created_at: ts(20),
        created_by: "key_a".into(),
    }
}

/// A session authenticated `at` seconds in, expiring at `expires`.
pub fn session(ctx: &Ctx, user: &UserId, at: i64, expires: Option<i64>) -> Session {
    Session {
        id: SessionId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        provider_id: None,
        created_at: ts(at),
        expires_at: expires.map(ts),
        revoked_at: None,
        created_by: "key_a".into(),
    }
}

pub fn grant(ctx: &Ctx, user: &UserId, expires: Option<i64>) -> Grant {
    Grant {
        id: GrantId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        client_id: "client-1".into(),
        resource: "https://api.example/".into(),
        scopes: vec!["write".into(), "read".into(), "Read".into()],
        created_at: ts(30),
        expires_at: expires.map(ts),
        revoked_at: None,
        created_by: "key_a".into(),
    }
}

/// A first page of ten users matching `filter`, in the default order.
pub fn query(filter: UserFilter) -> UserQuery {
    UserQuery {
        filter,
        search: Vec::new(),
        sort: Sort::default(),
        ranked: false,
        window: Window::After { position: None, limit: 10 },
    }
}

pub fn first(limit: usize) -> IdWindow {
    IdWindow { after: None, backwards: false, limit }
}

async fn new_user(ctx: &Ctx, scope: &ZoneScope, email: &str) -> User {
    let u = ctx.user_in(scope, email);
    ctx.store.create_user(scope, &u, None).await.unwrap();
    u
}

fn disable() -> roster_store::UserUpdate {
    Box::new(|u: &mut User| {
        u.status = UserStatus::Disabled;
        u.updated_at = ts(500);
        u.version += 1;
        Ok(true)
    })
}

/// Walks a by-id listing forward and backward in windows of `limit` and
/// checks both walks against `want` (in id order), `has_more` and `total`.
async fn check_id_pages<T, F, Fut>(list: F, want: &[T], id_of: fn(&T) -> [u8; 16], limit: usize)
where
    T: Clone + PartialEq + std::fmt::Debug,
    F: Fn(IdWindow) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = list(IdWindow { after, backwards: false, limit }).await.unwrap();
        assert_eq!(page.total, want.len() as u64);
        got.extend(page.items.iter().cloned());
        assert_eq!(page.has_more, got.len() < want.len());
        match page.items.last() {
            Some(last) if page.has_more => after = Some(id_of(last)),
            _ => break,
        }
    }
    assert_eq!(got, want);
    let mut back: Vec<T> = Vec::new();
    let mut before = None;
    loop {
        let page = list(IdWindow { after: before, backwards: true, limit }).await.unwrap();
        let mut next = page.items.clone();
        next.extend(back);
        back = next;
        assert_eq!(page.has_more, back.len() < want.len());
        match page.items.first() {
            Some(first) if page.has_more => before = Some(id_of(first)),
            _ => break,
        }
    }
    assert_eq!(back, want);
}

#[tokio::test]
async fn roles_are_per_zone_with_opaque_identifiers_listed_by_id() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let mut roles = Vec::new();
        for ident in ["admin", "Admin", "viewer", "ops/on-call", "é"] {
            let r = role(&ctx, ident);
            ctx.store.create_role(&scope, &r).await.unwrap();
            roles.push(r);
        }
        // Case-sensitive: "admin" and "Admin" are two roles; the same
        // identifier twice is a conflict.
        assert_eq!(
            ctx.store.create_role(&scope, &role(&ctx, "admin")).await,
            Err(StoreError::Conflict { field: "identifier" })
        );
        // Another zone has its own identifiers.
        let other = ctx.new_zone("other").await;
        let other_scope = ZoneScope { org: ctx.org.id, zone: other.id };
        let elsewhere = role(&ctx, "admin");
        ctx.store.create_role(&other_scope, &elsewhere).await.unwrap();

        for r in &roles {
            assert_eq!(ctx.store.get_role(&scope, &RoleRef::Id(r.id)).await.unwrap(), *r);
            let by_ident = RoleRef::Identifier(r.identifier.clone());
            assert_eq!(ctx.store.get_role(&scope, &by_ident).await.unwrap(), *r);
        }
        let upper = RoleRef::Identifier("ADMIN".into());
        assert_eq!(ctx.store.get_role(&scope, &upper).await, Err(StoreError::NotFound));
        let foreign = RoleRef::Id(elsewhere.id);
        assert_eq!(ctx.store.get_role(&scope, &foreign).await, Err(StoreError::NotFound));

        for limit in [1, 2, 3, 5, 10] {
            let store = ctx.store.clone();
            check_id_pages(
                |w| {
                    let store = store.clone();
                    async move { store.list_roles(&scope, &w).await }
                },
                &roles,
                |r| r.id.to_bytes(),
                limit,
            )
            .await;
        }

        // Updates: a taken identifier conflicts, a free one moves.
        let mut viewer = roles[2].clone();
        viewer.identifier = "Admin".into();
        assert_eq!(
            ctx.store.update_role(&scope, &viewer).await,
            Err(StoreError::Conflict { field: "identifier" })
        );
        viewer.identifier = "reader".into();
        viewer.description = Some("reads".into());
        viewer.updated_at = ts(11);
        ctx.store.update_role(&scope, &viewer).await.unwrap();
        assert_eq!(
            ctx.store.get_role(&scope, &RoleRef::Identifier("reader".into())).await.unwrap(),
            viewer
        );
        // A role of another zone cannot be updated or deleted through this one.
        assert_eq!(ctx.store.update_role(&scope, &elsewhere).await, Err(StoreError::NotFound));
        assert_eq!(ctx.store.delete_role(&scope, &elsewhere.id).await, Err(StoreError::NotFound));

        ctx.store.delete_role(&scope, &roles[0].id).await.unwrap();
        assert_eq!(ctx.store.delete_role(&scope, &roles[0].id).await, Err(StoreError::NotFound));
        assert_eq!(ctx.store.list_roles(&scope, &first(10)).await.unwrap().total, 4);
        // The identifier is free again.
        ctx.store.create_role(&scope, &role(&ctx, "admin")).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn role_assignments_check_user_role_and_uniqueness() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let admin = role(&ctx, "admin");
        ctx.store.create_role(&scope, &admin).await.unwrap();

        let a = assignment(&ctx, &u.id, &admin.id, None);
        let stored = ctx.store.create_role_assignment(&scope, &a).await.unwrap();
        // The identifier is the role's, not the caller's.
        assert_eq!(stored.role_identifier, "admin");
        assert_eq!(stored, RoleAssignment { role_identifier: "admin".into(), ..a.clone() });

        // The same role unscoped twice, or with the same scope twice.
        let again = assignment(&ctx, &u.id, &admin.id, None);
        assert_eq!(
            ctx.store.create_role_assignment(&scope, &again).await,
            Err(StoreError::Conflict { field: "role_id" })
        );
        let scoped = assignment(&ctx, &u.id, &admin.id, Some(("project", "p1")));
        let scoped = ctx.store.create_role_assignment(&scope, &scoped).await.unwrap();
        let twin = assignment(&ctx, &u.id, &admin.id, Some(("project", "p1")));
        assert_eq!(
            ctx.store.create_role_assignment(&scope, &twin).await,
            Err(StoreError::Conflict { field: "role_id" })
        );
        let other_scope = assignment(&ctx, &u.id, &admin.id, Some(("project", "P1")));
        let other_scope = ctx.store.create_role_assignment(&scope, &other_scope).await.unwrap();

        // A missing role is a missing reference; a user outside the zone is
        // not found, whatever the role.
        let ghost = assignment(&ctx, &u.id, &RoleId::from_ulid(ctx.ids.next(1)), None);
        assert_eq!(
            ctx.store.create_role_assignment(&scope, &ghost).await,
            Err(StoreError::MissingReference { field: "role_id" })
        );
        let nobody = assignment(&ctx, &ctx.user_id(), &admin.id, None);
        assert_eq!(
            ctx.store.create_role_assignment(&scope, &nobody).await,
            Err(StoreError::NotFound)
        );
        let nobody_no_role = assignment(&ctx, &ctx.user_id(), &ghost.role_id, None);
        assert_eq!(
            ctx.store.create_role_assignment(&scope, &nobody_no_role).await,
            Err(StoreError::NotFound)
        );
        // A role of another zone is missing here.
        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        let foreign = role(&ctx, "admin");
        ctx.store.create_role(&scope2, &foreign).await.unwrap();
        assert_eq!(
            ctx.store
                .create_role_assignment(&scope, &assignment(&ctx, &u.id, &foreign.id, None))
                .await,
            Err(StoreError::MissingReference { field: "role_id" })
        );

        let want = vec![stored.clone(), scoped.clone(), other_scope.clone()];
        for limit in [1, 2, 3, 4] {
            let store = ctx.store.clone();
            let uid = u.id;
            check_id_pages(
                |w| {
                    let store = store.clone();
                    async move { store.list_role_assignments(&scope, &uid, &w).await }
                },
                &want,
                |a| a.id.to_bytes(),
                limit,
            )
            .await;
        }
        // Renaming the role shows in its assignments.
        let renamed = Role { identifier: "boss".into(), ..admin.clone() };
        ctx.store.update_role(&scope, &renamed).await.unwrap();
        let page = ctx.store.list_role_assignments(&scope, &u.id, &first(10)).await.unwrap();
        assert!(page.items.iter().all(|a| a.role_identifier == "boss"));
        // Unknown users are not found, in this zone or through another.
        assert_eq!(
            ctx.store.list_role_assignments(&scope, &ctx.user_id(), &first(10)).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.list_role_assignments(&scope2, &u.id, &first(10)).await,
            Err(StoreError::NotFound)
        );

        // Deleting: through the wrong user or zone is not found.
        let v = new_user(&ctx, &scope, "v@example.com").await;
        assert_eq!(
            ctx.store.delete_role_assignment(&scope, &v.id, &stored.id).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.delete_role_assignment(&scope2, &u.id, &stored.id).await,
            Err(StoreError::NotFound)
        );
        ctx.store.delete_role_assignment(&scope, &u.id, &stored.id).await.unwrap();
        assert_eq!(
            ctx.store.delete_role_assignment(&scope, &u.id, &stored.id).await,
            Err(StoreError::NotFound)
        );
        // The unscoped assignment can be made again.
        let again = assignment(&ctx, &u.id, &admin.id, None);
        ctx.store.create_role_assignment(&scope, &again).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn deleting_a_user_or_a_role_takes_what_hangs_off_it() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let (u, v) = (
            new_user(&ctx, &scope, "u@example.com").await,
            new_user(&ctx, &scope, "v@example.com").await,
        );
        let (r1, r2) = (role(&ctx, "r1"), role(&ctx, "r2"));
        ctx.store.create_role(&scope, &r1).await.unwrap();
        ctx.store.create_role(&scope, &r2).await.unwrap();
        for user in [&u, &v] {
            for r in [&r1, &r2] {
                let a = assignment(&ctx, &user.id, &r.id, None);
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
            }
            ctx.store.create_session(&scope, &session(&ctx, &user.id, 50, None)).await.unwrap();
            ctx.store.create_grant(&scope, &grant(&ctx, &user.id, None)).await.unwrap();
        }
        let count = |table: &str| format!("SELECT count(*) FROM {table}");
        assert_eq!(scalar(&ctx.url, &count("role_assignments")).await, 4);

        ctx.store.delete_user(&scope, &u.id, None).await.unwrap();
        assert_eq!(scalar(&ctx.url, &count("role_assignments")).await, 2);
        assert_eq!(scalar(&ctx.url, &count("sessions")).await, 1);
        assert_eq!(scalar(&ctx.url, &count("grants")).await, 1);
        for table in ["sessions", "grants", "role_assignments"] {
            let orphans =
                format!("SELECT count(*) FROM {table} WHERE user_id NOT IN (SELECT id FROM users)");
            assert_eq!(scalar(&ctx.url, &orphans).await, 0);
        }

        let v = ctx.store.get_user(&scope, &v.id).await.unwrap();
        ctx.store.delete_role(&scope, &r1.id).await.unwrap();
        let left = ctx.store.list_role_assignments(&scope, &v.id, &first(10)).await.unwrap();
        assert_eq!(left.items.len(), 1);
        assert_eq!(left.items[0].role_id, r2.id);
        // The user itself is untouched.
        assert_eq!(ctx.store.get_user(&scope, &v.id).await.unwrap(), v);
    })
    .await;
}

#[tokio::test]
async fn the_role_filter_lists_holders_in_any_scope() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let mut rng = Rng::new(7);
        let users = crate::support::random_users(&ctx, &scope, &mut rng, 40);
        for u in &users {
            ctx.store.create_user(&scope, u, None).await.unwrap();
        }
        let (ra, rb) = (role(&ctx, "a"), role(&ctx, "b"));
        ctx.store.create_role(&scope, &ra).await.unwrap();
        ctx.store.create_role(&scope, &rb).await.unwrap();
        let mut holders_a = Vec::new();
        for (i, u) in users.iter().enumerate() {
            if i % 3 == 0 {
                // Held twice (two scopes): listed once.
                let a = assignment(&ctx, &u.id, &ra.id, None);
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
                let a = assignment(&ctx, &u.id, &ra.id, Some(("team", "x")));
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
                holders_a.push(u.clone());
            } else if i % 3 == 1 {
                // Only in a scope.
                let a = assignment(&ctx, &u.id, &ra.id, Some(("team", "y")));
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
                holders_a.push(u.clone());
            } else if i % 5 == 0 {
                let a = assignment(&ctx, &u.id, &rb.id, None);
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
            }
        }
        let holding = UserFilter { role: Some(ra.id), ..Default::default() };
        let queries = [
            query(holding.clone()),
            UserQuery {
                sort: Sort {
                    keys: vec![SortKey { field: SortField::Email, direction: Direction::Desc }],
                },
                ..query(UserFilter {
                    statuses: vec![UserStatus::Active, UserStatus::Disabled],
                    ..holding.clone()
                })
            },
            UserQuery { search: vec!["a".into()], ranked: true, ..query(holding.clone()) },
        ];
        // `UserQuery::matches` leaves the role to the backends: the domain's
        // answer over the holders is the answer.
        for q in &queries {
            for limit in [1, 4, 50] {
                check_walks(&*ctx.store, &scope, &holders_a, q, limit).await;
            }
        }
        let nobody = query(UserFilter {
            role: Some(RoleId::from_ulid(ctx.ids.next(1))),
            ..Default::default()
        });
        let page = ctx.store.list_users(&scope, &nobody).await.unwrap();
        assert!(page.users.is_empty());
        assert_eq!(page.total, 0);
    })
    .await;
}

#[tokio::test]
async fn sessions_move_authenticated_at_forward_and_the_version_on() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        assert_eq!(u.authenticated_at, None);
        let s1 = session(&ctx, &u.id, 100, Some(5_000));
        ctx.store.create_session(&scope, &s1).await.unwrap();
        let after1 = ctx.store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(after1.authenticated_at, Some(ts(100)));
        assert_eq!(after1.version, u.version + 1);
        assert_eq!(after1.updated_at, u.updated_at);
        // An older authentication recorded late does not move it back, but
        // the user still changed.
        let s0 = session(&ctx, &u.id, 90, None);
        ctx.store.create_session(&scope, &s0).await.unwrap();
        let after0 = ctx.store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(after0.authenticated_at, Some(ts(100)));
        assert_eq!(after0.version, u.version + 2);
        let s2 = session(&ctx, &u.id, 200, None);
        ctx.store.create_session(&scope, &s2).await.unwrap();
        assert_eq!(
            ctx.store.get_user(&scope, &u.id).await.unwrap().authenticated_at,
            Some(ts(200))
        );

        let want = vec![s1.clone(), s0.clone(), s2.clone()];
        for limit in [1, 2, 3] {
            let store = ctx.store.clone();
            let uid = u.id;
            check_id_pages(
                |w| {
                    let store = store.clone();
                    async move { store.list_sessions(&scope, &uid, &w).await }
                },
                &want,
                |s| s.id.to_bytes(),
                limit,
            )
            .await;
        }

        // Revoking twice keeps the first instant.
        let revoked = ctx.store.revoke_session(&scope, &u.id, &s1.id, ts(300)).await.unwrap();
        assert_eq!(revoked, Session { revoked_at: Some(ts(300)), ..s1.clone() });
        let again = ctx.store.revoke_session(&scope, &u.id, &s1.id, ts(400)).await.unwrap();
        assert_eq!(again, revoked);
        // Through the wrong user, an unknown session, or a user not in the zone.
        let v = new_user(&ctx, &scope, "v@example.com").await;
        assert_eq!(
            ctx.store.revoke_session(&scope, &v.id, &s2.id, ts(300)).await,
            Err(StoreError::NotFound)
        );
        let unknown = SessionId::from_ulid(ctx.ids.next(1));
        assert_eq!(
            ctx.store.revoke_session(&scope, &u.id, &unknown, ts(300)).await,
            Err(StoreError::NotFound)
        );
        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        assert_eq!(
            ctx.store.revoke_session(&scope2, &u.id, &s2.id, ts(300)).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.list_sessions(&scope2, &u.id, &first(5)).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.create_session(&scope2, &session(&ctx, &u.id, 1, None)).await,
            Err(StoreError::NotFound)
        );
        let page = ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap();
        assert_eq!(page.items[0].revoked_at, Some(ts(300)));
        assert_eq!(page.items[2].revoked_at, None);
    })
    .await;
}

#[tokio::test]
async fn sessions_refuse_disabled_users_and_foreign_providers() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let idp = provider(&ctx, "corp");
        ctx.store.create_provider(&scope, &idp).await.unwrap();
        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        let foreign = provider(&ctx, "corp");
        ctx.store.create_provider(&scope2, &foreign).await.unwrap();

        let mut s = session(&ctx, &u.id, 100, None);
        s.provider_id = Some(ProviderId::from_ulid(ctx.ids.next(1)));
        assert_eq!(
            ctx.store.create_session(&scope, &s).await,
            Err(StoreError::MissingReference { field: "provider_id" })
        );
        s.provider_id = Some(foreign.id);
        assert_eq!(
            ctx.store.create_session(&scope, &s).await,
            Err(StoreError::MissingReference { field: "provider_id" })
        );
        // Nothing was recorded by the refusals.
        assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), u);
        s.provider_id = Some(idp.id);
        ctx.store.create_session(&scope, &s).await.unwrap();
        let page = ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap();
        assert_eq!(page.items, vec![s.clone()]);

        ctx.store.update_user(&scope, &u.id, disable()).await.unwrap();
        let before = ctx.store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(
            ctx.store.create_session(&scope, &session(&ctx, &u.id, 600, None)).await,
            Err(StoreError::UserDisabled)
        );
        assert_eq!(
            ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None)).await,
            Err(StoreError::UserDisabled)
        );
        assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), before);
        // Disabled users still list and still take roles.
        assert_eq!(ctx.store.list_sessions(&scope, &u.id, &first(5)).await.unwrap().total, 1);
        let r = role(&ctx, "r");
        ctx.store.create_role(&scope, &r).await.unwrap();
        let a = assignment(&ctx, &u.id, &r.id, None);
        ctx.store.create_role_assignment(&scope, &a).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn grants_keep_their_scopes_and_revoke_once() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let mut grants = Vec::new();
        for i in 0..4 {
            let mut g = grant(&ctx, &u.id, (i % 2 == 0).then_some(9_000));
            g.scopes = (0..i).map(|k| format!("scope-{}", 3 - k)).collect();
            ctx.store.create_grant(&scope, &g).await.unwrap();
            grants.push(g);
        }
        for limit in [1, 3, 4] {
            let store = ctx.store.clone();
            let uid = u.id;
            check_id_pages(
                |w| {
                    let store = store.clone();
                    async move { store.list_grants(&scope, &uid, &w).await }
                },
                &grants,
                |g| g.id.to_bytes(),
                limit,
            )
            .await;
        }
        let revoked = ctx.store.revoke_grant(&scope, &u.id, &grants[1].id, ts(70)).await.unwrap();
        assert_eq!(revoked, Grant { revoked_at: Some(ts(70)), ..grants[1].clone() });
        assert_eq!(
            ctx.store.revoke_grant(&scope, &u.id, &grants[1].id, ts(80)).await.unwrap(),
            revoked
        );
        let v = new_user(&ctx, &scope, "v@example.com").await;
        assert_eq!(
            ctx.store.revoke_grant(&scope, &v.id, &grants[0].id, ts(80)).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.create_grant(&scope, &grant(&ctx, &ctx.user_id(), None)).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            ctx.store.list_grants(&scope, &ctx.user_id(), &first(3)).await,
            Err(StoreError::NotFound)
        );
        // Granting does not touch the user.
        assert_eq!(ctx.store.get_user(&scope, &u.id).await.unwrap(), u);
    })
    .await;
}

#[tokio::test]
async fn disabling_a_user_revokes_its_live_sessions_and_grants() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let bystander = new_user(&ctx, &scope, "b@example.com").await;
        let live = session(&ctx, &u.id, 100, None);
        let expired = session(&ctx, &u.id, 100, Some(200));
        let earlier = session(&ctx, &u.id, 100, None);
        for s in [&live, &expired, &earlier] {
            ctx.store.create_session(&scope, s).await.unwrap();
        }
        ctx.store.revoke_session(&scope, &u.id, &earlier.id, ts(150)).await.unwrap();
        let g_live = grant(&ctx, &u.id, None);
        let g_old = grant(&ctx, &u.id, None);
        ctx.store.create_grant(&scope, &g_live).await.unwrap();
        ctx.store.create_grant(&scope, &g_old).await.unwrap();
        ctx.store.revoke_grant(&scope, &u.id, &g_old.id, ts(160)).await.unwrap();
        let other = session(&ctx, &bystander.id, 100, None);
        ctx.store.create_session(&scope, &other).await.unwrap();

        // Another change leaves them alone.
        ctx.store
            .update_user(
                &scope,
                &u.id,
                Box::new(|u: &mut User| {
                    u.status = UserStatus::Suspended;
                    Ok(true)
                }),
            )
            .await
            .unwrap();
        let sessions = ctx.store.list_sessions(&scope, &u.id, &first(10)).await.unwrap();
        assert_eq!(sessions.items.iter().filter(|s| s.revoked_at.is_none()).count(), 2);

        let disabled = ctx.store.update_user(&scope, &u.id, disable()).await.unwrap();
        assert_eq!(disabled.status, UserStatus::Disabled);
        let sessions = ctx.store.list_sessions(&scope, &u.id, &first(10)).await.unwrap();
        let revoked: Vec<_> = sessions.items.iter().map(|s| (s.id, s.revoked_at)).collect();
        assert_eq!(
            revoked,
            vec![
                (live.id, Some(ts(500))),
                (expired.id, Some(ts(500))),
                (earlier.id, Some(ts(150))),
            ]
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
    })
    .await;
}

/// A session recorded while the user is being disabled either fails or is
/// revoked with the rest: no live session of a disabled user survives.
#[tokio::test(flavor = "multi_thread")]
async fn no_session_or_grant_outlives_a_concurrent_disabling() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let other = Arc::new(PgStore::connect(&ctx.url, &PgOptions::default()).await.unwrap());
        for round in 0..25 {
            let u = new_user(&ctx, &scope, &format!("r{round}@example.com")).await;
            let mut tasks = Vec::new();
            for k in 0..4 {
                let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
                let s = session(&ctx, &u.id, 100 + k, None);
                let g = grant(&ctx, &u.id, None);
                tasks.push(tokio::spawn(async move {
                    let a = store.create_session(&scope, &s).await;
                    let b = store.create_grant(&scope, &g).await;
                    for r in [a, b] {
                        assert!(matches!(r, Ok(()) | Err(StoreError::UserDisabled)), "{r:?}");
                    }
                }));
            }
            let store = ctx.store.clone();
            let uid = u.id;
            tasks.push(tokio::spawn(async move {
                store.update_user(&scope, &uid, disable()).await.unwrap();
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
    })
    .await;
}

#[tokio::test]
async fn providers_are_per_zone_found_by_id_or_identifier() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let mut all = Vec::new();
        for ident in ["corp", "Corp", "google", "idp_not_an_id"] {
            let p = provider(&ctx, ident);
            ctx.store.create_provider(&scope, &p).await.unwrap();
            all.push(p);
        }
        assert_eq!(
            ctx.store.create_provider(&scope, &provider(&ctx, "corp")).await,
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
        for limit in [1, 3, 4] {
            let store = ctx.store.clone();
            check_id_pages(
                |w| {
                    let store = store.clone();
                    async move { store.list_providers(&scope, &w).await }
                },
                &all,
                |p| p.id.to_bytes(),
                limit,
            )
            .await;
        }
        let mut google = all[2].clone();
        google.identifier = "Corp".into();
        assert_eq!(
            ctx.store.update_provider(&scope, &google).await,
            Err(StoreError::Conflict { field: "identifier" })
        );
        google.identifier = "gmail".into();
        google.user_identifier_claim = Some("preferred_username".into());
        google.updated_at = ts(12);
        ctx.store.update_provider(&scope, &google).await.unwrap();
        assert_eq!(ctx.store.get_provider(&scope, "gmail").await.unwrap(), google);

        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        assert_eq!(
            ctx.store.get_provider(&scope2, &google.id.to_string()).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(ctx.store.update_provider(&scope2, &google).await, Err(StoreError::NotFound));
        assert_eq!(ctx.store.delete_provider(&scope2, &google.id).await, Err(StoreError::NotFound));
        ctx.store.create_provider(&scope2, &provider(&ctx, "corp")).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn users_provider_id_names_a_provider_of_the_zone_and_outlives_it() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let idp = provider(&ctx, "corp");
        ctx.store.create_provider(&scope, &idp).await.unwrap();
        let keep = provider(&ctx, "keep");
        ctx.store.create_provider(&scope, &keep).await.unwrap();
        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        let foreign = provider(&ctx, "corp");
        ctx.store.create_provider(&scope2, &foreign).await.unwrap();

        let mut a = ctx.user("a@example.com");
        a.provider_id = Some(foreign.id.to_string());
        assert_eq!(
            ctx.store.create_user(&scope, &a, None).await,
            Err(StoreError::MissingReference { field: "provider_id" })
        );
        a.provider_id = Some("corp".into()); // an identifier is not an id
        assert_eq!(
            ctx.store.create_user(&scope, &a, None).await,
            Err(StoreError::MissingReference { field: "provider_id" })
        );
        a.provider_id = Some(idp.id.to_string());
        ctx.store.create_user(&scope, &a, None).await.unwrap();
        // The id as the client spelled it, lower-case ULID included.
        let mut b = ctx.user("b@example.com");
        b.provider_id = Some(format!("idp_{}", &idp.id.to_string()[4..].to_ascii_lowercase()));
        ctx.store.create_user(&scope, &b, None).await.unwrap();
        assert_eq!(ctx.store.get_user(&scope, &b.id).await.unwrap(), b);
        let mut c = ctx.user("c@example.com");
        c.provider_id = Some(keep.id.to_string());
        ctx.store.create_user(&scope, &c, None).await.unwrap();
        // Linking by update is checked the same way.
        let d = new_user(&ctx, &scope, "d@example.com").await;
        let link = |p: String| -> roster_store::UserUpdate {
            Box::new(move |u: &mut User| {
                u.provider_id = Some(p);
                u.version += 1;
                Ok(true)
            })
        };
        assert_eq!(
            ctx.store.update_user(&scope, &d.id, link(foreign.id.to_string())).await,
            Err(StoreError::MissingReference { field: "provider_id" })
        );
        let d = ctx.store.update_user(&scope, &d.id, link(idp.id.to_string())).await.unwrap();
        let filtered =
            |p: &str| query(UserFilter { provider_id: Some(p.to_owned()), ..Default::default() });
        let page = ctx.store.list_users(&scope, &filtered(&idp.id.to_string())).await.unwrap();
        assert_eq!(page.users, vec![a.clone(), d.clone()]);

        let mut s = session(&ctx, &a.id, 100, None);
        s.provider_id = Some(idp.id);
        ctx.store.create_session(&scope, &s).await.unwrap();
        let a = ctx.store.get_user(&scope, &a.id).await.unwrap();
        let mut ks = session(&ctx, &c.id, 100, None);
        ks.provider_id = Some(keep.id);
        ctx.store.create_session(&scope, &ks).await.unwrap();
        let c = ctx.store.get_user(&scope, &c.id).await.unwrap();

        ctx.store.delete_provider(&scope, &idp.id).await.unwrap();
        assert_eq!(ctx.store.delete_provider(&scope, &idp.id).await, Err(StoreError::NotFound));
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
    })
    .await;
}

/// Users linked to a provider, updated and signing in through it while the
/// provider is deleted, and new users linked to it meanwhile: every link is
/// either refused or undone by the deletion, and nobody deadlocks (which
/// would surface as `Unavailable`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_user_stays_linked_to_a_provider_deleted_concurrently() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let other = Arc::new(PgStore::connect(&ctx.url, &PgOptions::default()).await.unwrap());
        let refused = |r: &Result<(), StoreError>| {
            matches!(r, Ok(()) | Err(StoreError::MissingReference { field: "provider_id" }))
        };
        for round in 0..25 {
            let idp = provider(&ctx, &format!("p{round}"));
            ctx.store.create_provider(&scope, &idp).await.unwrap();
            let mut made = Vec::new();
            let mut linked = Vec::new();
            for k in 0..3 {
                let u =
                    linked_user(&ctx, &idp, &format!("r{round}-{k}"), &format!("l{round}-{k}@x"));
                ctx.store.create_user(&scope, &u, None).await.unwrap();
                linked.push(u);
            }
            let mut tasks = Vec::new();
            for k in 0..4 {
                let mut u = ctx.user(&format!("r{round}-{k}@example.com"));
                u.provider_id = Some(idp.id.to_string());
                made.push(u.id);
                let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
                tasks.push(tokio::spawn(async move {
                    let r = store.create_user(&scope, &u, None).await;
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
                    let r = store.update_user(&scope, &uid, touch).await.map(|_| ());
                    assert!(refused(&r), "{r:?}");
                    let r = store.create_session(&scope, &s).await;
                    assert!(refused(&r), "{r:?}");
                    let r = store.sign_in(&scope, &issuer, &subject, None, &s2).await.map(|_| ());
                    assert!(refused(&r), "{r:?}");
                }));
            }
            let store = other.clone();
            let pid = idp.id;
            tasks.push(tokio::spawn(async move {
                store.delete_provider(&scope, &pid).await.unwrap();
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
    })
    .await;
}

#[tokio::test]
async fn deleting_a_zone_without_users_takes_its_roles_and_providers() {
    with_store(|ctx| async move {
        let zone = ctx.new_zone("doomed").await;
        let scope = ZoneScope { org: ctx.org.id, zone: zone.id };
        let r = role(&ctx, "admin");
        ctx.store.create_role(&scope, &r).await.unwrap();
        let p = provider(&ctx, "corp");
        ctx.store.create_provider(&scope, &p).await.unwrap();
        // Not while it holds a user.
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let a = assignment(&ctx, &u.id, &r.id, None);
        ctx.store.create_role_assignment(&scope, &a).await.unwrap();
        assert_eq!(
            ctx.store.delete_zone(&ctx.org.id, &zone.id).await,
            Err(StoreError::ZoneNotEmpty)
        );
        ctx.store.delete_user(&scope, &u.id, None).await.unwrap();
        ctx.store.delete_zone(&ctx.org.id, &zone.id).await.unwrap();
        assert_eq!(scalar(&ctx.url, "SELECT count(*) FROM roles").await, 0);
        assert_eq!(scalar(&ctx.url, "SELECT count(*) FROM providers").await, 0);
        assert_eq!(
            ctx.store.create_role(&scope, &role(&ctx, "x")).await,
            Err(StoreError::NotFound)
        );
        // Another node that cached the zone cannot add to it either.
        let other = PgStore::connect(&ctx.url, &PgOptions::default()).await.unwrap();
        let zone2 = ctx.new_zone("doomed2").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        other.list_roles(&scope2, &first(1)).await.unwrap();
        ctx.store.delete_zone(&ctx.org.id, &zone2.id).await.unwrap();
        assert_eq!(other.create_role(&scope2, &role(&ctx, "x")).await, Err(StoreError::NotFound));
        assert_eq!(
            other.create_provider(&scope2, &provider(&ctx, "x")).await,
            Err(StoreError::NotFound)
        );
        other.close();
    })
    .await;
}

fn linked_user(ctx: &Ctx, idp: &Provider, subject: &str, email: &str) -> User {
    let mut u = ctx.user(email);
    u.issuer = Some(idp.issuer.clone());
    u.subject = Some(subject.to_owned());
    u.provider_id = Some(idp.id.to_string());
    u
}

fn sign_in_session(ctx: &Ctx, idp: &Provider, at: i64) -> Session {
    Session {
        // Replaced by the user's.
        user_id: UserId::from_bytes([0; 16]),
        provider_id: Some(idp.id),
        ..session(ctx, &UserId::from_bytes([0; 16]), at, Some(NOW * 10))
    }
}

#[tokio::test]
async fn sign_in_finds_or_creates_the_subject_and_records_a_session() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let idp = provider(&ctx, "corp");
        ctx.store.create_provider(&scope, &idp).await.unwrap();
        let s0 = sign_in_session(&ctx, &idp, 100);
        // Nobody to find and nothing to create.
        assert_eq!(
            ctx.store.sign_in(&scope, &idp.issuer, "sub-1", None, &s0).await,
            Err(StoreError::NotFound)
        );
        let fresh = linked_user(&ctx, &idp, "sub-1", "one@example.com");
        let first_in =
            ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&fresh), &s0).await.unwrap();
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
        let again =
            ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&offered), &s1).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.user.id, fresh.id);
        assert_eq!(again.user.authenticated_at, Some(ts(200)));
        assert_eq!(again.user.version, fresh.version + 2);
        assert_eq!(again.session.user_id, fresh.id);
        // Finding needs no new user.
        let s1b = sign_in_session(&ctx, &idp, 150);
        let found = ctx.store.sign_in(&scope, &idp.issuer, "sub-1", None, &s1b).await.unwrap();
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
            ctx.store.sign_in(&scope, &idp.issuer, "SUB-1", Some(&other), &s2).await.unwrap();
        assert!(second.created);
        assert_ne!(second.user.id, fresh.id);

        // A new user clashing on email is a conflict, and nothing is kept.
        let s3 = sign_in_session(&ctx, &idp, 400);
        let clash = linked_user(&ctx, &idp, "sub-3", "ONE@example.com");
        assert_eq!(
            ctx.store.sign_in(&scope, &idp.issuer, "sub-3", Some(&clash), &s3).await,
            Err(StoreError::Conflict { field: "email" })
        );
        assert_eq!(ctx.store.get_user(&scope, &clash.id).await, Err(StoreError::NotFound));

        // A disabled user cannot sign in.
        ctx.store.update_user(&scope, &fresh.id, disable()).await.unwrap();
        let before = ctx.store.get_user(&scope, &fresh.id).await.unwrap();
        let s4 = sign_in_session(&ctx, &idp, 500);
        assert_eq!(
            ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&offered), &s4).await,
            Err(StoreError::UserDisabled)
        );
        assert_eq!(ctx.store.get_user(&scope, &fresh.id).await.unwrap(), before);
        let sessions = ctx.store.list_sessions(&scope, &fresh.id, &first(10)).await.unwrap();
        assert_eq!(sessions.total, 3);
    })
    .await;
}

/// Many first sign-ins of one subject at once, through two nodes, each
/// offering its own new user with the same claims: one user is made, every
/// sign-in gets a session on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_sign_ins_of_one_subject_make_one_user() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let idp = provider(&ctx, "corp");
        ctx.store.create_provider(&scope, &idp).await.unwrap();
        let other = Arc::new(PgStore::connect(&ctx.url, &PgOptions::default()).await.unwrap());
        for round in 0..20 {
            let subject = format!("subject-{round}");
            let mut tasks = Vec::new();
            for k in 0..8 {
                let store = if k % 2 == 0 { ctx.store.clone() } else { other.clone() };
                let u = linked_user(&ctx, &idp, &subject, &format!("s{round}@example.com"));
                let s = sign_in_session(&ctx, &idp, 100 + k);
                let (issuer, subject) = (idp.issuer.clone(), subject.clone());
                tasks.push(tokio::spawn(async move {
                    store.sign_in(&scope, &issuer, &subject, Some(&u), &s).await
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
    })
    .await;
}

fn all_extras() -> ExpandRequest {
    ExpandRequest { role_assignments: true, grant_count: true, session_count: true }
}

#[tokio::test]
async fn expansions_count_only_live_sessions_and_grants() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "u@example.com").await;
        let v = new_user(&ctx, &scope, "v@example.com").await;
        let lonely = new_user(&ctx, &scope, "w@example.com").await;
        let (r1, r2) = (role(&ctx, "r1"), role(&ctx, "r2"));
        ctx.store.create_role(&scope, &r1).await.unwrap();
        ctx.store.create_role(&scope, &r2).await.unwrap();
        let mut held = Vec::new();
        for (r, sc) in [(&r2, None), (&r1, Some(("team", "t"))), (&r1, None)] {
            let a = assignment(&ctx, &u.id, &r.id, sc);
            held.push(ctx.store.create_role_assignment(&scope, &a).await.unwrap());
        }
        let va = assignment(&ctx, &v.id, &r2.id, None);
        let va = ctx.store.create_role_assignment(&scope, &va).await.unwrap();

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
            ctx.store.create_session(&scope, &s).await.unwrap();
            let g = grant(&ctx, &u.id, expires);
            ctx.store.create_grant(&scope, &g).await.unwrap();
            if revoke {
                ctx.store.revoke_session(&scope, &u.id, &s.id, ts(150)).await.unwrap();
                ctx.store.revoke_grant(&scope, &u.id, &g.id, ts(150)).await.unwrap();
            }
        }
        let vs = session(&ctx, &v.id, 100, None);
        ctx.store.create_session(&scope, &vs).await.unwrap();

        // A user of another zone, and one that does not exist, get nothing.
        let zone2 = ctx.new_zone("two").await;
        let scope2 = ZoneScope { org: ctx.org.id, zone: zone2.id };
        let foreign = new_user(&ctx, &scope2, "f@example.com").await;
        ctx.store.create_session(&scope2, &session(&ctx, &foreign.id, 100, None)).await.unwrap();
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
        assert!(
            ctx.store.expand_users(&scope, &[], all_extras(), ts(NOW)).await.unwrap().is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expanding_a_page_costs_the_same_statements_for_10_or_500_users() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let r = role(&ctx, "member");
        ctx.store.create_role(&scope, &r).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..500 {
            let u = new_user(&ctx, &scope, &format!("u{i}@example.com")).await;
            if i % 2 == 0 {
                let a = assignment(&ctx, &u.id, &r.id, None);
                ctx.store.create_role_assignment(&scope, &a).await.unwrap();
            }
            if i % 5 == 0 {
                ctx.store.create_session(&scope, &session(&ctx, &u.id, 100, None)).await.unwrap();
                ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None)).await.unwrap();
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
    })
    .await;
}

/// Every statement is counted, transaction control included.
#[tokio::test]
async fn statements_executed_counts_every_statement_sent() {
    with_store(|ctx| async move {
        let scope = ctx.scope();
        let u = new_user(&ctx, &scope, "a@example.com").await;
        let delta = |before: u64| ctx.store.statements_executed() - before;

        let before = ctx.store.statements_executed();
        ctx.store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(delta(before), 1);

        // BEGIN, the user's row, the session with its user, COMMIT.
        let before = ctx.store.statements_executed();
        ctx.store.create_session(&scope, &session(&ctx, &u.id, 100, None)).await.unwrap();
        assert_eq!(delta(before), 4);

        // BEGIN, the user's row, then the rollback of the refused grant.
        ctx.store.update_user(&scope, &u.id, disable()).await.unwrap();
        let before = ctx.store.statements_executed();
        let r = ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None)).await;
        assert_eq!(r, Err(StoreError::UserDisabled));
        assert_eq!(delta(before), 3);

        // A transaction dropped by an error still sends its ROLLBACK.
        let before = ctx.store.statements_executed();
        let r = ctx.store.create_session(&scope, &session(&ctx, &u.id, 100, None)).await;
        assert_eq!(r, Err(StoreError::UserDisabled));
        assert_eq!(delta(before), 3);

        let before = ctx.store.statements_executed();
        ctx.store.ping().await.unwrap();
        assert_eq!(delta(before), 1);
    })
    .await;
}
