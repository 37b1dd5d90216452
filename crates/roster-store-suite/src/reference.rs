//! The domain's reference answers, and walks that hold a store to them.

use roster_domain::{Position, User, UserQuery, Window};
use roster_store::{IdWindow, Page, Store, StoreError, ZoneScope};

/// The users `query` returns, in order, as the domain defines it.
pub fn expected(all: &[User], query: &UserQuery) -> Vec<User> {
    let mut out: Vec<User> = all.iter().filter(|u| query.matches(u)).cloned().collect();
    out.sort_by(|a, b| query.compare(a, b));
    out
}

pub fn ids_of(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.to_string()).collect()
}

pub fn with_window(query: &UserQuery, window: Window) -> UserQuery {
    UserQuery { window, ..query.clone() }
}

pub fn after(position: Option<Position>, limit: usize) -> Window {
    Window::After { position, limit }
}

/// Walks every page forward, then every page backward from the last user,
/// and checks both walks, each page's `has_more` and `total` against the
/// domain's answer.
pub async fn check_walks(
    store: &dyn Store,
    scope: &ZoneScope,
    all: &[User],
    query: &UserQuery,
    limit: usize,
) {
    let want = expected(all, query);
    let ctx = format!("{query:?}");

    // Forward.
    let mut got: Vec<User> = Vec::new();
    let mut position = None;
    loop {
        let page = store
            .list_users(scope, &with_window(query, after(position.clone(), limit)))
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
        assert_eq!(page.total, want.len() as u64, "total\n{ctx}");
        assert!(page.users.len() <= limit);
        let start = got.len();
        got.extend(page.users.iter().cloned());
        let more = got.len() < want.len();
        assert_eq!(page.has_more, more, "has_more after {} users\n{ctx}", got.len());
        assert_eq!(
            ids_of(&got[start..]),
            ids_of(&want[start.min(want.len())..got.len().min(want.len())]),
            "forward page at {start}\n{ctx}"
        );
        match page.users.last() {
            Some(last) if page.has_more => position = Some(query.position_of(last)),
            _ => break,
        }
    }
    assert_eq!(ids_of(&got), ids_of(&want), "forward walk\n{ctx}");
    assert_eq!(got, want, "forward walk returns the stored users\n{ctx}");

    // Backward, from the last user.
    if let Some(last) = want.last() {
        let mut back: Vec<User> = vec![last.clone()];
        let mut position = query.position_of(last);
        loop {
            let page = store
                .list_users(scope, &with_window(query, Window::Before { position, limit }))
                .await
                .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
            assert_eq!(page.total, want.len() as u64, "total (backward)\n{ctx}");
            let mut next = page.users.clone();
            next.extend(back);
            back = next;
            let more = back.len() < want.len();
            assert_eq!(page.has_more, more, "has_more backward at {}\n{ctx}", back.len());
            match page.users.first() {
                Some(first) if page.has_more => position = query.position_of(first),
                _ => break,
            }
        }
        assert_eq!(ids_of(&back), ids_of(&want), "backward walk\n{ctx}");
    }

    // Offset windows.
    let mut offset = 0u64;
    loop {
        let page = store
            .list_users(scope, &with_window(query, Window::Offset { offset, limit }))
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
        let from = (offset as usize).min(want.len());
        let to = (from + limit).min(want.len());
        assert_eq!(ids_of(&page.users), ids_of(&want[from..to]), "offset {offset}\n{ctx}");
        assert_eq!(page.has_more, to < want.len(), "offset has_more {offset}\n{ctx}");
        assert_eq!(page.total, want.len() as u64, "offset total\n{ctx}");
        if to >= want.len() {
            break;
        }
        offset += limit as u64;
    }
}

/// The slice of `want` (already in order) a window selects, and whether
/// more lie beyond it in the direction of travel.
pub fn domain_page(want: &[User], q: &UserQuery) -> (Vec<User>, bool) {
    match &q.window {
        Window::After { position, limit } => {
            let start = match position {
                None => 0,
                Some(p) => want
                    .iter()
                    .position(|u| q.compare_positions(&q.position_of(u), p).is_gt())
                    .unwrap_or(want.len()),
            };
            let end = (start + limit).min(want.len());
            (want[start..end].to_vec(), end < want.len())
        }
        Window::Before { position, limit } => {
            let end = want
                .iter()
                .position(|u| !q.compare_positions(&q.position_of(u), position).is_lt())
                .unwrap_or(want.len());
            let start = end.saturating_sub(*limit);
            (want[start..end].to_vec(), start > 0)
        }
        Window::Offset { offset, limit } => {
            let start = (*offset as usize).min(want.len());
            let end = (start + limit).min(want.len());
            (want[start..end].to_vec(), end < want.len())
        }
    }
}

/// Walks a by-id listing forward and backward in windows of each of
/// `limits` and checks both walks against `want` (in id order), `has_more`
/// and `total`.
pub async fn check_id_pages<T, F, Fut>(
    list: F,
    want: &[T],
    id_of: fn(&T) -> [u8; 16],
    limits: &[usize],
) where
    T: Clone + PartialEq + std::fmt::Debug,
    F: Fn(IdWindow) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    for &limit in limits {
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = list(IdWindow { after, backwards: false, limit }).await.unwrap();
            assert_eq!(page.total, want.len() as u64, "limit {limit}");
            got.extend(page.items.iter().cloned());
            assert_eq!(page.has_more, got.len() < want.len());
            match page.items.last() {
                Some(last) if page.has_more => after = Some(id_of(last)),
                _ => break,
            }
        }
        assert_eq!(got, want, "forward in windows of {limit}");
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
        assert_eq!(back, want, "backward in windows of {limit}");
    }
}
