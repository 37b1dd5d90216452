//! The store under test and, when configured, the other backend, written
//! and asked the same things one call at a time.

use roster_domain::User;
use roster_store::{Store, ZoneScope};

use crate::ctx::{Ctx, stamp};
use crate::harness::Peer;

pub struct Pair<'a> {
    pub under: &'a dyn Store,
    pub other: Option<&'a dyn Store>,
    under_name: &'static str,
    other_name: &'static str,
}

impl<'a> Pair<'a> {
    pub fn new(ctx: &'a Ctx, peer: Option<&'a Peer>) -> Self {
        Pair {
            under: &*ctx.store,
            other: peer.map(|p| &*p.store),
            under_name: ctx.db.backend(),
            other_name: peer.map_or("", |p| p.name),
        }
    }

    /// Who answered what, for failure messages.
    pub fn names(&self) -> String {
        format!("{} (left) and {} (right)", self.under_name, self.other_name)
    }

    /// Each store with its backend's name, the one under test first.
    pub fn stores(&self) -> Vec<(&'static str, &'a dyn Store)> {
        let mut all = vec![(self.under_name, self.under)];
        all.extend(self.other.map(|o| (self.other_name, o)));
        all
    }

    /// Creates `users` in every store.
    pub async fn create_users(&self, scope: &ZoneScope, users: &[User]) {
        for u in users {
            for (name, store) in self.stores() {
                store
                    .create_user(scope, u, None, &stamp())
                    .await
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

/// Runs the call on the store under test and on the other backend (when
/// there is one), requires the same answer, and returns it.
macro_rules! same {
    ($pair:expr, $what:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s = $pair.under;
            $call.await
        };
        if let Some(other) = $pair.other {
            let b = {
                let $s = other;
                $call.await
            };
            assert_eq!(a, b, "{}: {}", $what, $pair.names());
        }
        a
    }};
}

pub(crate) use same;
