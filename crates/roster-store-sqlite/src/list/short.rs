//! Which list requests are short enough for the caller's own thread.

use roster_domain::{SortField, UserQuery, Window};

/// Most rows a short list read (`is_short`) may return.
const SHORT_PAGE: usize = 100;

/// Whether a list request costs a page of rows whatever the zone holds, so
/// it may run on the caller's thread (`pool::Readers::call_short`): no
/// filter and no search (the count is a kept counter), a timestamp order
/// (each has its `(zone, field, id)` index, so the page is an index range;
/// other orders may need a sort), by cursor (page mode skips rows), and at
/// most `SHORT_PAGE` rows.
pub fn is_short(query: &UserQuery) -> bool {
    let indexed = matches!(
        query.sort.keys.as_slice(),
        [key] if matches!(key.field, SortField::CreatedAt | SortField::UpdatedAt)
    );
    let by_cursor = !matches!(query.window, Window::Offset { .. });
    query.filter.is_empty()
        && query.search.is_empty()
        && indexed
        && by_cursor
        && query.window.limit() <= SHORT_PAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::{Direction, Sort, SortKey, UserStatus};

    fn first_page(limit: usize) -> UserQuery {
        UserQuery::first_page(limit)
    }

    fn sorted_by(field: SortField) -> UserQuery {
        UserQuery {
            sort: Sort { keys: vec![SortKey { field, direction: Direction::Desc }] },
            ..first_page(50)
        }
    }

    #[test]
    fn a_page_in_timestamp_order_without_filters_is_short() {
        assert!(is_short(&first_page(50)));
        assert!(is_short(&first_page(SHORT_PAGE)));
        assert!(is_short(&sorted_by(SortField::UpdatedAt)));
    }

    #[test]
    fn filters_searches_big_pages_page_mode_and_other_orders_are_not_short() {
        let mut filtered = first_page(50);
        filtered.filter.statuses.push(UserStatus::Suspended);
        let mut searched = first_page(50);
        searched.search.push("mari".into());
        let mut paged = first_page(50);
        paged.window = Window::Offset { offset: 9_950, limit: 50 };
        let mut two_keys = sorted_by(SortField::CreatedAt);
        two_keys.sort.keys.push(SortKey { field: SortField::UpdatedAt, direction: Direction::Asc });
        for (what, query) in [
            ("a status filter", filtered),
            ("a search", searched),
            ("page mode", paged),
            ("a page over the cap", first_page(SHORT_PAGE + 1)),
            ("a name order", sorted_by(SortField::Name)),
            ("a status order", sorted_by(SortField::Status)),
            ("two sort keys", two_keys),
        ] {
            assert!(!is_short(&query), "{what} must go to a reader thread");
        }
    }
}
