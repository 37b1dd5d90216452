//! Runs one case on fresh databases and removes them whatever the outcome.
//!
//! Each runner is generic over the backend under test `B` and the other
//! backend `O` (which only `paired` uses), so `store_suite!` can call any
//! of them the same way.

use std::future::Future;
use std::sync::Arc;

use roster_store::Store;

use crate::backend::{Backend, Database};
use crate::ctx::Ctx;

/// The other backend of a paired case, bootstrapped like the one under
/// test.
pub struct Peer {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
}

/// Runs `case` with a bootstrapped store of `B`. Returns without running
/// when `B` is not configured here.
pub async fn store<B: Backend, O: Backend, F, Fut>(case: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = B::create().await else { return };
    with_database(db, case).await;
}

/// Runs `case` with a bootstrapped store on `db`, then removes `db`.
pub async fn with_database<F, Fut>(db: Arc<dyn Database>, case: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let task = tokio::spawn({
        let db = db.clone();
        async move {
            let ctx = Ctx::bootstrap(db).await;
            let store = ctx.store.clone();
            case(ctx).await;
            store.close();
        }
    });
    finish(&[db], task.await).await;
}

/// Runs `case` with a fresh database of `B` that no store has opened yet.
pub async fn empty<B: Backend, O: Backend, F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Database>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = B::create().await else { return };
    let task = tokio::spawn(case(db.clone()));
    finish(&[db], task.await).await;
}

/// Runs `case` with a bootstrapped store of `B` and, when `O` is
/// configured here, a store of `O` bootstrapped with the same organization,
/// zone and key, so the same writes can go to both.
pub async fn paired<B: Backend, O: Backend, F, Fut>(case: F)
where
    F: FnOnce(Ctx, Option<Peer>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = B::create().await else { return };
    let other = O::create().await;
    let task = tokio::spawn({
        let (db, other) = (db.clone(), other.clone());
        async move {
            let ctx = Ctx::bootstrap(db).await;
            let peer = match other {
                Some(other) => {
                    let store = other.open().await;
                    ctx.mirror_into(&*store).await;
                    Some(Peer { name: other.backend(), store })
                }
                None => None,
            };
            let stores: Vec<Arc<dyn Store>> = std::iter::once(ctx.store.clone())
                .chain(peer.iter().map(|p| p.store.clone()))
                .collect();
            case(ctx, peer).await;
            for s in stores {
                s.close();
            }
        }
    });
    let dbs: Vec<Arc<dyn Database>> = std::iter::once(db).chain(other).collect();
    finish(&dbs, task.await).await;
}

/// Removes the databases, then fails as the case did.
pub async fn finish(dbs: &[Arc<dyn Database>], outcome: Result<(), tokio::task::JoinError>) {
    for db in dbs {
        db.remove().await;
    }
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}
