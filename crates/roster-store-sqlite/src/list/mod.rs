//! Listing users with bounded work.
//!
//! A list request may cost what its page costs, not what the zone holds.
//! Each request takes one of two plans:
//!
//! - **Direct**: the statement the filters suggest, when its candidates are
//!   few by construction: no filter at all (the sort index walks straight
//!   to the page), ids, email or identifier (unique lookups), or a search
//!   term, role or provider with at most `candidate_cap` users in the zone
//!   (a search term's matches are read from the index once, and the page
//!   and its count test membership in them; a role or provider is probed
//!   with a bounded count).
//! - **Walk**: everything else (a common search term, a 1–2 character
//!   term, attribute, date, type or status filters) walks the zone in the
//!   requested order, looking at no more than `scan_budget` users in all.
//!   When the budget runs out before the page is full, the page is short
//!   and its cursor resumes past the last user looked at, so paging on
//!   with cursors still reaches every match.
//!
//! `total_count` is exact for no filter and status filters (kept counters)
//! and for Direct plans; a walked filter counts the matches among the
//! zone's first `scan_budget` users and flags the count as a lower bound
//! when the zone holds more.

mod fetch;
mod short;
mod sql;
mod walk;

pub use short::is_short;

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

use roster_domain::{Direction, UserPage, UserQuery, UserStatus, Window};
use roster_store::keyset::{directed, position_values, sort_keys};
use roster_store::{ListLimits, StoreResult, ZoneKey, direct_page, few_by_construction};

use crate::error::from_sqlite;
use crate::users::USER_COLUMNS;
use fetch::{Found, bounded_count, count_of, fetch, gather};
use sql::{
    Gathered, GatheredTerm, Matching, Sql, after, phrase_query, push_conditions, push_filters,
    push_order, rank_expr,
};

enum Plan {
    /// With the matches of a search term (its index) when gathered.
    Direct(Option<(usize, Gathered)>),
    Walk,
}

