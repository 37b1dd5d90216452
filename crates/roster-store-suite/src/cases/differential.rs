//! The same random users in the store under test and in the other
//! backend, the same random queries to both: every answer must be the
//! domain's and the other backend's. Run from each backend's tests, so
//! each is held to the domain and to the other in turn.

use roster_domain::{User, UserQuery, Window};
use roster_store::StoreError;

use super::pair::{Pair, same};
use crate::ctx::{Ctx, stamp};
use crate::harness::Peer;
use crate::random::{Rng, random_query, random_users};
use crate::reference::{domain_page, expected, ids_of};

pub async fn every_query_answers_as_the_domain_and_the_other_backend_do(
    ctx: Ctx,
    peer: Option<Peer>,
) {
    let pair = Pair::new(&ctx, peer.as_ref());
    let backend = ctx.db.backend();
    let mut rng = Rng::new(2024);
    let users = random_users(&ctx, &ctx.scope(), &mut rng, 80);
    let scope = ctx.scope();
    pair.create_users(&scope, &users).await;
    let mut disagreements = Vec::new();
    for round in 0..250 {
        let base = random_query(&mut rng, &users);
        let want = expected(&users, &base);
        let limit = base.window.limit();
        // A first page, a page after a random matching user, a page
        // before one, and an offset page.
        let mut windows = vec![base.window.clone()];
        if !want.is_empty() {
            let pivot = rng.pick(&want).clone();
            windows.push(Window::After { position: Some(base.position_of(&pivot)), limit });
            windows.push(Window::Before { position: base.position_of(&pivot), limit });
        }
        windows.push(Window::Offset { offset: rng.below(want.len() + 2) as u64, limit });
        for window in windows {
            let q = UserQuery { window: window.clone(), ..base.clone() };
            let got = pair.under.list_users(&scope, &q).await.unwrap();
            // The domain's page for this window.
            let (want_page, more) = domain_page(&want, &q);
            assert_eq!(ids_of(&got.users), ids_of(&want_page), "{backend} round {round}: {q:?}");
            assert_eq!(got.has_more, more, "{backend} round {round}: has_more {q:?}");
            assert_eq!(got.total, want.len() as u64, "{backend} round {round}: total {q:?}");
            assert_eq!(got.users, want_page, "{backend} round {round}: rows {q:?}");
            let Some(other) = pair.other else { continue };
            let theirs = other.list_users(&scope, &q).await.unwrap();
            if ids_of(&theirs.users) != ids_of(&got.users)
                || theirs.has_more != got.has_more
                || theirs.total != got.total
            {
                disagreements.push(format!(
                    "round {round}: {q:?}\n  {backend} (the domain's) {:?} more={} total={}\n  \
                     other {:?} more={} total={}",
                    ids_of(&got.users),
                    got.has_more,
                    got.total,
                    ids_of(&theirs.users),
                    theirs.has_more,
                    theirs.total
                ));
            }
        }
    }
    // Every disagreement at once, rather than the first: they are easier
    // to read together.
    for d in &disagreements {
        eprintln!("THE OTHER BACKEND DIFFERS FROM THE DOMAIN: {d}");
    }
    assert!(disagreements.is_empty(), "{} disagreements: {}", disagreements.len(), pair.names());

    // Errors agree too, down to which rule is named when a write
    // breaks several at once.
    let linked = users.iter().find(|u| u.subject.is_some()).unwrap();
    let clashes: Vec<(bool, bool, bool)> = vec![
        (true, false, false),
        (false, true, false),
        (false, false, true),
        (true, true, false),
        (true, false, true),
        (false, true, true),
        (true, true, true),
    ];
    for (email, identifier, subject) in clashes {
        let mut dup = ctx.user("fresh@example.com");
        if email {
            dup.email = users[0].email.to_ascii_uppercase();
        }
        if identifier {
            dup.identifier = users[1].identifier.to_ascii_lowercase();
        }
        if subject {
            dup.issuer = linked.issuer.clone();
            dup.subject = linked.subject.clone();
        }
        let what = format!("create clash {email} {identifier} {subject}");
        let a = same!(pair, &what, |s| s.create_user(&scope, &dup, None, &stamp()));
        assert!(matches!(a, Err(StoreError::Conflict { .. })), "{what}: {a:?}");
        // The same clash from a user whose id is taken too.
        let mut twin = dup.clone();
        twin.id = users[4].id;
        let what = format!("id clash {email} {identifier} {subject}");
        same!(pair, &what, |s| s.create_user(&scope, &twin, None, &stamp())).ok();
        let target = users[3].id;
        let what = format!("update clash {email} {identifier} {subject}");
        same!(pair, &what, |s| s.update_user(&scope, &target, clash_update(&dup), &stamp())).ok();
    }
    let mut linked_user = ctx.user("linked@example.com");
    linked_user.provider_id = Some("idp_x".into());
    same!(pair, "unknown provider", |s| s.create_user(&scope, &linked_user, None, &stamp())).ok();
}

fn clash_update(from: &User) -> roster_store::UserUpdate {
    let from = from.clone();
    Box::new(move |u: &mut User| {
        if from.email != "fresh@example.com" {
            u.email = from.email;
        }
        if from.identifier != from.id.to_string() {
            u.identifier = from.identifier;
        }
        u.issuer = from.issuer;
        u.subject = from.subject;
        Ok(true)
    })
}
