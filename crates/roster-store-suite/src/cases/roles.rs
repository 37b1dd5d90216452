//! Roles and role assignments, per zone; the role filter of user lists.

use roster_domain::access::{Role, RoleAssignment, RoleRef};
use roster_domain::{
    Direction, RoleId, Sort, SortField, SortKey, UserFilter, UserQuery, UserStatus,
};
use roster_store::StoreError;

use crate::access_fixtures::{assignment, first, grant, query, role, session};
use crate::ctx::{Ctx, stamp, ts};
use crate::random::{Rng, random_users};
use crate::reference::{check_id_pages, check_walks};

pub async fn roles_are_per_zone_with_opaque_identifiers_listed_by_id(ctx: Ctx) {
    let scope = ctx.scope();
    let mut roles = Vec::new();
    for ident in ["admin", "Admin", "viewer", "ops/on-call", "é"] {
        let r = role(&ctx, ident);
        ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
        roles.push(r);
    }
    // Case-sensitive: "admin" and "Admin" are two roles; the same
    // identifier twice is a conflict.
    assert_eq!(
        ctx.store.create_role(&scope, &role(&ctx, "admin"), &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    // Another zone has its own identifiers.
    let other_scope = ctx.new_scope("other").await;
    let elsewhere = role(&ctx, "admin");
    ctx.store.create_role(&other_scope, &elsewhere, &stamp()).await.unwrap();

    for r in &roles {
        assert_eq!(ctx.store.get_role(&scope, &RoleRef::Id(r.id)).await.unwrap(), *r);
        let by_ident = RoleRef::Identifier(r.identifier.clone());
        assert_eq!(ctx.store.get_role(&scope, &by_ident).await.unwrap(), *r);
    }
    let upper = RoleRef::Identifier("ADMIN".into());
    assert_eq!(ctx.store.get_role(&scope, &upper).await, Err(StoreError::NotFound));
    let foreign = RoleRef::Id(elsewhere.id);
    assert_eq!(ctx.store.get_role(&scope, &foreign).await, Err(StoreError::NotFound));

    let store = &*ctx.store;
    check_id_pages(
        |w| async move { store.list_roles(&scope, &w).await },
        &roles,
        |r| r.id.to_bytes(),
        &[1, 2, 3, 5, 10],
    )
    .await;

    // Updates: a taken identifier conflicts, a free one moves.
    let mut viewer = roles[2].clone();
    viewer.identifier = "Admin".into();
    assert_eq!(
        ctx.store.update_role(&scope, &viewer, &stamp()).await,
        Err(StoreError::Conflict { field: "identifier" })
    );
    viewer.identifier = "reader".into();
    viewer.description = Some("reads".into());
    viewer.updated_at = ts(11);
    ctx.store.update_role(&scope, &viewer, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.get_role(&scope, &RoleRef::Identifier("reader".into())).await.unwrap(),
        viewer
    );
    // A role of another zone cannot be updated or deleted through this one.
    assert_eq!(
        ctx.store.update_role(&scope, &elsewhere, &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.delete_role(&scope, &elsewhere.id, &stamp()).await,
        Err(StoreError::NotFound)
    );

    ctx.store.delete_role(&scope, &roles[0].id, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_role(&scope, &roles[0].id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(ctx.store.list_roles(&scope, &first(10)).await.unwrap().total, 4);
    // The identifier is free again.
    ctx.store.create_role(&scope, &role(&ctx, "admin"), &stamp()).await.unwrap();
}

pub async fn role_assignments_check_user_role_and_uniqueness(ctx: Ctx) {
    let scope = ctx.scope();
    let u = ctx.new_user(&scope, "a@example.com").await;
    let admin = role(&ctx, "admin");
    ctx.store.create_role(&scope, &admin, &stamp()).await.unwrap();

    let a = assignment(&ctx, &u.id, &admin.id, None);
    let stored = ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
    // The identifier is the role's, not the caller's.
    assert_eq!(stored.role_identifier, "admin");
    assert_eq!(stored, RoleAssignment { role_identifier: "admin".into(), ..a.clone() });

    // The same role unscoped twice, or with the same scope twice.
    let again = assignment(&ctx, &u.id, &admin.id, None);
    assert_eq!(
        ctx.store.create_role_assignment(&scope, &again, &stamp()).await,
        Err(StoreError::Conflict { field: "role_id" })
    );
    let scoped = assignment(&ctx, &u.id, &admin.id, Some(("project", "p1")));
    let scoped = ctx.store.create_role_assignment(&scope, &scoped, &stamp()).await.unwrap();
    let twin = assignment(&ctx, &u.id, &admin.id, Some(("project", "p1")));
    assert_eq!(
        ctx.store.create_role_assignment(&scope, &twin, &stamp()).await,
        Err(StoreError::Conflict { field: "role_id" })
    );
    let other_scope = assignment(&ctx, &u.id, &admin.id, Some(("project", "P1")));
    let other_scope =
        ctx.store.create_role_assignment(&scope, &other_scope, &stamp()).await.unwrap();

    // A missing role is a missing reference; a user outside the zone is
    // not found, whatever the role.
    let ghost = assignment(&ctx, &u.id, &RoleId::from_ulid(ctx.ids.next(1)), None);
    assert_eq!(
        ctx.store.create_role_assignment(&scope, &ghost, &stamp()).await,
        Err(StoreError::MissingReference { field: "role_id" })
    );
    let nobody = assignment(&ctx, &ctx.user_id(), &admin.id, None);
    assert_eq!(
        ctx.store.create_role_assignment(&scope, &nobody, &stamp()).await,
        Err(StoreError::NotFound)
    );
    let nobody_no_role = assignment(&ctx, &ctx.user_id(), &ghost.role_id, None);
    assert_eq!(
        ctx.store.create_role_assignment(&scope, &nobody_no_role, &stamp()).await,
        Err(StoreError::NotFound)
    );
    // A role of another zone is missing here.
    let scope2 = ctx.new_scope("two").await;
    let foreign = role(&ctx, "admin");
    ctx.store.create_role(&scope2, &foreign, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store
            .create_role_assignment(&scope, &assignment(&ctx, &u.id, &foreign.id, None), &stamp())
            .await,
        Err(StoreError::MissingReference { field: "role_id" })
    );

    let want = vec![stored.clone(), scoped.clone(), other_scope.clone()];
    let uid = u.id;
    let store = &*ctx.store;
    check_id_pages(
        |w| async move { store.list_role_assignments(&scope, &uid, &w).await },
        &want,
        |a| a.id.to_bytes(),
        &[1, 2, 3, 4],
    )
    .await;
    // Renaming the role shows in its assignments.
    let renamed = Role { identifier: "boss".into(), ..admin.clone() };
    ctx.store.update_role(&scope, &renamed, &stamp()).await.unwrap();
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
    let v = ctx.new_user(&scope, "v@example.com").await;
    assert_eq!(
        ctx.store.delete_role_assignment(&scope, &v.id, &stored.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ctx.store.delete_role_assignment(&scope2, &u.id, &stored.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    ctx.store.delete_role_assignment(&scope, &u.id, &stored.id, &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.delete_role_assignment(&scope, &u.id, &stored.id, &stamp()).await,
        Err(StoreError::NotFound)
    );
    // The unscoped assignment can be made again.
    let again = assignment(&ctx, &u.id, &admin.id, None);
    ctx.store.create_role_assignment(&scope, &again, &stamp()).await.unwrap();
}

pub async fn deleting_a_user_or_a_role_takes_what_hangs_off_it(ctx: Ctx) {
    let scope = ctx.scope();
    let (u, v) =
        (ctx.new_user(&scope, "u@example.com").await, ctx.new_user(&scope, "v@example.com").await);
    let (r1, r2) = (role(&ctx, "r1"), role(&ctx, "r2"));
    ctx.store.create_role(&scope, &r1, &stamp()).await.unwrap();
    ctx.store.create_role(&scope, &r2, &stamp()).await.unwrap();
    for user in [&u, &v] {
        for r in [&r1, &r2] {
            let a = assignment(&ctx, &user.id, &r.id, None);
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
        }
        ctx.store
            .create_session(&scope, &session(&ctx, &user.id, 50, None), &stamp())
            .await
            .unwrap();
        ctx.store.create_grant(&scope, &grant(&ctx, &user.id, None), &stamp()).await.unwrap();
    }
    assert_eq!(ctx.db.count_rows("role_assignments").await, 4);

    ctx.store.delete_user(&scope, &u.id, None, &stamp()).await.unwrap();
    assert_eq!(ctx.db.count_rows("role_assignments").await, 2);
    assert_eq!(ctx.db.count_rows("sessions").await, 1);
    assert_eq!(ctx.db.count_rows("grants").await, 1);
    for table in ["sessions", "grants", "role_assignments"] {
        assert_eq!(ctx.db.count_orphans(table).await, 0, "{table} of a deleted user");
    }

    let v = ctx.store.get_user(&scope, &v.id).await.unwrap();
    ctx.store.delete_role(&scope, &r1.id, &stamp()).await.unwrap();
    let left = ctx.store.list_role_assignments(&scope, &v.id, &first(10)).await.unwrap();
    assert_eq!(left.items.len(), 1);
    assert_eq!(left.items[0].role_id, r2.id);
    // The user itself is untouched.
    assert_eq!(ctx.store.get_user(&scope, &v.id).await.unwrap(), v);
}

pub async fn the_role_filter_lists_holders_in_any_scope(ctx: Ctx) {
    let scope = ctx.scope();
    let mut rng = Rng::new(7);
    let users = random_users(&ctx, &scope, &mut rng, 40);
    for u in &users {
        ctx.store.create_user(&scope, u, None, &stamp()).await.unwrap();
    }
    let (ra, rb) = (role(&ctx, "a"), role(&ctx, "b"));
    ctx.store.create_role(&scope, &ra, &stamp()).await.unwrap();
    ctx.store.create_role(&scope, &rb, &stamp()).await.unwrap();
    let mut holders_a = Vec::new();
    for (i, u) in users.iter().enumerate() {
        if i % 3 == 0 {
            // Held twice (two scopes): listed once.
            let a = assignment(&ctx, &u.id, &ra.id, None);
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
            let a = assignment(&ctx, &u.id, &ra.id, Some(("team", "x")));
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
            holders_a.push(u.clone());
        } else if i % 3 == 1 {
            // Only in a scope.
            let a = assignment(&ctx, &u.id, &ra.id, Some(("team", "y")));
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
            holders_a.push(u.clone());
        } else if i % 5 == 0 {
            let a = assignment(&ctx, &u.id, &rb.id, None);
            ctx.store.create_role_assignment(&scope, &a, &stamp()).await.unwrap();
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
    let nobody =
        query(UserFilter { role: Some(RoleId::from_ulid(ctx.ids.next(1))), ..Default::default() });
    let page = ctx.store.list_users(&scope, &nobody).await.unwrap();
    assert!(page.users.is_empty());
    assert_eq!(page.total, 0);
}
