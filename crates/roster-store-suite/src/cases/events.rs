//! The change feed's `user` filter: one user's activity, read from that
//! user's events alone, with every promise of the whole feed kept.

use std::time::Duration;

use roster_domain::events::{Event, EventType, Snapshot};
use roster_domain::{User, UserId};
use roster_store::{BatchOp, EventPage, EventQuery, FEED_SCAN_LIMIT, StoreError};

use crate::access_fixtures::{
    assignment, disable, grant, linked_user, provider, role, session, sign_in_session,
};
use crate::ctx::{Ctx, stamp, ts};

fn everything(ctx: &Ctx) -> EventQuery {
    EventQuery { org: ctx.org.id, after: None, limit: 1000, zones: None, types: None, user: None }
}

fn about(ctx: &Ctx, user: &UserId) -> EventQuery {
    EventQuery { user: Some(*user), ..everything(ctx) }
}

/// Every page from `query.after` on, following the cursor; returns the
/// events and the last page.
async fn walk(ctx: &Ctx, query: &EventQuery) -> (Vec<Event>, EventPage) {
    let mut events = Vec::new();
    let mut query = query.clone();
    loop {
        let page = ctx.store.events_after(&query).await.unwrap();
        events.extend(page.events.iter().cloned());
        if let Some(last) = page.positions.last() {
            assert!(query.after.is_none_or(|after| after < *last), "the cursor moved forwards");
        }
        if !page.has_more {
            return (events, page);
        }
        query.after = page.next;
    }
}