pub fn list_users(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<UserPage> {
    // One snapshot for the page and its count.
    let tx = conn.unchecked_transaction().map_err(from_sqlite)?;
    let plan = choose(&tx, zone, query, limits)?;
    let found = match &plan {
        Plan::Direct(gathered) => {
            direct(&tx, zone, query, gathered.as_ref().map(|(t, g)| (*t, g)))?
        }
        Plan::Walk => walk::walk(&tx, zone, query, limits)?,
    };
    let (total, total_exact) = count(&tx, zone, query, &plan, limits)?;
    drop(tx);
    Ok(UserPage {
        users: found.users,
        has_more: found.has_more,
        total,
        total_exact,
        resume: found.resume,
    })
}

fn choose(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<Plan> {
    if few_by_construction(query) {
        return Ok(Plan::Direct(None));
    }
    let f = &query.filter;
    let cap = limits.candidate_cap;
    for (term, text) in query.search.iter().enumerate() {
        if let Some(phrase) = phrase_query(text)
            && let Some(set) = gather(conn, zone, phrase, cap)?
        {
            // The one pass over the term's postings: the page and its
            // count test membership in these few `seq`s.
            return Ok(Plan::Direct(Some((term, set))));
        }
    }
    if let Some(role) = &f.role {
        let mut probe = Sql::new("");
        let p = probe.bind(role.to_bytes().to_vec());
        probe.text = format!(
            "SELECT 1 FROM role_assignments ra JOIN roles r ON r.seq = ra.role_seq WHERE r.id = {p}"
        );
        if bounded_count(conn, &probe, cap)? <= cap {
            return Ok(Plan::Direct(None));
        }
    }
    // Neither is unique: each is direct when its own index finds it few.
    for (column, value) in [("provider_id", &f.provider_id), ("external_id", &f.external_id)] {
        let Some(value) = value else { continue };
        let mut probe = Sql::new("");
        let (z, p) = (probe.bind(zone.seq), probe.bind(value.clone()));
        probe.text = format!("SELECT 1 FROM users WHERE zone = {z} AND {column} = {p}");
        if bounded_count(conn, &probe, cap)? <= cap {
            return Ok(Plan::Direct(None));
        }
    }
    Ok(Plan::Walk)
}

/// The page straight from the statement the filters suggest.
fn direct(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    gathered: Option<GatheredTerm<'_>>,
) -> StoreResult<Found> {
    let sql = direct_sql(zone, query, gathered);
    let (users, has_more) = direct_page(fetch(conn, zone, &sql)?, query);
    Ok(Found { users, has_more, resume: None })
}

fn direct_sql(zone: &ZoneKey, query: &UserQuery, gathered: Option<GatheredTerm<'_>>) -> Sql {
    let flip = matches!(query.window, Window::Before { .. });
    let mut sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users u"));
    push_filters(&mut sql, zone, query, gathered);
    let mut keys = Vec::new();
    if query.ranked
        && let Some(term) = query.search.first()
    {
        keys.push((rank_expr(&mut sql, term), Direction::Asc));
    }
    keys.extend(sort_keys(query));
    let keys = directed(&keys, flip);
    if let Window::After { position: Some(pos), .. } | Window::Before { position: pos, .. } =
        &query.window
    {
        let cond = after(&mut sql, &keys, position_values(query, pos, true));
        sql.text.push_str(&format!(" AND {cond}"));
    }
    push_order(&mut sql, &keys);
    let fetch_n = i64::try_from(query.window.limit() + 1).unwrap_or(i64::MAX);
    let l = sql.bind(fetch_n);
    sql.text.push_str(&format!(" LIMIT {l}"));
    if let Window::Offset { offset, .. } = &query.window {
        let o = sql.bind(i64::try_from(*offset).unwrap_or(i64::MAX));
        sql.text.push_str(&format!(" OFFSET {o}"));
    }
    sql
}

/// `total_count`, and whether it is exact.
fn count(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    plan: &Plan,
    limits: ListLimits,
) -> StoreResult<(u64, bool)> {
    if query.search.is_empty() && query.filter.only_statuses() {
        return Ok((counted_users(conn, zone, &query.filter.statuses)?, true));
    }
    if let Plan::Direct(gathered) = plan {
        if let Some((_, set)) = gathered
            && query.search.len() == 1
            && query.filter.is_empty()
        {
            // The term is the only condition: its gathered matches are
            // the count.
            return Ok((set.0.len() as u64, true));
        }
        let mut sql = Sql::new("SELECT count(*) FROM users u");
        push_filters(&mut sql, zone, query, gathered.as_ref().map(|(t, g)| (*t, g)));
        let n = count_of(conn, &sql.text, &sql.params)?;
        return Ok((u64::try_from(n).unwrap_or(0), true));
    }
    // Walked filters count within the zone's first `scan_budget` users.
    let budget = i64::try_from(limits.scan_budget).unwrap_or(i64::MAX);
    let mut sql = Sql::new("");
    let (z, b) = (sql.bind(zone.seq), sql.bind(budget));
    sql.text = format!(
        "SELECT count(*) FROM (SELECT * FROM users WHERE zone = {z} ORDER BY zone, created_at \
         LIMIT {b}) u WHERE 1"
    );
    push_conditions(&mut sql, zone, query, Matching::Rows, None);
    let n = count_of(conn, &sql.text, &sql.params)?;
    let zone_size = counted_users(conn, zone, &[])?;
    Ok((u64::try_from(n).unwrap_or(0), zone_size <= limits.scan_budget as u64))
}

/// The zone's users (with one of `statuses`, when given) from the counters
/// every write keeps up to date: one statement, no scan.
fn counted_users(conn: &Connection, zone: &ZoneKey, statuses: &[UserStatus]) -> StoreResult<u64> {
    let mut names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    // A status named twice must not be counted twice.
    names.sort_unstable();
    names.dedup();
    let mut sql = String::from("SELECT coalesce(sum(n), 0) FROM user_counts WHERE zone = ?1");
    let mut params = vec![SqlValue::Integer(zone.seq)];
    if !names.is_empty() {
        let marks: Vec<String> = (0..names.len()).map(|k| format!("?{}", k + 2)).collect();
        sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
        params.extend(names.iter().map(|s| SqlValue::Text((*s).to_owned())));
    }
    let n = count_of(conn, &sql, &params)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::{OrgId, Position, Sort, SortField, SortKey, SortValue, UserId, ZoneId};

    fn zone() -> ZoneKey {
        ZoneKey { seq: 3, zone: ZoneId::from_bytes([2; 16]), org: OrgId::from_bytes([1; 16]) }
    }

    fn sorted(keys: &[(SortField, Direction)], window: Window) -> UserQuery {
        let keys = keys.iter().map(|&(field, direction)| SortKey { field, direction }).collect();
        UserQuery { sort: Sort { keys }, window, ..UserQuery::first_page(10) }
    }

    /// The text after the selected columns, which every list statement
    /// shares.
    fn statement(query: &UserQuery) -> String {
        let sql = direct_sql(&zone(), query, None);
        let from = sql.text.find(" FROM users u").unwrap_or(0);
        sql.text[from..].to_owned()
    }

    // Pinned: a change of this text is a change of the plans SQLite picks.
    #[test]
    fn direct_statements_are_pinned() {
        let pos = |values| Position { rank: None, values, id: UserId::from_bytes([9; 16]) };
        let first = UserQuery::first_page(20);
        assert_eq!(
            statement(&first),
            " FROM users u WHERE u.zone = ?1 ORDER BY u.created_at ASC, u.id ASC LIMIT ?2"
        );
        let by_name = sorted(
            &[(SortField::Name, Direction::Asc)],
            Window::After { position: Some(pos(vec![SortValue::Text("Ann".into())])), limit: 5 },
        );
        assert_eq!(
            statement(&by_name),
            " FROM users u WHERE u.zone = ?1 \
             AND (lower(u.name) >= ?2 AND (lower(u.name), u.name, u.id) > (?2, ?3, ?4)) \
             ORDER BY lower(u.name) ASC, u.name ASC, u.id ASC LIMIT ?5"
        );
        let mut mixed = sorted(
            &[(SortField::Email, Direction::Desc), (SortField::CreatedAt, Direction::Asc)],
            Window::Before {
                position: pos(vec![
                    SortValue::Text("a@b.c".into()),
                    SortValue::Time(roster_domain::Timestamp::from_micros(7).unwrap()),
                ]),
                limit: 5,
            },
        );
        mixed.filter.statuses = vec![UserStatus::Suspended];
        mixed.filter.identifier = Some("ann".into());
        assert_eq!(
            statement(&mixed),
            " FROM users u WHERE u.zone = ?1 AND lower(u.identifier) = ?2 AND u.status IN (?3) \
             AND (lower(u.email) >= ?4 AND ((lower(u.email) > ?4) \
             OR (lower(u.email) = ?4 AND u.email > ?5) \
             OR (lower(u.email) = ?4 AND u.email = ?5 AND u.created_at < ?6) \
             OR (lower(u.email) = ?4 AND u.email = ?5 AND u.created_at = ?6 AND u.id < ?7))) \
             ORDER BY lower(u.email) ASC, u.email ASC, u.created_at DESC, u.id DESC LIMIT ?8"
        );
    }
}
