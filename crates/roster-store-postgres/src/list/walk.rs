//! Walk plans: the zone read in the requested order through a subquery
//! limited to `scan_budget` rows, filtering on the way (per rank level when
//! ranked); a page the budget cuts short resumes past the last user looked
//! at.

use tokio_postgres::types::Type;

use roster_domain::{Position, Rank, SortField, SortValue, User, UserId, UserPage, UserQuery};
use roster_store::keyset::{directed, position_values, raw_column};
use roster_store::{ListLimits, StoreResult, WalkFrame, ZoneKey};

use super::read::{Step, counted_sql, first_or_default, users_of};
use super::search;
use super::sql::{Sql, order_keys, push_after, push_filters, push_order, rank_expr};
use crate::db::Conn;
use crate::row::get;
use crate::types::{PgId, PgTime};
use crate::users::USER_COLUMNS;

/// The step's users, at most `n`: the stretch of the sort index one walk
/// step may look at.
fn zone_stretch(sql: &mut Sql, step: &Step<'_>, n: usize) -> String {
    let Step { zone, query, keys, from, flip } = *step;
    let mut inner = sql.continued();
    let z = inner.bind(zone.seq, Type::INT8);
    inner.text = format!("SELECT * FROM users u WHERE u.zone = {z}");
    if let Some(pos) = from {
        push_after(&mut inner, &directed(keys, flip), position_values(query, pos, false));
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
    let mut sql = Sql::default();
    let columns: Vec<&str> = query.sort.keys.iter().map(|k| raw_column(k.field)).collect();
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
pub(super) async fn walk(
    client: &Conn,
    zone: &ZoneKey,
    query: &UserQuery,
    limits: ListLimits,
) -> StoreResult<UserPage> {
    let frame = WalkFrame::of(query);
    let (want, flip) = (frame.want, frame.flip);
    let budget = limits.scan_budget.max(1);

    let mut out: Vec<User> = Vec::new();
    let mut resume = None;
    for (level, from) in frame.steps() {
        let mut sql = Sql::default();
        let keys = order_keys(&mut sql, query, false);
        let step = Step { zone, query, keys: &keys, from, flip };
        if level == Some(0) {
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
        let mut filters = sql.continued();
        push_filters(&mut filters, zone, query);
        if let (Some(r), Some(term)) = (level, query.search.first()) {
            let expr = rank_expr(&mut filters, term);
            let p = filters.bind(i32::from(r), Type::INT4);
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
        if let Some(stop) = stop_after(client, &step, level, budget).await? {
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
    let mut sql = Sql::default();
    if query.search.is_empty() && query.filter.only_statuses() {
        // Status filters walk for their page but count from the counters.
        let statuses = push_filters(&mut sql, zone, query);
        sql.text = format!("SELECT ({})", counted_sql(statuses.as_deref()));
        let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
        let n: i64 = first_or_default(&rows, 0)?;
        return Ok((u64::try_from(n).unwrap_or(0), true));
    }
    let z = sql.bind(zone.seq, Type::INT8);
    let b = sql.bind(i64::try_from(limits.scan_budget).unwrap_or(i64::MAX), Type::INT8);
    let mut filters = sql.continued();
    push_filters(&mut filters, zone, query);
    sql.params = filters.params;
    sql.text = format!(
        "SELECT (SELECT count(*) FROM (SELECT * FROM users u WHERE u.zone = {z} \
         ORDER BY u.created_at, u.id LIMIT {b}) u{}), ({})",
        filters.text,
        counted_sql(None)
    );
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let (n, size): (i64, i64) = (first_or_default(&rows, 0)?, first_or_default(&rows, 1)?);
    let exact = u64::try_from(size).unwrap_or(0) <= limits.scan_budget as u64;
    Ok((u64::try_from(n).unwrap_or(0), exact))
}
