//! The pieces of a user-list statement: filters, search, rank and the
//! keyset conditions that start (and stop) a page at a position.

use std::fmt::Write as _;

use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use roster_domain::UserQuery;
use roster_domain::query::AttributeFilter;
use roster_store::Param;
use roster_store::filters::{self, Condition};
use roster_store::keyset::{self, Key};
use roster_store::{ZoneKey, like_escaped};

use crate::users::{FIELD_MARK, SEARCH_ZONE_SHIFT};

pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), params: Vec::new() }
    }

    pub fn bind(&mut self, v: impl Into<SqlValue>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }

    pub fn bind_param(&mut self, v: Param) -> String {
        match v {
            Param::Rank(r) => self.bind(i64::from(r)),
            Param::Time(t) => self.bind(t.as_micros()),
            Param::Text(s) => self.bind(s),
            Param::Id(id) => self.bind(id.to_bytes().to_vec()),
        }
    }
}

/// The searchable fields, in the search document's order, unfolded: every
/// test on a row folds ASCII case in the comparison itself (`LIKE`,
/// `COLLATE NOCASE`), exactly as `lower()` would and only for ASCII, with no
/// lowered copy of each field of each row. (The id's text is lowercase.)
const SEARCH_FIELDS: [&str; 5] =
    ["user_id_text(u.id)", "u.email", "u.name", "u.identifier", "u.description"];

/// `(f1 LIKE p ESCAPE '\' OR …)` over the searchable fields.
fn any_field_like(pattern_param: &str) -> String {
    let any: Vec<String> =
        SEARCH_FIELDS.iter().map(|f| format!("{f} LIKE {pattern_param} ESCAPE '\\'")).collect();
    format!("({})", any.join(" OR "))
}

/// The FTS5 phrase query for a (folded) term of three or more characters;
/// shorter terms have no trigram and are matched by scanning.
pub fn phrase_query(term: &str) -> Option<String> {
    (term.chars().count() >= 3).then(|| phrase(term))
}

fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The zone's rowid range in the search index (migration 0004).
pub fn search_range(zone: &ZoneKey) -> (i64, i64) {
    let low = zone.seq << SEARCH_ZONE_SHIFT;
    (low, low | ((1i64 << SEARCH_ZONE_SHIFT) - 1))
}

/// The `seq`s of the zone's users that a phrase matches, read from the
/// index once: a statement tests membership in this set instead of walking
/// the phrase's postings again.
pub struct Gathered(pub Vec<i64>);

/// A gathered set that answers the query's search term at this index.
pub type GatheredTerm<'a> = (usize, &'a Gathered);

impl Gathered {
    /// The set as a subquery over one bound JSON array. `json_each` is
    /// built in and takes one text parameter, so the statement text, and
    /// its cached preparation, do not depend on the set's size.
    pub fn subquery(&self, sql: &mut Sql) -> String {
        let mut list = String::with_capacity(self.0.len() * 8 + 2);
        list.push('[');
        for (i, seq) in self.0.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(list, "{seq}");
        }
        list.push(']');
        let p = sql.bind(list);
        format!("SELECT value FROM json_each({p})")
    }
}

/// `seq`s of the zone's users whose document matches the bound phrase.
pub fn matches_in_zone(sql: &mut Sql, zone: &ZoneKey, phrase_param: &str) -> String {
    let (low, high) = search_range(zone);
    let (lo, hi) = (sql.bind(low), sql.bind(high));
    format!(
        "SELECT rowid - {lo} FROM users_search WHERE users_search MATCH {phrase_param} \
         AND rowid BETWEEN {lo} AND {hi}"
    )
}

/// How a statement tells whether a row matches a search term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matching {
    /// Through the trigram index: the matches are gathered first, which
    /// costs what the term matches in the zone. For terms known to match
    /// few users.
    Index,
    /// By testing each row the statement reads: costs what the statement
    /// reads, however many users the term matches. For walks.
    Rows,
}

/// The FTS5 phrase for the users a search term ranks `level` for, when
/// the index can answer it: 0 (a whole field) `<mark>term<mark>`, 1 (a
/// field start, whole fields included) `<mark>term`. The marks make even a
/// two-character term long enough for trigrams.
pub fn level_phrase(term: &str, level: u8) -> Option<String> {
    let framed = match level {
        0 => format!("{FIELD_MARK}{term}{FIELD_MARK}"),
        1 => format!("{FIELD_MARK}{term}"),
        _ => return None,
    };
    phrase_query(&framed)
}

/// The rank of a row for `term`: 0 whole field, 1 field start, 2 inside,
/// from the row's own fields. (The search index's framed phrases could
/// rank a field holding the index's field mark, U+001F, differently.)
pub fn rank_expr(sql: &mut Sql, term: &str) -> String {
    // The term is folded: NOCASE equality and a `term%` pattern are
    // `lower(field) = term` and "the folded field starts with the term".
    let t = sql.bind(term.to_owned());
    let exact: Vec<String> =
        SEARCH_FIELDS.iter().map(|f| format!("{f} = {t} COLLATE NOCASE")).collect();
    let prefix = sql.bind(format!("{}%", like_escaped(term)));
    format!(
        "(CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END)",
        exact.join(" OR "),
        any_field_like(&prefix)
    )
}

/// ` WHERE …` with the zone and every filter and search term of `query`.
pub fn push_filters(
    sql: &mut Sql,
    zone: &ZoneKey,
    query: &UserQuery,
    gathered: Option<GatheredTerm<'_>>,
) {
    let z = sql.bind(zone.seq);
    // With an index search the matches are few next to the zone: a unary
    // `+` keeps the planner from walking the zone's users instead.
    let indexed_search = query.search.iter().any(|t| phrase_query(t).is_some());
    let zone_column = if indexed_search { "+u.zone" } else { "u.zone" };
    sql.text.push_str(&format!(" WHERE {zone_column} = {z}"));
    push_conditions(sql, zone, query, Matching::Index, gathered);
}

