//! Listing users with bounded work: the same two plans as the SQLite
//! backend (see its `list` module for the reasoning).
//!
//! - **Direct**: one statement, the page and its exact total together (same
//!   snapshot), when candidates are few by construction: no filter, ids,
//!   email or identifier, or a search term, role or provider with at most
//!   `candidate_cap` users in the zone (a bounded count first; the
//!   `users_zone_search` index makes a term's count cost what the zone
//!   holds, not the database).
//! - **Walk**: everything else reads the zone in the requested order
//!   through a subquery limited to `scan_budget` rows, filtering on the way
//!   (per rank level when ranked); a page the budget cuts short resumes
//!   past the last user looked at. A ranked walk takes its whole-field
//!   level from the equality indexes when it is small (`search`).

mod read;
mod search;
mod sql;
mod walk;

use tokio_postgres::types::Type;

use roster_domain::{UserPage, UserQuery, Window};
use roster_store::keyset::{directed, position_values};
use roster_store::{ListLimits, StoreResult, ZoneKey, direct_page, few_by_construction};

use crate::db::Conn;
use crate::types::id;
use crate::users::{AFTER_USER_COLUMNS, USER_COLUMNS};
use read::{bounded_count, counted_sql, first_or_default, users_of};
use sql::{SEARCH_DOC, Sql, contains_pattern, order_keys, push_after, push_filters, push_order};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Direct,
    Walk,
}

