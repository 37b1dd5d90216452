//! The frame of a walked list page, the same on every backend: where the
//! walk starts, how many users it wants, the rank levels in the order it
//! takes them, and the page it makes of what it found.

use roster_domain::{Position, User, UserQuery, Window};

use crate::error::{StoreError, StoreResult};

pub struct WalkFrame {
    /// The position the walk starts after (or before, when `flip`).
    pub start: Option<Position>,
    /// Users wanted: the page and one more, after `offset` in page mode.
    pub want: usize,
    /// Travelling backwards (`Window::Before`).
    pub flip: bool,
    /// Users skipped before the page in page mode; 0 otherwise.
    pub offset: usize,
    /// The rank levels in walking order (`None` alone when unranked).
    pub levels: Vec<Option<u8>>,
    /// The index in `levels` of the level the start position is in.
    pub first_level: usize,
}

impl WalkFrame {
    pub fn of(query: &UserQuery) -> Self {
        let (start, want, flip, offset) = match &query.window {
            Window::After { position, limit } => (position.clone(), limit + 1, false, 0),
            Window::Before { position, limit } => (Some(position.clone()), limit + 1, true, 0),
            Window::Offset { offset, limit } => {
                let offset = usize::try_from(*offset).unwrap_or(usize::MAX);
                (None, offset.saturating_add(limit + 1), false, offset)
            }
        };
        let mut levels: Vec<Option<u8>> =
            if query.ranked { vec![Some(0), Some(1), Some(2)] } else { vec![None] };
        if flip {
            levels.reverse();
        }
        let first_level = match (&start, query.ranked) {
            (Some(p), true) => {
                let r = p.rank.map_or(0u8, |r| r as u8);
                levels.iter().position(|l| *l == Some(r)).unwrap_or(0)
            }
            _ => 0,
        };
        Self { start, want, flip, offset, levels, first_level }
    }

    /// The rank levels the walk takes, in order, each with the position it
    /// starts after: the walk's start for the first, the level's beginning
    /// (`None`) for the others.
    pub fn steps(&self) -> impl Iterator<Item = (Option<u8>, Option<&Position>)> + '_ {
        self.levels.iter().enumerate().skip(self.first_level).map(|(i, level)| {
            (*level, if i == self.first_level { self.start.as_ref() } else { None })
        })
    }

    /// The page from the users the walk found in order, whether more
    /// follow, and where the next page resumes when the budget ran out
    /// before the page was full.
    pub fn page(
        &self,
        query: &UserQuery,
        mut out: Vec<User>,
        mut resume: Option<Position>,
    ) -> StoreResult<(Vec<User>, bool, Option<Position>)> {
        let limit = query.window.limit();
        if matches!(query.window, Window::Offset { .. }) {
            let offset = self.offset;
            if resume.is_some() && out.len() < offset + limit {
                return Err(StoreError::WindowTooDeep);
            }
            let has_more = out.len() > offset + limit || resume.is_some();
            let users: Vec<User> = out.into_iter().skip(offset).take(limit).collect();
            return Ok((users, has_more, None));
        }
        let has_more = out.len() > limit;
        out.truncate(limit);
        if has_more {
            // The page is full: the next one starts after its last user.
            resume = None;
        }
        if self.flip {
            out.reverse();
        }
        Ok((out, has_more, resume))
    }
}

/// `term` with SQL `LIKE`'s metacharacters (`%`, `_`) and the escape
/// character `\` escaped, for a pattern with `ESCAPE '\'` on either backend.
pub fn like_escaped(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
