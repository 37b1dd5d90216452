//! Where a search term's users are found without asking the trigram index
//! when asking it would be slow.
//!
//! The trigram GIN index answers `LIKE` through a bitmap: every candidate
//! is gathered before any `LIMIT` applies. For a term that a few percent of
//! a large zone contain, merely counting its candidates costs hundreds of
//! milliseconds (484 ms for `mari` among 9 M users, BENCHMARKS.md). Two
//! things avoid that:
//!
//! - a term seen often among the zone's oldest users is known to be common
//!   without the index, and is walked (it fills pages fast);
//! - the whole-field matches that rank first come from the b-tree indexes
//!   that answer equality on email, identifier, name and the description's
//!   digest, and from the primary key, not from trigrams.

use tokio_postgres::types::Type;

use roster_domain::{User, UserId};
use roster_store::keyset::{directed, position_values};
use roster_store::{StoreResult, ZoneKey};

use super::read::{Step, bounded_count, first_or_default, users_of};
use super::sql::{SEARCH_DOC, Sql, contains_pattern, push_after, push_filters, push_order};
use crate::db::Conn;
use crate::types::id;
use crate::users::USER_COLUMNS;

/// How many of the zone's oldest users a term is looked for in before the
/// trigram index is asked about it: a page of reads, a few milliseconds.
const SAMPLE: usize = 2_000;

/// Whether `term` is so common in the zone that its trigram candidates
/// would number more than `cap`, judged from the zone's `SAMPLE` oldest
/// users. A wrong guess costs time, never an answer: a common term guessed
/// rare is counted by the index as before, a rare one guessed common walks.
pub(super) async fn looks_common(
    client: &Conn,
    zone: &ZoneKey,
    term: &str,
    cap: usize,
) -> StoreResult<bool> {
    let mut sql = Sql::default();
    let z = sql.bind(zone.seq, Type::INT8);
    let s = sql.bind(i64::try_from(SAMPLE).unwrap_or(i64::MAX), Type::INT8);
    let p = sql.bind(contains_pattern(term), Type::TEXT);
    sql.text = format!(
        "SELECT (SELECT count(*) FROM (SELECT u.search_id, u.email, u.name, u.identifier, \
         u.description FROM users u WHERE u.zone = {z} ORDER BY u.created_at, u.id LIMIT {s}) u \
         WHERE {SEARCH_DOC} LIKE {p}), \
         (SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = {z})"
    );
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    let (seen, size): (i64, i64) = (first_or_default(&rows, 0)?, first_or_default(&rows, 1)?);
    let (seen, size) = (u128::try_from(seen).unwrap_or(0), u128::try_from(size).unwrap_or(0));
    let sample = SAMPLE as u128;
    // Three sightings at least: one or two could be the sample's luck.
    Ok(size > sample && seen >= 3 && seen * size > cap as u128 * sample)
}

/// `a field of the user equals term`, as equalities the indexes answer.
fn whole_field_arms(sql: &mut Sql, term: &str) -> String {
    let t = sql.bind(term.to_owned(), Type::TEXT);
    let mut arms = vec![
        format!("lower(u.email) = {t}"),
        format!("lower(u.identifier) = {t}"),
        format!("lower(u.name) = {t}"),
        format!(
            "(u.description IS NOT NULL AND md5(lower(u.description)) = md5({t}) \
             AND lower(u.description) = {t})"
        ),
    ];
    // `search_id` is the id's text lowercased, and Crockford base32 folds
    // case without loss: a term equal to a user's search id parses back to
    // that user's id, and no other term can equal one.
    let user = UserId::parse(term).filter(|u| u.to_string().to_ascii_lowercase() == term);
    if let Some(user) = user {
        let p = sql.bind(id(user.to_bytes()), Type::UUID);
        arms.push(format!("u.id = {p}"));
    }
    format!("({})", arms.join(" OR "))
}

/// The next `n` users of rank level 0 (a field equal to the first term)
/// after `from`, straight from the equality indexes, when the zone holds
/// at most `cap` of them; `None` when it holds more (the level is walked).
pub(super) async fn whole_field_level(
    client: &Conn,
    step: &Step<'_>,
    n: usize,
    cap: usize,
) -> StoreResult<Option<Vec<User>>> {
    let Step { zone, query, keys, from, flip } = *step;
    let Some(term) = query.search.first().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut probe = Sql::default();
    let z = probe.bind(zone.seq, Type::INT8);
    let arms = whole_field_arms(&mut probe, term);
    probe.text = format!("SELECT 1 FROM users u WHERE u.zone = {z} AND {arms}");
    if bounded_count(client, &probe, cap).await? > cap {
        return Ok(None);
    }
    // The equality implies the first term's own conditions; leaving its
    // `LIKE` out keeps the planner off the trigram index. The other filters
    // apply to the few matches behind a fence (`OFFSET 0`): planned
    // together, an index on a filter (`status`) looked selective to a
    // planner without statistics (fresh after a bulk load) and it read
    // 7 M users through it instead.
    let mut rest = query.clone();
    rest.search.remove(0);
    let mut sql = Sql::default();
    let z = sql.bind(zone.seq, Type::INT8);
    let arms = whole_field_arms(&mut sql, term);
    let matches = format!("SELECT * FROM users u WHERE u.zone = {z} AND {arms} OFFSET 0");
    push_filters(&mut sql, zone, &rest);
    sql.text = format!("SELECT {USER_COLUMNS} FROM ({matches}) u{}", sql.text);
    if let Some(pos) = from {
        push_after(&mut sql, &directed(keys, flip), position_values(query, pos, false));
    }
    push_order(&mut sql, keys, flip);
    let l = sql.bind(i64::try_from(n).unwrap_or(i64::MAX), Type::INT8);
    sql.text.push_str(&format!(" LIMIT {l}"));
    let rows = client.query_typed(&sql.text, &sql.params(sql.params.len())).await?;
    users_of(&rows, zone).map(Some)
}