pub async fn list_users(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<UserPage> {
    match choose(client, zone, query, limits).await? {
        Plan::Direct => direct(client, zone, query).await,
        Plan::Walk => walk::walk(client, zone, query, limits).await,
    }
}

async fn choose(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<Plan> {
    if few_by_construction(query) {
        return Ok(Plan::Direct);
    }
    let f = &query.filter;
    let cap = limits.candidate_cap;
    // Terms under three characters have no trigram: their candidates are
    // the whole zone, so they always walk.
    for term in query.search.iter().filter(|t| t.chars().count() >= 3) {
        if search::looks_common(client, zone, term, cap).await? {
            continue;
        }
        let mut probe = Sql::default();
        let z = probe.bind(zone.seq, Type::INT8);
        let p = probe.bind(contains_pattern(term), Type::TEXT);
        probe.text = format!("SELECT 1 FROM users u WHERE u.zone = {z} AND {SEARCH_DOC} LIKE {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    if let Some(role) = &f.role {
        let mut probe = Sql::default();
        let p = probe.bind(id(role.to_bytes()), Type::UUID);
        probe.text = format!("SELECT 1 FROM role_assignments ra WHERE ra.role_id = {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    // Neither is unique: each is direct when its own index finds it few.
    for (column, value) in [("provider_id", &f.provider_id), ("external_id", &f.external_id)] {
        let Some(value) = value else { continue };
        let mut probe = Sql::default();
        let z = probe.bind(zone.seq, Type::INT8);
        let p = probe.bind(value.clone(), Type::TEXT);
        probe.text = format!("SELECT 1 FROM users u WHERE u.zone = {z} AND u.{column} = {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    Ok(Plan::Walk)
}

/// The page and its exact total from one statement.
async fn direct(client: &Conn, zone: &ZoneKey, query: &UserQuery) -> StoreResult<UserPage> {
    let Direct { sql, total_sql, filter_params } = direct_sql(zone, query);
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let total: i64 = if rows.is_empty() {
        // An empty page carries no row to read the total from.
        let rows = client
            .query_typed(&format!("SELECT ({total_sql})"), &sql.params(filter_params))
            .await?;
        first_or_default(&rows, 0)?
    } else {
        first_or_default(&rows, AFTER_USER_COLUMNS)?
    };
    let (users, has_more) = direct_page(users_of(&rows, zone)?, query);
    Ok(UserPage {
        users,
        has_more,
        total: u64::try_from(total).unwrap_or(0),
        total_exact: true,
        resume: None,
    })
}

/// A direct plan's statement, and its total alone (for an empty page), whose
/// parameters are the statement's first `filter_params`.
struct Direct {
    sql: Sql,
    total_sql: String,
    filter_params: usize,
}

fn direct_sql(zone: &ZoneKey, query: &UserQuery) -> Direct {
    let mut sql = Sql::default();
    let statuses = push_filters(&mut sql, zone, query);
    let filter_params = sql.params.len();
    let where_clause = std::mem::take(&mut sql.text);

    // The total rides along as an uncorrelated subquery: evaluated once, in
    // the same statement (so the same snapshot) as the page.
    let total_sql = if query.search.is_empty() && query.filter.only_statuses() {
        counted_sql(statuses.as_deref())
    } else {
        format!("SELECT count(*) FROM users u{where_clause}")
    };

    sql.text = format!("SELECT {USER_COLUMNS}, ({total_sql}) AS total FROM users u{where_clause}");
    let keys = order_keys(&mut sql, query, true);
    let flip = matches!(query.window, Window::Before { .. });
    match &query.window {
        Window::After { position: Some(pos), .. } | Window::Before { position: pos, .. } => {
            push_after(&mut sql, &directed(&keys, flip), position_values(query, pos, true));
        }
        Window::After { position: None, .. } | Window::Offset { .. } => {}
    }
    push_order(&mut sql, &keys, flip);
    let fetch = i64::try_from(query.window.limit().saturating_add(1)).unwrap_or(i64::MAX);
    let l = sql.bind(fetch, Type::INT8);
    sql.text.push_str(&format!(" LIMIT {l}"));
    if let Window::Offset { offset, .. } = &query.window {
        let o = sql.bind(i64::try_from(*offset).unwrap_or(i64::MAX), Type::INT8);
        sql.text.push_str(&format!(" OFFSET {o}"));
    }
    Direct { sql, total_sql, filter_params }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::{
        Direction, OrgId, Position, Sort, SortField, SortKey, SortValue, Timestamp, UserId,
        UserStatus, ZoneId,
    };

    fn zone() -> ZoneKey {
        ZoneKey { seq: 3, zone: ZoneId::from_bytes([2; 16]), org: OrgId::from_bytes([1; 16]) }
    }

    fn sorted(keys: &[(SortField, Direction)], window: Window) -> UserQuery {
        let keys = keys.iter().map(|&(field, direction)| SortKey { field, direction }).collect();
        UserQuery { sort: Sort { keys }, window, ..UserQuery::first_page(10) }
    }

    /// The text after the selected columns, from the total on.
    fn statement(query: &UserQuery) -> String {
        let sql = direct_sql(&zone(), query).sql;
        let from = sql.text.find("u.external_id, ").map_or(0, |i| i + "u.external_id, ".len());
        sql.text[from..].to_owned()
    }

    // Pinned: a change of this text is a change of the plans PostgreSQL
    // picks.
    #[test]
    fn direct_statements_are_pinned() {
        let pos = |values| Position { rank: None, values, id: UserId::from_bytes([9; 16]) };
        let first = UserQuery::first_page(20);
        assert_eq!(
            statement(&first),
            "(SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = $1) AS total \
             FROM users u WHERE u.zone = $1 ORDER BY u.created_at ASC, u.id ASC LIMIT $2"
        );
        let by_name = sorted(
            &[(SortField::Name, Direction::Asc)],
            Window::After { position: Some(pos(vec![SortValue::Text("Ann".into())])), limit: 5 },
        );
        assert_eq!(
            statement(&by_name),
            "(SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = $1) AS total \
             FROM users u WHERE u.zone = $1 \
             AND lower(u.name) >= $2 AND (lower(u.name), u.name, u.id) > ($2, $3, $4) \
             ORDER BY lower(u.name) ASC, u.name ASC, u.id ASC LIMIT $5"
        );
        let mut mixed = sorted(
            &[(SortField::Email, Direction::Desc), (SortField::CreatedAt, Direction::Asc)],
            Window::Before {
                position: pos(vec![
                    SortValue::Text("a@b.c".into()),
                    SortValue::Time(Timestamp::from_micros(7).unwrap()),
                ]),
                limit: 5,
            },
        );
        mixed.filter.statuses = vec![UserStatus::Suspended];
        mixed.filter.identifier = Some("ann".into());
        assert_eq!(
            statement(&mixed),
            "(SELECT count(*) FROM users u WHERE u.zone = $1 AND lower(u.identifier) = $2 \
             AND u.status = ANY($3)) AS total \
             FROM users u WHERE u.zone = $1 AND lower(u.identifier) = $2 AND u.status = ANY($3) \
             AND lower(u.email) >= $4 AND ((lower(u.email) > $4) \
             OR (lower(u.email) = $4 AND u.email > $5) \
             OR (lower(u.email) = $4 AND u.email = $5 AND u.created_at < $6) \
             OR (lower(u.email) = $4 AND u.email = $5 AND u.created_at = $6 AND u.id < $7)) \
             ORDER BY lower(u.email) ASC, u.email ASC, u.created_at DESC, u.id DESC LIMIT $8"
        );
    }
}
