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

mod search;
mod sql;

use tokio_postgres::types::Type;

use roster_domain::{
    Direction, Position, Rank, SortField, SortValue, User, UserId, UserPage, UserQuery, Window,
};
use roster_store::{ListLimits, StoreResult, WalkFrame};

use crate::db::Conn;
use crate::tenancy::get;
use crate::types::{PgId, PgTime};
use crate::users::{USER_COLUMNS, ZoneKey, user_from_row};
use sql::{
    SEARCH_DOC, Sql, contains_pattern, order_keys, position_bounds, push_after, push_filters,
    push_order, rank_expr, sort_exprs,
};

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
        Plan::Walk => walk(client, zone, query, limits).await,
    }
}

/// `count(*)` over at most `cap + 1` rows of `inner`.
async fn bounded_count(client: &Conn, inner: &Sql, cap: usize) -> StoreResult<usize> {
    let text = format!("SELECT count(*) FROM ({} LIMIT {}) c", inner.text, cap.saturating_add(1));
    let rows = client.query_typed(&text, &inner.params(inner.params.len())).await?;
    let n: i64 = match rows.first() {
        Some(row) => get(row, 0)?,
        None => 0,
    };
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

async fn choose(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<Plan> {
    let f = &query.filter;
    if f.is_empty() && query.search.is_empty() {
        return Ok(Plan::Direct);
    }
    if !f.ids.is_empty() || f.email.is_some() || f.identifier.is_some() {
        return Ok(Plan::Direct);
    }
    let cap = limits.candidate_cap;
    // Terms under three characters have no trigram: their candidates are
    // the whole zone, so they always walk.
    for term in query.search.iter().filter(|t| t.chars().count() >= 3) {
        if search::looks_common(client, zone, term, cap).await? {
            continue;
        }
        let mut probe = Sql { text: String::new(), params: Vec::new() };
        let z = probe.bind(zone.seq, Type::INT8);
        let p = probe.bind(contains_pattern(term), Type::TEXT);
        probe.text = format!("SELECT 1 FROM users u WHERE u.zone = {z} AND {SEARCH_DOC} LIKE {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    if let Some(role) = &f.role {
        let mut probe = Sql { text: String::new(), params: Vec::new() };
        let p = probe.bind(crate::types::id(role.to_bytes()), Type::UUID);
        probe.text = format!("SELECT 1 FROM role_assignments ra WHERE ra.role_id = {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    if let Some(provider) = &f.provider_id {
        let mut probe = Sql { text: String::new(), params: Vec::new() };
        let z = probe.bind(zone.seq, Type::INT8);
        let p = probe.bind(provider.clone(), Type::TEXT);
        probe.text = format!("SELECT 1 FROM users u WHERE u.zone = {z} AND u.provider_id = {p}");
        if bounded_count(client, &probe, cap).await? <= cap {
            return Ok(Plan::Direct);
        }
    }
    Ok(Plan::Walk)
}

/// The zone's users (with one of the bound statuses, when given) from the
/// counters every write keeps up to date: no scan.
fn counted_sql(statuses: Option<&str>) -> String {
    let mut s =
        String::from("SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = $1");
    if let Some(p) = statuses {
        s.push_str(&format!(" AND c.status = ANY({p})"));
    }
    s
}

fn users_of(rows: &[tokio_postgres::Row], zone: &ZoneKey) -> StoreResult<Vec<User>> {
    rows.iter().map(|r| user_from_row(r, zone)).collect()
}

/// The page and its exact total from one statement.
async fn direct(client: &Conn, zone: &ZoneKey, query: &UserQuery) -> StoreResult<UserPage> {
    let limit = query.window.limit();
    let mut sql = Sql { text: String::new(), params: Vec::new() };
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
            push_after(&mut sql, &directed(&keys, flip), position_bounds(query, pos, true));
        }
        Window::After { position: None, .. } | Window::Offset { .. } => {}
    }
    push_order(&mut sql, &keys, flip);
    let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
    let l = sql.bind(fetch, Type::INT8);
    sql.text.push_str(&format!(" LIMIT {l}"));
    if let Window::Offset { offset, .. } = &query.window {
        let o = sql.bind(i64::try_from(*offset).unwrap_or(i64::MAX), Type::INT8);
        sql.text.push_str(&format!(" OFFSET {o}"));
    }

    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let total: i64 = match rows.first() {
        Some(row) => get(row, 20)?,
        // An empty page carries no row to read the total from.
        None => {
            let rows = client
                .query_typed(&format!("SELECT ({total_sql})"), &sql.params(filter_params))
                .await?;
            match rows.first() {
                Some(row) => get(row, 0)?,
                None => 0,
            }
        }
    };
    let mut users = users_of(&rows, zone)?;
    let has_more = users.len() > limit;
    users.truncate(limit);
    if flip {
        users.reverse();
    }
    Ok(UserPage {
        users,
        has_more,
        total: u64::try_from(total).unwrap_or(0),
        total_exact: true,
        resume: None,
    })
}

fn directed(keys: &[(String, Direction)], flip: bool) -> Vec<(String, Direction)> {
    keys.iter().map(|(e, d)| (e.clone(), if flip { d.flip() } else { *d })).collect()
}

/// Where one step of a walk reads: the zone's users after `from` in the
/// order of `keys` (reversed when `flip`).
struct Step<'a> {
    zone: &'a ZoneKey,
    query: &'a UserQuery,
    keys: &'a [(String, Direction)],
    from: Option<&'a Position>,
    flip: bool,
}

/// The step's users, at most `n`: the stretch of the sort index one walk
/// step may look at.
fn zone_stretch(sql: &mut Sql, step: &Step<'_>, n: usize) -> String {
    let Step { zone, query, keys, from, flip } = *step;
    let mut inner = Sql { text: String::new(), params: std::mem::take(&mut sql.params) };
    let z = inner.bind(zone.seq, Type::INT8);
    inner.text = format!("SELECT * FROM users u WHERE u.zone = {z}");
    if let Some(pos) = from {
        push_after(&mut inner, &directed(keys, flip), position_bounds(query, pos, false));
    }
    push_order(&mut inner, keys, flip);
    let l = inner.bind(i64::try_from(n).unwrap_or(i64::MAX), Type::INT8);
    inner.text.push_str(&format!(" LIMIT {l}"));
    sql.params = inner.params;
    inner.text
}

/// The position of the `n`-th user of the zone after `from`, or `None`
/// when fewer remain: where a walk that looked at `n` users stopped.
async fn stop_after(
    client: &Conn,
    step: &Step<'_>,
    rank: Option<u8>,
    n: usize,
) -> StoreResult<Option<Position>> {
    let Step { query, keys, flip, .. } = *step;
    let mut sql = Sql { text: String::new(), params: Vec::new() };
    let columns: Vec<&str> = query
        .sort
        .keys
        .iter()
        .map(|k| match sort_exprs(k.field) {
            [only] => *only,
            [_, raw, ..] => *raw,
            [] => "u.id",
        })
        .collect();
    let stretch = zone_stretch(&mut sql, step, n);
    let o = sql.bind(i64::try_from(n.saturating_sub(1)).unwrap_or(i64::MAX), Type::INT8);
    sql.text = format!(
        "SELECT {}u.id FROM ({stretch}) u",
        columns.iter().map(|c| format!("{c}, ")).collect::<String>()
    );
    push_order(&mut sql, keys, flip);
    sql.text.push_str(&format!(" LIMIT 1 OFFSET {o}"));
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let mut values = Vec::new();
    for (i, key) in query.sort.keys.iter().enumerate() {
        values.push(match key.field {
            SortField::CreatedAt | SortField::UpdatedAt => {
                SortValue::Time(get::<PgTime>(row, i)?.0)
            }
            _ => SortValue::Text(get(row, i)?),
        });
    }
    let id = UserId::from_bytes(get::<PgId>(row, query.sort.keys.len())?.0);
    Ok(Some(Position { rank: rank.and_then(Rank::from_u8), values, id }))
}

/// The page by walking the zone in order, looking at no more than
/// `scan_budget` users per rank level.
async fn walk(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<UserPage> {
    let frame = WalkFrame::of(query);
    let WalkFrame { start, want, flip, levels, first_level, .. } = &frame;
    let (want, flip, first_level) = (*want, *flip, *first_level);
    let budget = limits.scan_budget.max(1);

    let mut out: Vec<User> = Vec::new();
    let mut resume = None;
    for (i, level) in levels.iter().enumerate().skip(first_level) {
        let from = if i == first_level { start.as_ref() } else { None };
        let mut sql = Sql { text: String::new(), params: Vec::new() };
        let keys = order_keys(&mut sql, query, false);
        let step = Step { zone, query, keys: &keys, from, flip };
        if *level == Some(0) {
            let n = want - out.len();
            let cap = limits.candidate_cap;
            if let Some(found) = search::whole_field_level(client, &step, n, cap).await? {
                // The whole level was read from the index: go on to the next.
                out.extend(found);
                if out.len() >= want {
                    break;
                }
                continue;
            }
        }
        let stretch = zone_stretch(&mut sql, &step, budget);
        let mut filters = Sql { text: String::new(), params: std::mem::take(&mut sql.params) };
        push_filters(&mut filters, zone, query);
        if let (Some(r), Some(term)) = (level, query.search.first()) {
            let expr = rank_expr(&mut filters, term);
            let p = filters.bind(i32::from(*r), Type::INT4);
            filters.text.push_str(&format!(" AND {expr} = {p}"));
        }
        sql.params = filters.params;
        sql.text = format!("SELECT {USER_COLUMNS} FROM ({stretch}) u{}", filters.text);
        push_order(&mut sql, &keys, flip);
        let l = sql.bind(i64::try_from(want - out.len()).unwrap_or(i64::MAX), Type::INT8);
        sql.text.push_str(&format!(" LIMIT {l}"));
        let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
        out.extend(users_of(&rows, zone)?);
        if out.len() >= want {
            break;
        }
        // Short: either the level ran out of users, or the budget did.
        if let Some(stop) = stop_after(client, &step, *level, budget).await? {
            resume = Some(stop);
            break;
        }
    }

    let (total, total_exact) = walked_count(client, zone, query, limits).await?;
    let (users, has_more, resume) = frame.page(query, out, resume)?;
    Ok(UserPage { users, has_more, total, total_exact, resume })
}

/// A walked filter's total: exact from the counters for status filters,
/// else the matches among the zone's first
/// `scan_budget` users (by creation), exact only when the zone holds no
/// more than that.
async fn walked_count(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<(u64, bool)> {
    let mut sql = Sql { text: String::new(), params: Vec::new() };
    if query.search.is_empty() && query.filter.only_statuses() {
        // Status filters walk for their page but count from the counters.
        let statuses = push_filters(&mut sql, zone, query);
        sql.text = format!("SELECT ({})", counted_sql(statuses.as_deref()));
        let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
        let n: i64 = match rows.first() {
            Some(row) => get(row, 0)?,
            None => 0,
        };
        return Ok((u64::try_from(n).unwrap_or(0), true));
    }
    let z = sql.bind(zone.seq, Type::INT8);
    let b = sql.bind(i64::try_from(limits.scan_budget).unwrap_or(i64::MAX), Type::INT8);
    let mut filters = Sql { text: String::new(), params: std::mem::take(&mut sql.params) };
    push_filters(&mut filters, zone, query);
    sql.params = filters.params;
    sql.text = format!(
        "SELECT (SELECT count(*) FROM (SELECT * FROM users u WHERE u.zone = {z} \
         ORDER BY u.created_at, u.id LIMIT {b}) u{}), ({})",
        filters.text,
        counted_sql(None)
    );
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let (n, size): (i64, i64) = match rows.first() {
        Some(row) => (get(row, 0)?, get(row, 1)?),
        None => (0, 0),
    };
    let exact = u64::try_from(size).unwrap_or(0) <= limits.scan_budget as u64;
    Ok((u64::try_from(n).unwrap_or(0), exact))
}
