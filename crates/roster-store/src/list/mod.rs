//! What the user-list plans of every backend share: how much a request may
//! look at, which requests are answered by one statement, the keyset
//! conditions (`keyset`), the filter conditions both dialects spell alike
//! (`filters`) and the frame of a walk (`WalkFrame`).

pub mod filters;
pub mod keyset;
mod walk;

pub use walk::{WalkFrame, like_escaped};

use roster_domain::{Timestamp, User, UserId, UserQuery, Window};

/// A value of a list statement (a position's, or a filter's) for the
/// backend to bind as a parameter of its own dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Rank(u8),
    Time(Timestamp),
    Text(String),
    Id(UserId),
}

/// How much one user-list request may look at (both backends): the
/// bound on a request's database work that `list_users` promises.
#[derive(Debug, Clone, Copy)]
pub struct ListLimits {
    /// Users a walked request looks at, at most (per rank level when
    /// searching without a sort).
    pub scan_budget: usize,
    /// Candidates up to which a search term, role or provider drives the
    /// query directly.
    pub candidate_cap: usize,
}

impl Default for ListLimits {
    fn default() -> Self {
        Self { scan_budget: 20_000, candidate_cap: 5_000 }
    }
}

/// Whether the statement the filters suggest reads few rows whatever the
/// zone holds: no filter at all (the sort index walks straight to the
/// page), or a unique lookup (ids, email, identifier). Other filters are
/// direct only when a bounded probe finds their candidates few.
pub fn few_by_construction(query: &UserQuery) -> bool {
    let f = &query.filter;
    (f.is_empty() && query.search.is_empty())
        || !f.ids.is_empty()
        || f.email.is_some()
        || f.identifier.is_some()
}

/// The page of a one-statement plan from its rows: it fetched the page and
/// one more in the direction of travel. Returns the page in order and
/// whether more follow.
pub fn direct_page(mut users: Vec<User>, query: &UserQuery) -> (Vec<User>, bool) {
    let limit = query.window.limit();
    let has_more = users.len() > limit;
    users.truncate(limit);
    if matches!(query.window, Window::Before { .. }) {
        users.reverse();
    }
    (users, has_more)
}
