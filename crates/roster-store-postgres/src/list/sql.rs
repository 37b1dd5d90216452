//! The pieces list statements are built from: typed parameters, sort
//! expressions, the filter clause, keyset conditions and ordering.

use serde_json::{Map, Value};
use tokio_postgres::types::{ToSql, Type};

use roster_domain::query::AttributeFilter;
use roster_domain::{Direction, UserQuery};
use roster_store::Param;
use roster_store::ZoneKey;
use roster_store::filters::{self, Condition};
use roster_store::keyset::{self, Key};

use crate::types::{PgId, id, time};

/// A query under construction with its typed positional parameters. List
/// queries are sent with their parameter types (`query_typed`): one round
/// trip, planned for the actual values (a search term's selectivity decides
/// between the trigram index and an ordered index scan), and no per-shape
/// prepared statement piling up on every connection.
#[derive(Default)]
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) params: Vec<(Box<dyn ToSql + Sync + Send>, Type)>,
}

impl Sql {
    /// An empty statement whose parameters continue this one's numbering:
    /// a clause built apart, whose parameters go back with `sql.params =`.
    pub(super) fn continued(&mut self) -> Sql {
        Sql { text: String::new(), params: std::mem::take(&mut self.params) }
    }

    pub(super) fn bind<T: ToSql + Sync + Send + 'static>(&mut self, v: T, ty: Type) -> String {
        self.params.push((Box::new(v), ty));
        format!("${}", self.params.len())
    }

    pub(super) fn bind_param(&mut self, v: Param) -> String {
        match v {
            Param::Rank(r) => self.bind(i32::from(r), Type::INT4),
            Param::Time(t) => self.bind(time(t), Type::TIMESTAMPTZ),
            Param::Text(s) => self.bind(s, Type::TEXT),
            Param::Id(u) => self.bind(id(u.to_bytes()), Type::UUID),
        }
    }

    pub(super) fn params(&self, n: usize) -> Vec<(&(dyn ToSql + Sync), Type)> {
        self.params.iter().take(n).map(|(v, t)| (&**v as &(dyn ToSql + Sync), t.clone())).collect()
    }
}

pub(super) const SEARCH_FIELDS: [&str; 5] = [
    "u.search_id",
    "lower(u.email)",
    "lower(u.name)",
    "lower(u.identifier)",
    "lower(coalesce(u.description, ''))",
];

/// The expression the `users_search` trigram index is built on, verbatim.
pub(super) const SEARCH_DOC: &str = "(u.search_id || ' ' || lower(u.email) || ' ' || lower(u.name) || ' ' || \
     lower(u.identifier) || ' ' || lower(coalesce(u.description, '')))";

/// A LIKE pattern matching `term` anywhere, with LIKE's metacharacters
/// taken literally.
pub(super) fn contains_pattern(term: &str) -> String {
    format!("%{}%", roster_store::like_escaped(term))
}

pub(super) fn rank_expr(sql: &mut Sql, term: &str) -> String {
    let t = sql.bind(term.to_owned(), Type::TEXT);
    let exact: Vec<String> = SEARCH_FIELDS.iter().map(|f| format!("{f} = {t}")).collect();
    let prefix: Vec<String> =
        SEARCH_FIELDS.iter().map(|f| format!("starts_with({f}, {t})")).collect();
    format!(
        "(CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END)",
        exact.join(" OR "),
        prefix.join(" OR ")
    )
}

