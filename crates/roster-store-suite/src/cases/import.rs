//! The bulk path (`Store::import_users`) leaves a store exactly as
//! creating the same users one by one would: every query, total and search
//! answers the same, and a chunk that breaks a rule inserts nothing. Both
//! backends get the same imports.

use roster_domain::UserQuery;
use roster_store::StoreError;

use super::pair::Pair;
use crate::ctx::{Ctx, stamp};
use crate::harness::Peer;
use crate::random::{Rng, random_query, random_users};
use crate::reference::{domain_page, expected, ids_of};

pub async fn imported_users_answer_every_query_as_created_ones_do_on_both_backends(
    ctx: Ctx,
    peer: Option<Peer>,
) {
    let pair = Pair::new(&ctx, peer.as_ref());
    let scope = ctx.scope();
    let mut rng = Rng::new(77);
    let users = random_users(&ctx, &scope, &mut rng, 120);
    for chunk in users.chunks(50) {
        for (backend, store) in pair.stores() {
            let imported = store.import_users(&scope, chunk.to_vec(), &stamp()).await.unwrap();
            assert_eq!(imported, chunk.len() as u64, "{backend}");
        }
    }
    for round in 0..150 {
        let q = random_query(&mut rng, &users);
        let want = expected(&users, &q);
        let (want_page, more) = domain_page(&want, &q);
        for (backend, store) in pair.stores() {
            let page = store.list_users(&scope, &q).await.unwrap();
            assert_eq!(ids_of(&page.users), ids_of(&want_page), "{backend} round {round}: {q:?}");
            assert_eq!(page.has_more, more, "{backend} round {round}: has_more {q:?}");
            assert_eq!(page.total, want.len() as u64, "{backend} round {round}: total {q:?}");
        }
    }
}

pub async fn an_imported_chunk_that_breaks_a_rule_inserts_nothing(ctx: Ctx, peer: Option<Peer>) {
    let pair = Pair::new(&ctx, peer.as_ref());
    let scope = ctx.scope();
    let mut rng = Rng::new(78);
    let users = random_users(&ctx, &scope, &mut rng, 10);
    let mut clash = users.clone();
    let mut twin = ctx.user_in(&scope, &users[3].email.to_ascii_uppercase());
    twin.identifier = "twin".into();
    clash.push(twin);
    let count = UserQuery::first_page(100);
    for (backend, store) in pair.stores() {
        let err = store.import_users(&scope, clash.clone(), &stamp()).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict { field: "email" }, "{backend}");
        let page = store.list_users(&scope, &count).await.unwrap();
        assert_eq!(page.total, 0, "{backend}: nothing of the chunk stayed");
        assert!(page.users.is_empty(), "{backend}");
        assert_eq!(
            store.import_users(&scope, users.clone(), &stamp()).await.unwrap(),
            10,
            "{backend}"
        );
        assert_eq!(store.list_users(&scope, &count).await.unwrap().total, 10, "{backend}");
    }
}