/// `walk`, repeated until `n` events came: PostgreSQL serves an event once
/// every transaction of the server older than its own has ended, other
/// tests' included.
async fn walk_until(ctx: &Ctx, query: &EventQuery, n: usize) -> Vec<Event> {
    for _ in 0..400 {
        let (events, _) = walk(ctx, query).await;
        if events.len() >= n {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} events came for {query:?}");
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn user_of(event: &Event) -> Option<UserId> {
    match &event.object {
        Snapshot::User(u) => Some(u.id),
        Snapshot::Session(s) => Some(s.user_id),
        Snapshot::Grant(g) => Some(g.user_id),
        Snapshot::RoleAssignment(a) => Some(a.user_id),
        Snapshot::Role(_) | Snapshot::Provider(_) | Snapshot::Zone(_) => None,
    }
}

pub async fn a_user_filter_returns_exactly_that_users_events_in_order_and_no_one_elses(ctx: Ctx) {
    let scope = ctx.scope();
    let other_scope = ctx.new_scope("other").await;
    let a = ctx.new_user(&scope, "a@example.com").await;
    let b = ctx.new_user(&scope, "b@example.com").await;
    let c = ctx.new_user(&other_scope, "c@example.com").await;
    let r = role(&ctx, "admin");
    ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
    let a_role = assignment(&ctx, &a.id, &r.id, None);
    let a_role = ctx.store.create_role_assignment(&scope, &a_role, &stamp()).await.unwrap();
    let b_role = assignment(&ctx, &b.id, &r.id, None);
    ctx.store.create_role_assignment(&scope, &b_role, &stamp()).await.unwrap();
    let a_session = session(&ctx, &a.id, 100, None);
    ctx.store.create_session(&scope, &a_session, &stamp()).await.unwrap();
    let a_grant = grant(&ctx, &a.id, None);
    ctx.store.create_grant(&scope, &a_grant, &stamp()).await.unwrap();
    ctx.store.create_session(&scope, &session(&ctx, &b.id, 100, None), &stamp()).await.unwrap();
    ctx.store.revoke_session(&scope, &a.id, &a_session.id, &stamp()).await.unwrap();
    ctx.store.revoke_grant(&scope, &a.id, &a_grant.id, &stamp()).await.unwrap();
    ctx.store.delete_role_assignment(&scope, &a.id, &a_role.id, &stamp()).await.unwrap();
    // A batch and an import write their events their own way.
    let rename: roster_store::UserUpdate = Box::new(|u: &mut User| {
        u.name = "Ada".into();
        u.version += 1;
        Ok(true)
    });
    let batch = vec![BatchOp::Update(a.id, rename), BatchOp::Create(ctx.user("d@example.com"))];
    ctx.store.batch_users(&scope, batch, true, &stamp()).await.unwrap();
    let imported = ctx.user("e@example.com");
    ctx.store.import_users(&scope, vec![imported.clone()], &stamp()).await.unwrap();
    // A sign-in records three events, two of them about the user it made.
    let idp = provider(&ctx, "corp");
    ctx.store.create_provider(&scope, &idp, &stamp()).await.unwrap();
    let linked = linked_user(&ctx, &idp, "sub-1", "f@example.com");
    let s = sign_in_session(&ctx, &idp, 100);
    ctx.store.sign_in(&scope, &idp.issuer, "sub-1", Some(&linked), &s, &stamp()).await.unwrap();
    ctx.store.update_user(&scope, &a.id, disable(), &stamp()).await.unwrap();
    ctx.store.delete_role(&scope, &r.id, &stamp()).await.unwrap();
    ctx.store.delete_user(&scope, &a.id, None, &stamp()).await.unwrap();

    // zone.created ×2, user.created ×3, role.created, role_assignment ×2,
    // session ×2, grant, session.revoked, grant.revoked, role_assignment
    // deleted, the batch's two, the import's one, provider.created, the
    // sign-in's three, user.updated, role.deleted, user.deleted.
    let all = walk_until(&ctx, &everything(&ctx), 24).await;
    assert_eq!(all.len(), 24, "{:?}", kinds(&all));

    let (of_a, last) = walk(&ctx, &about(&ctx, &a.id)).await;
    assert_eq!(
        kinds(&of_a),
        [
            "user.created",
            "role_assignment.created",
            "session.created",
            "grant.created",
            "session.revoked",
            "grant.revoked",
            "role_assignment.deleted",
            "user.updated",
            "user.updated",
            "user.deleted",
        ]
    );
    assert!(!last.has_more);
    // Exactly the unfiltered feed's events about `a`, in the feed's order.
    let expected: Vec<Event> = all.iter().filter(|e| user_of(e) == Some(a.id)).cloned().collect();
    assert_eq!(of_a, expected);
    for (user, kinds_of) in [
        (b.id, vec!["user.created", "role_assignment.created", "session.created"]),
        (c.id, vec!["user.created"]),
        (imported.id, vec!["user.created"]),
        (linked.id, vec!["user.created", "session.created", "user.signed_in"]),
    ] {
        let (events, _) = walk(&ctx, &about(&ctx, &user)).await;
        assert_eq!(kinds(&events), kinds_of, "{user}");
        assert!(events.iter().all(|e| user_of(e) == Some(user)), "{user}: {events:?}");
    }

    // Page by page, two at a time, the walk is the same.
    let mut paged = Vec::new();
    let mut q = EventQuery { limit: 2, ..about(&ctx, &a.id) };
    loop {
        let page = ctx.store.events_after(&q).await.unwrap();
        assert!(page.events.len() <= 2);
        paged.extend(page.events);
        if !page.has_more {
            break;
        }
        q.after = page.next;
    }
    assert_eq!(paged, of_a);

    // With types and zones, the filters all hold (AND).
    let sessions = EventQuery {
        types: Some(vec![EventType::SessionCreated, EventType::SessionRevoked]),
        ..about(&ctx, &a.id)
    };
    assert_eq!(kinds(&walk(&ctx, &sessions).await.0), ["session.created", "session.revoked"]);
    let in_other = EventQuery { zones: Some(vec![other_scope.zone]), ..about(&ctx, &c.id) };
    assert_eq!(kinds(&walk(&ctx, &in_other).await.0), ["user.created"]);

    // A user of a zone the reader may not see answers exactly as a user
    // without events: no event and no cursor, so not even its existence
    // shows.
    let nobody = ctx.user_id();
    let empty = ctx.store.events_after(&about(&ctx, &nobody)).await.unwrap();
    assert_eq!(empty, EventPage { events: vec![], positions: vec![], next: None, has_more: false });
    let hidden = EventQuery { zones: Some(vec![scope.zone]), ..about(&ctx, &c.id) };
    assert_eq!(ctx.store.events_after(&hidden).await.unwrap(), empty);
    let from = EventQuery { after: last.next, ..hidden };
    let page = ctx.store.events_after(&from).await.unwrap();
    assert_eq!((page.events.len(), page.next, page.has_more), (0, last.next, false));

    // From the end of `a`'s events, nothing more; a new one comes once.
    let tail = EventQuery { after: last.next, ..about(&ctx, &b.id) };
    let (before, _) = walk(&ctx, &tail).await;
    assert!(before.is_empty());
    ctx.store.update_user(&scope, &b.id, disable(), &stamp()).await.unwrap();
    let came = walk_until(&ctx, &tail, 1).await;
    assert_eq!(kinds(&came), ["user.updated"]);

    // Retention: a cursor retention passed answers CursorExpired under the
    // filter too, and without one the user's kept events are none.
    let first =
        EventQuery { after: Some(expected_position(&ctx, &a.id).await), ..about(&ctx, &a.id) };
    assert!(ctx.store.purge_events(ts(1_000_000)).await.unwrap() > 0);
    assert_eq!(ctx.store.events_after(&first).await, Err(StoreError::CursorExpired));
    assert!(walk(&ctx, &about(&ctx, &a.id)).await.0.is_empty());
}

/// The position of `user`'s first event.
async fn expected_position(ctx: &Ctx, user: &UserId) -> roster_store::FeedPosition {
    let page = ctx.store.events_after(&EventQuery { limit: 1, ..about(ctx, user) }).await.unwrap();
    page.positions[0]
}

pub async fn a_user_filter_looks_only_at_that_users_events_however_many_lie_between(ctx: Ctx) {
    let scope = ctx.scope();
    let a = ctx.new_user(&scope, "a@example.com").await;
    // More events of other users than one page of the whole feed looks
    // through: the whole feed's first page ends short of what follows.
    let others: Vec<User> =
        (0..=FEED_SCAN_LIMIT).map(|i| ctx.user(&format!("bulk{i}@example.com"))).collect();
    ctx.store.import_users(&scope, others, &stamp()).await.unwrap();
    ctx.store.update_user(&scope, &a.id, disable(), &stamp()).await.unwrap();

    // One page from the start has both of `a`'s events (once PostgreSQL
    // serves the second), however many lie between them.
    let mut page = ctx.store.events_after(&about(&ctx, &a.id)).await.unwrap();
    for _ in 0..400 {
        if page.events.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        page = ctx.store.events_after(&about(&ctx, &a.id)).await.unwrap();
    }
    assert_eq!(kinds(&page.events), ["user.created", "user.updated"]);
    assert!(!page.has_more);
    assert_eq!(page.next, page.positions.last().copied());
    // The whole feed from the start looks through its first 5 000 only.
    let whole = ctx.store.events_after(&everything(&ctx)).await.unwrap();
    assert!(whole.has_more);
    assert!(whole.next < page.next);
}
