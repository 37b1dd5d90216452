//! The extras of a page of users, gathered the same way on every backend.

use std::collections::HashMap;

use roster_domain::UserId;
use roster_domain::access::{Expansion, RoleAssignment};

/// Which per-user extras to compute for a page of users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpandRequest {
    pub role_assignments: bool,
    pub grant_count: bool,
    pub session_count: bool,
}

/// A count an expansion carries: of a user's live sessions or grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Sessions,
    Grants,
}

impl ExpandRequest {
    /// The counts asked for.
    pub fn counts(&self) -> impl Iterator<Item = Counted> + use<> {
        let wanted = [(self.session_count, Counted::Sessions), (self.grant_count, Counted::Grants)];
        wanted.into_iter().filter_map(|(wanted, what)| wanted.then_some(what))
    }
}

/// The extras of a page of users as a backend reads them: every user of
/// the page has an entry (empty when nothing was found for it), and rows
/// of users outside the page are dropped.
#[derive(Debug, Default)]
pub struct Expansions(HashMap<UserId, Expansion>);

impl Expansions {
    pub fn new(users: &[UserId]) -> Self {
        Self(users.iter().map(|id| (*id, Expansion::default())).collect())
    }

    /// Adds an assignment to its user's, in the order read.
    pub fn add_assignment(&mut self, a: RoleAssignment) {
        if let Some(e) = self.0.get_mut(&a.user_id) {
            e.role_assignments.push(a);
        }
    }

    pub fn set_count(&mut self, what: Counted, user: &UserId, n: u64) {
        if let Some(e) = self.0.get_mut(user) {
            match what {
                Counted::Sessions => e.session_count = n,
                Counted::Grants => e.grant_count = n,
            }
        }
    }

    pub fn into_map(self) -> HashMap<UserId, Expansion> {
        self.0
    }
}