/// The WHERE clause of the filters and search; returns the parameter that
/// holds the status list, if any (the counters answer by status).
pub(super) fn push_filters(sql: &mut Sql, zone: &ZoneKey, query: &UserQuery) -> Option<String> {
    let f = &query.filter;
    let z = sql.bind(zone.seq, Type::INT8);
    sql.text.push_str(&format!(" WHERE u.zone = {z}"));
    if !f.ids.is_empty() {
        let ids: Vec<PgId> = f.ids.iter().map(|i| id(i.to_bytes())).collect();
        let p = sql.bind(ids, Type::UUID_ARRAY);
        sql.text.push_str(&format!(" AND u.id = ANY({p})"));
    }
    push_plain(sql, filters::lookups(f));
    if !f.user_types.is_empty() {
        let v: Vec<String> = f.user_types.iter().map(|t| t.as_str().to_owned()).collect();
        let p = sql.bind(v, Type::TEXT_ARRAY);
        sql.text.push_str(&format!(" AND u.user_type = ANY({p})"));
    }
    let mut statuses = None;
    if !f.statuses.is_empty() {
        let v: Vec<String> = f.statuses.iter().map(|s| s.as_str().to_owned()).collect();
        let p = sql.bind(v, Type::TEXT_ARRAY);
        sql.text.push_str(&format!(" AND u.status = ANY({p})"));
        statuses = Some(p);
    }
    push_plain(sql, filters::provenance(f));
    if let Some(role) = &f.role {
        let p = sql.bind(id(role.to_bytes()), Type::UUID);
        sql.text.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM role_assignments ra \
             WHERE ra.user_id = u.id AND ra.role_id = {p})"
        ));
    }
    if let Some(provider) = &f.provider_id {
        let p = sql.bind(provider.clone(), Type::TEXT);
        sql.text.push_str(&format!(" AND u.provider_id = {p}"));
    }
    for attr in &f.attributes {
        push_attribute_filter(sql, attr);
    }
    for term in &query.search {
        // Trigram candidates need a term of three characters or more;
        // shorter terms are matched by the exact check alone.
        if term.chars().count() >= 3 {
            let p = sql.bind(contains_pattern(term), Type::TEXT);
            sql.text.push_str(&format!(" AND {SEARCH_DOC} LIKE {p}"));
        }
        let t = sql.bind(term.clone(), Type::TEXT);
        let any: Vec<String> =
            SEARCH_FIELDS.iter().map(|f| format!("strpos({f}, {t}) > 0")).collect();
        sql.text.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    statuses
}

fn push_plain(sql: &mut Sql, conditions: Vec<Condition>) {
    for (lhs, value) in conditions {
        let p = sql.bind_param(value);
        sql.text.push_str(&format!(" AND {lhs} {p}"));
    }
}

/// `attributes.<key> = value` as jsonb containment of `{key: value}`:
/// served by the GIN index, numbers compared by value, types kept apart.
pub(super) fn push_attribute_filter(sql: &mut Sql, attr: &AttributeFilter) {
    let cond = match &attr.value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            let mut object = Map::new();
            object.insert(attr.key.clone(), attr.value.clone());
            let p = sql.bind(Value::Object(object), Type::JSONB);
            format!("(u.attributes::jsonb) @> {p}")
        }
        // Arrays and objects are never produced by the query parser; they
        // match nothing, as in the SQLite backend.
        Value::Array(_) | Value::Object(_) => "false".to_owned(),
    };
    sql.text.push_str(&format!(" AND {cond}"));
}

/// Ordered keys of the query: (expression, direction), rank first when
/// ranked and `with_rank`, `u.id` last.
pub(super) fn order_keys(sql: &mut Sql, query: &UserQuery, with_rank: bool) -> Vec<Key> {
    let mut keys = Vec::new();
    if with_rank
        && query.ranked
        && let Some(term) = query.search.first()
    {
        keys.push((rank_expr(sql, term), Direction::Asc));
    }
    keys.extend(keyset::sort_keys(query));
    keys
}

/// ` AND` the row comes strictly after the position with `values` in the
/// order given by `keys`.
pub(super) fn push_after(sql: &mut Sql, keys: &[Key], values: Vec<Param>) {
    let params: Vec<String> = values.into_iter().map(|v| sql.bind_param(v)).collect();
    for cond in keyset::after(keys, &params) {
        sql.text.push_str(&format!(" AND {cond}"));
    }
}

pub(super) fn push_order(sql: &mut Sql, keys: &[Key], flip: bool) {
    sql.text.push_str(&keyset::order_by(keys, flip));
}