/// Every filter and search term of `query` as ` AND …` conditions, search
/// terms matched as `matching` says, or by membership in `gathered` for
/// the term it answers.
pub fn push_conditions(
    sql: &mut Sql,
    zone: &ZoneKey,
    query: &UserQuery,
    matching: Matching,
    gathered: Option<GatheredTerm<'_>>,
) {
    let f = &query.filter;
    if !f.ids.is_empty() {
        let ids: Vec<String> = f.ids.iter().map(|id| sql.bind(id.to_bytes().to_vec())).collect();
        sql.text.push_str(&format!(" AND u.id IN ({})", ids.join(", ")));
    }
    push_plain(sql, filters::lookups(f));
    if !f.user_types.is_empty() {
        let v: Vec<String> = f.user_types.iter().map(|t| sql.bind(t.as_str().to_owned())).collect();
        sql.text.push_str(&format!(" AND u.user_type IN ({})", v.join(", ")));
    }
    if !f.statuses.is_empty() {
        let v: Vec<String> = f.statuses.iter().map(|s| sql.bind(s.as_str().to_owned())).collect();
        sql.text.push_str(&format!(" AND u.status IN ({})", v.join(", ")));
    }
    push_plain(sql, filters::provenance(f));
    if let Some(role) = &f.role {
        let p = sql.bind(role.to_bytes().to_vec());
        sql.text.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM role_assignments ra JOIN roles r ON r.seq = ra.role_seq \
             WHERE ra.user_seq = u.seq AND r.id = {p})"
        ));
    }
    if let Some(provider) = &f.provider_id {
        let p = sql.bind(provider.clone());
        sql.text.push_str(&format!(" AND u.provider_id = {p}"));
    }
    for attr in &f.attributes {
        push_attribute_filter(sql, attr);
    }
    for (i, term) in query.search.iter().enumerate() {
        if let Some((_, set)) = gathered.filter(|(t, _)| *t == i) {
            let set = set.subquery(sql);
            sql.text.push_str(&format!(" AND u.seq IN ({set})"));
            continue;
        }
        match phrase_query(term).filter(|_| matching == Matching::Index) {
            // The index is exact: its matches need no re-check.
            Some(phrase) => {
                let p = sql.bind(phrase);
                let set = matches_in_zone(sql, zone, &p);
                sql.text.push_str(&format!(" AND u.seq IN ({set})"));
            }
            // The same rule as the index's, tested on the row: the term is
            // a substring of a folded field.
            None => {
                let t = sql.bind(format!("%{}%", like_escaped(term)));
                sql.text.push_str(&format!(" AND {}", any_field_like(&t)));
            }
        }
    }
}

fn push_plain(sql: &mut Sql, conditions: Vec<Condition>) {
    for (lhs, value) in conditions {
        let p = sql.bind_param(value);
        sql.text.push_str(&format!(" AND {lhs} {p}"));
    }
}

fn push_attribute_filter(sql: &mut Sql, attr: &AttributeFilter) {
    // Arrays and objects are never produced by the query parser; they match
    // nothing, as in the PostgreSQL backend. They are answered before the
    // path is bound: SQLite refuses a statement given a parameter it never
    // reads.
    if matches!(attr.value, Value::Array(_) | Value::Object(_)) {
        sql.text.push_str(" AND (0)");
        return;
    }
    // Keys are checked for quotes and control characters by the caller, so
    // the quoted path segment cannot be escaped from.
    let path = sql.bind(format!("$.\"{}\"", attr.key));
    let kind = format!("json_type(u.attributes, {path})");
    let extract = format!("json_extract(u.attributes, {path})");
    let cond = match &attr.value {
        Value::Null => format!("{kind} = 'null'"),
        Value::Bool(true) => format!("{kind} = 'true'"),
        Value::Bool(false) => format!("{kind} = 'false'"),
        Value::Number(n) => {
            let p = match n.as_i64() {
                Some(i) => sql.bind(i),
                None => sql.bind(n.as_f64().unwrap_or(f64::NAN)),
            };
            format!("{kind} IN ('integer', 'real') AND {extract} = {p}")
        }
        Value::String(s) => {
            let p = sql.bind(s.clone());
            format!("{kind} = 'text' AND {extract} = {p}")
        }
        // Answered above, before the path was bound.
        Value::Array(_) | Value::Object(_) => "0".to_owned(),
    };
    sql.text.push_str(&format!(" AND ({cond})"));
}

/// `row comes strictly after pos` in the order `keys`, as one condition.
pub fn after(sql: &mut Sql, keys: &[Key], values: Vec<Param>) -> String {
    let params: Vec<String> = values.into_iter().map(|v| sql.bind_param(v)).collect();
    format!("({})", keyset::after(keys, &params).join(" AND "))
}

/// `row comes at or before pos` in the order `keys`: where a walk stops.
pub fn up_to(sql: &mut Sql, keys: &[Key], values: Vec<Param>) -> String {
    let lead = keys.first().and(values.first()).map(|v| sql.bind_param(v.clone()));
    let params: Vec<String> = values.into_iter().map(|v| sql.bind_param(v)).collect();
    keyset::up_to(keys, lead.as_deref(), &params)
}

pub fn push_order(sql: &mut Sql, keys: &[Key]) {
    sql.text.push_str(&keyset::order_by(keys, false));
}
