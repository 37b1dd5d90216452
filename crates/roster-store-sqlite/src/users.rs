//! Users in SQLite: row mapping, the list query builder and the writes.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use serde_json::{Map, Value};

use roster_domain::query::{AttributeFilter, searchable_fields};
use roster_domain::{
    Direction, DomainError, OrgId, Position, SortField, SortValue, Timestamp, User, UserId,
    UserPage, UserQuery, UserStatus, UserType, Window, ZoneId,
};
use roster_store::{IdempotencyRecord, StoreError, StoreResult, UserUpdate};

use crate::error::{from_sqlite, violated_unique_index};

pub const USER_COLUMNS: &str = "u.id, u.identifier, u.email, u.email_verified, u.first_name, \
     u.last_name, u.name, u.description, u.user_type, u.status, u.attributes, u.issuer, \
     u.provider_id, u.subject, u.authenticated_at, u.created_at, u.updated_at, u.created_by, \
     u.updated_by, u.version";

/// Where a zone's users live: its rowid here, plus the ids users carry.
#[derive(Debug, Clone, Copy)]
pub struct ZoneKey {
    pub seq: i64,
    pub zone: ZoneId,
    pub org: OrgId,
}

fn bytes16(row: &Row<'_>, i: usize) -> rusqlite::Result<[u8; 16]> {
    let v: Vec<u8> = row.get(i)?;
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Blob,
            "expected 16 bytes".into(),
        )
    })
}

fn conversion(i: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
}

fn ts(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    Timestamp::from_micros(row.get(i)?).ok_or_else(|| conversion(i, "timestamp out of range"))
}

pub fn parse_attributes(text: &str) -> Map<String, Value> {
    if text == "{}" {
        return Map::new();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

pub fn user_from_row(row: &Row<'_>, zone: &ZoneKey) -> rusqlite::Result<User> {
    // Enums and attributes are read in place: no owned copy of the text.
    let user_type = row.get_ref(8)?.as_str().map_err(|_| conversion(8, "user_type"))?;
    let status = row.get_ref(9)?.as_str().map_err(|_| conversion(9, "status"))?;
    let attributes =
        parse_attributes(row.get_ref(10)?.as_str().map_err(|_| conversion(10, "attributes"))?);
    let authenticated_at: Option<i64> = row.get(14)?;
    Ok(User {
        id: UserId::from_bytes(bytes16(row, 0)?),
        organization_id: zone.org,
        zone_id: zone.zone,
        identifier: row.get(1)?,
        email: row.get(2)?,
        email_verified: row.get(3)?,
        first_name: row.get(4)?,
        last_name: row.get(5)?,
        name: row.get(6)?,
        description: row.get(7)?,
        user_type: UserType::parse(user_type).ok_or_else(|| conversion(8, "user_type"))?,
        status: UserStatus::parse(status).ok_or_else(|| conversion(9, "status"))?,
        attributes,
        issuer: row.get(11)?,
        provider_id: row.get(12)?,
        subject: row.get(13)?,
        authenticated_at: authenticated_at.and_then(Timestamp::from_micros),
        created_at: ts(row, 15)?,
        updated_at: ts(row, 16)?,
        created_by: row.get(17)?,
        updated_by: row.get(18)?,
        version: row.get(19)?,
    })
}

pub fn get_user(conn: &Connection, zone: &ZoneKey, id: &UserId) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1 AND u.zone = ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((id.to_bytes().as_slice(), zone.seq), |r| user_from_row(r, zone))
        .optional()
        .map_err(from_sqlite)?
        .ok_or(StoreError::NotFound)
}

/// The separator around every field in the search index; search terms
/// never contain it.
const FIELD_MARK: char = '\u{1f}';

/// The text the search index holds for a user: every searchable field,
/// ASCII-folded, each framed by `FIELD_MARK` on both sides.
fn search_document(user: &User) -> String {
    let mut doc = String::from(FIELD_MARK);
    for f in searchable_fields(user) {
        doc.push_str(&f);
        doc.push(FIELD_MARK);
    }
    doc.make_ascii_lowercase();
    doc
}

fn attributes_text(user: &User) -> StoreResult<String> {
    serde_json::to_string(&user.attributes).map_err(|e| StoreError::Internal(e.to_string()))
}

fn map_unique(e: rusqlite::Error) -> StoreError {
    match violated_unique_index(&e).as_deref() {
        Some("users_email") => StoreError::Conflict { field: "email" },
        Some("users_identifier") => StoreError::Conflict { field: "identifier" },
        // SQLite names a partial index's columns rather than the index.
        Some("users_subject" | "users.zone, users.issuer, users.subject") => {
            StoreError::Conflict { field: "subject" }
        }
        Some("users.id") => StoreError::Conflict { field: "id" },
        _ => from_sqlite(e),
    }
}

fn bump_count(conn: &Connection, zone: i64, status: UserStatus, delta: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO user_counts (zone, status, n) VALUES (?1, ?2, ?3) \
         ON CONFLICT (zone, status) DO UPDATE SET n = n + excluded.n",
    )
    .and_then(|mut s| s.execute((zone, status.as_str(), delta)))
    .map_err(from_sqlite)?;
    Ok(())
}

fn check_provider(conn: &Connection, zone: i64, user: &User) -> StoreResult<()> {
    let Some(provider) = &user.provider_id else {
        return Ok(());
    };
    let found = crate::access::provider_exists(conn, zone, provider)?;
    if found { Ok(()) } else { Err(StoreError::MissingReference { field: "provider_id" }) }
}

pub fn insert_user(
    conn: &Connection,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
) -> StoreResult<()> {
    check_provider(conn, zone.seq, user)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO users (id, zone, identifier, email, email_verified, first_name, \
             last_name, name, description, user_type, status, attributes, issuer, provider_id, \
             subject, authenticated_at, created_at, updated_at, created_by, updated_by, version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18, ?19, ?20, ?21)",
        )
        .map_err(from_sqlite)?;
    let attributes = attributes_text(user)?;
    stmt.execute(rusqlite::params![
        user.id.to_bytes().as_slice(),
        zone.seq,
        user.identifier,
        user.email,
        user.email_verified,
        user.first_name,
        user.last_name,
        user.name,
        user.description,
        user.user_type.as_str(),
        user.status.as_str(),
        attributes,
        user.issuer,
        user.provider_id,
        user.subject,
        user.authenticated_at.map(Timestamp::as_micros),
        user.created_at.as_micros(),
        user.updated_at.as_micros(),
        user.created_by,
        user.updated_by,
        user.version,
    ])
    .map_err(map_unique)?;
    let seq = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO users_search (rowid, doc) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute((seq, search_document(user))))
        .map_err(from_sqlite)?;
    bump_count(conn, zone.seq, user.status, 1)?;
    if let Some(record) = idempotency {
        crate::idempotency::insert(conn, record)?;
    }
    Ok(())
}

fn locate(conn: &Connection, zone: &ZoneKey, id: &UserId) -> StoreResult<(i64, User)> {
    let sql = format!("SELECT {USER_COLUMNS}, u.seq FROM users u WHERE u.id = ?1 AND u.zone = ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((id.to_bytes().as_slice(), zone.seq), |r| {
        Ok((r.get::<_, i64>(20)?, user_from_row(r, zone)?))
    })
    .optional()
    .map_err(from_sqlite)?
    .ok_or(StoreError::NotFound)
}

pub fn update_user(
    conn: &Connection,
    zone: &ZoneKey,
    id: &UserId,
    update: UserUpdate,
) -> StoreResult<User> {
    let (seq, before) = locate(conn, zone, id)?;
    let mut after = before.clone();
    if !update(&mut after)? {
        return Ok(before);
    }
    check_provider(conn, zone.seq, &after)?;
    let attributes = attributes_text(&after)?;
    conn.prepare_cached(
        "UPDATE users SET identifier = ?2, email = ?3, email_verified = ?4, first_name = ?5, \
         last_name = ?6, name = ?7, description = ?8, user_type = ?9, status = ?10, \
         attributes = ?11, issuer = ?12, provider_id = ?13, subject = ?14, \
         authenticated_at = ?15, updated_at = ?16, updated_by = ?17, version = ?18 \
         WHERE seq = ?1",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            seq,
            after.identifier,
            after.email,
            after.email_verified,
            after.first_name,
            after.last_name,
            after.name,
            after.description,
            after.user_type.as_str(),
            after.status.as_str(),
            attributes,
            after.issuer,
            after.provider_id,
            after.subject,
            after.authenticated_at.map(Timestamp::as_micros),
            after.updated_at.as_micros(),
            after.updated_by,
            after.version,
        ])
    })
    .map_err(map_unique)?;
    let (old_doc, new_doc) = (search_document(&before), search_document(&after));
    if old_doc != new_doc {
        conn.prepare_cached("UPDATE users_search SET doc = ?2 WHERE rowid = ?1")
            .and_then(|mut s| s.execute((seq, new_doc)))
            .map_err(from_sqlite)?;
    }
    if before.status != after.status {
        bump_count(conn, zone.seq, before.status, -1)?;
        bump_count(conn, zone.seq, after.status, 1)?;
        if after.status == UserStatus::Disabled {
            // A disabled user cannot authenticate: what it holds goes too.
            crate::access::revoke_everything(conn, seq, after.updated_at)?;
        }
    }
    Ok(after)
}

pub fn delete_user(
    conn: &Connection,
    zone: &ZoneKey,
    id: &UserId,
    expected_version: Option<i64>,
) -> StoreResult<()> {
    let (seq, user) = locate(conn, zone, id)?;
    if expected_version.is_some_and(|v| v != user.version) {
        return Err(StoreError::Rejected(DomainError::PreconditionFailed));
    }
    conn.prepare_cached("DELETE FROM users WHERE seq = ?1")
        .and_then(|mut s| s.execute([seq]))
        .map_err(from_sqlite)?;
    conn.prepare_cached("DELETE FROM users_search WHERE rowid = ?1")
        .and_then(|mut s| s.execute([seq]))
        .map_err(from_sqlite)?;
    bump_count(conn, zone.seq, user.status, -1)?;
    Ok(())
}

/// A query under construction with its positional parameters.
struct Sql {
    text: String,
    params: Vec<SqlValue>,
}

impl Sql {
    fn bind(&mut self, v: impl Into<SqlValue>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }
}

/// The SQL expressions, in order, that a sort field compares by.
fn sort_exprs(field: SortField) -> &'static [&'static str] {
    match field {
        SortField::CreatedAt => &["u.created_at"],
        SortField::UpdatedAt => &["u.updated_at"],
        SortField::Email => &["lower(u.email)", "u.email"],
        SortField::Name => &["lower(u.name)", "u.name"],
        SortField::Identifier => &["lower(u.identifier)", "u.identifier"],
        SortField::FirstName => &["lower(u.first_name)", "u.first_name"],
        SortField::LastName => &["lower(u.last_name)", "u.last_name"],
        SortField::Status => &["u.status"],
        SortField::UserType => &["u.user_type"],
    }
}

/// The values a position holds for each of `sort_exprs`.
fn sort_params(field: SortField, value: &SortValue) -> Vec<SqlValue> {
    match value {
        SortValue::Time(t) => vec![SqlValue::Integer(t.as_micros())],
        SortValue::Text(s) if field.is_folded() => {
            vec![SqlValue::Text(s.to_ascii_lowercase()), SqlValue::Text(s.clone())]
        }
        SortValue::Text(s) => vec![SqlValue::Text(s.clone())],
    }
}

const SEARCH_FIELDS: [&str; 5] = [
    "user_id_text(u.id)",
    "lower(u.email)",
    "lower(u.name)",
    "lower(u.identifier)",
    "lower(coalesce(u.description, ''))",
];

/// The FTS5 phrase query for a (folded) term of three or more characters;
/// shorter terms have no trigram and are matched by scanning.
fn phrase_query(term: &str) -> Option<String> {
    (term.chars().count() >= 3).then(|| phrase(term))
}

fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn rank_expr(sql: &mut Sql, term: &str) -> String {
    if phrase_query(term).is_some() {
        // Whole-field and field-start matches are phrases framed by the
        // field mark: two index lookups per query instead of folding every
        // field of every row.
        let exact = sql.bind(phrase(&format!("{FIELD_MARK}{term}{FIELD_MARK}")));
        let prefix = sql.bind(phrase(&format!("{FIELD_MARK}{term}")));
        let set = |p: &str| {
            format!("u.seq IN (SELECT rowid FROM users_search WHERE users_search MATCH {p})")
        };
        return format!(
            "(CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END)",
            set(&exact),
            set(&prefix)
        );
    }
    let t = sql.bind(term.to_owned());
    // substr() counts characters, not bytes.
    let len = sql.bind(i64::try_from(term.chars().count()).unwrap_or(i64::MAX));
    let exact: Vec<String> = SEARCH_FIELDS.iter().map(|f| format!("{f} = {t}")).collect();
    let prefix: Vec<String> =
        SEARCH_FIELDS.iter().map(|f| format!("substr({f}, 1, {len}) = {t}")).collect();
    format!(
        "(CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END)",
        exact.join(" OR "),
        prefix.join(" OR ")
    )
}

fn push_filters(sql: &mut Sql, zone: &ZoneKey, query: &UserQuery) {
    let f = &query.filter;
    let z = sql.bind(zone.seq);
    // With an index search the matches are few next to the zone: a unary
    // `+` keeps the planner from walking the zone's users instead.
    let indexed_search = query.search.iter().any(|t| phrase_query(t).is_some());
    let zone_column = if indexed_search { "+u.zone" } else { "u.zone" };
    sql.text.push_str(&format!(" WHERE {zone_column} = {z}"));
    if !f.ids.is_empty() {
        let ids: Vec<String> = f.ids.iter().map(|id| sql.bind(id.to_bytes().to_vec())).collect();
        sql.text.push_str(&format!(" AND u.id IN ({})", ids.join(", ")));
    }
    if let Some(email) = &f.email {
        let p = sql.bind(email.clone());
        sql.text.push_str(&format!(" AND lower(u.email) = {p}"));
    }
    if let Some(identifier) = &f.identifier {
        let p = sql.bind(identifier.clone());
        sql.text.push_str(&format!(" AND lower(u.identifier) = {p}"));
    }
    if !f.user_types.is_empty() {
        let v: Vec<String> = f.user_types.iter().map(|t| sql.bind(t.as_str().to_owned())).collect();
        sql.text.push_str(&format!(" AND u.user_type IN ({})", v.join(", ")));
    }
    if !f.statuses.is_empty() {
        let v: Vec<String> = f.statuses.iter().map(|s| sql.bind(s.as_str().to_owned())).collect();
        sql.text.push_str(&format!(" AND u.status IN ({})", v.join(", ")));
    }
    for (column, value) in [("u.created_by", &f.created_by), ("u.updated_by", &f.updated_by)] {
        if let Some(v) = value {
            let p = sql.bind(v.clone());
            sql.text.push_str(&format!(" AND {column} = {p}"));
        }
    }
    for (column, op, value) in [
        ("u.created_at", ">=", f.created_from),
        ("u.created_at", "<", f.created_to),
        ("u.updated_at", ">=", f.updated_from),
        ("u.updated_at", "<", f.updated_to),
    ] {
        if let Some(t) = value {
            let p = sql.bind(t.as_micros());
            sql.text.push_str(&format!(" AND {column} {op} {p}"));
        }
    }
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
    for term in &query.search {
        match phrase_query(term) {
            // The index is exact: its matches need no re-check.
            Some(phrase) => {
                let p = sql.bind(phrase);
                sql.text.push_str(&format!(
                    " AND u.seq IN (SELECT rowid FROM users_search WHERE users_search MATCH {p})"
                ));
            }
            None => {
                let t = sql.bind(term.clone());
                let any: Vec<String> =
                    SEARCH_FIELDS.iter().map(|f| format!("instr({f}, {t}) > 0")).collect();
                sql.text.push_str(&format!(" AND ({})", any.join(" OR ")));
            }
        }
    }
}

fn push_attribute_filter(sql: &mut Sql, attr: &AttributeFilter) {
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
        // Arrays and objects are never produced by the query parser.
        Value::Array(_) | Value::Object(_) => "0".to_owned(),
    };
    sql.text.push_str(&format!(" AND ({cond})"));
}

/// Ordered keys of the query: (expression, direction), rank first when
/// ranked, `u.id` last.
fn order_keys(sql: &mut Sql, query: &UserQuery) -> Vec<(String, Direction)> {
    let mut keys = Vec::new();
    if query.ranked
        && let Some(term) = query.search.first()
    {
        keys.push((rank_expr(sql, term), Direction::Asc));
    }
    for key in &query.sort.keys {
        for expr in sort_exprs(key.field) {
            keys.push(((*expr).to_owned(), key.direction));
        }
    }
    keys.push(("u.id".to_owned(), query.sort.id_direction()));
    keys
}

fn position_params(query: &UserQuery, pos: &Position) -> Vec<SqlValue> {
    let mut out = Vec::new();
    if query.ranked {
        out.push(SqlValue::Integer(i64::from(pos.rank.map_or(0u8, |r| r as u8))));
    }
    for (key, value) in query.sort.keys.iter().zip(&pos.values) {
        out.extend(sort_params(key.field, value));
    }
    out.push(SqlValue::Blob(pos.id.to_bytes().to_vec()));
    out
}

/// `row comes strictly after pos` in the order given by `keys`.
fn push_after(sql: &mut Sql, keys: &[(String, Direction)], values: Vec<SqlValue>) {
    let params: Vec<String> = values.into_iter().map(|v| sql.bind(v)).collect();
    let uniform = keys.iter().all(|(_, d)| *d == keys[0].1);
    let op = |d: Direction| if d == Direction::Asc { ">" } else { "<" };
    // A plain range on the leading key lets the planner seek the index.
    if let (Some((expr, dir)), Some(p)) = (keys.first(), params.first()) {
        sql.text.push_str(&format!(" AND {expr} {}= {p}", op(*dir)));
    }
    if uniform {
        let lhs: Vec<&str> = keys.iter().map(|(e, _)| e.as_str()).collect();
        sql.text.push_str(&format!(
            " AND ({}) {} ({})",
            lhs.join(", "),
            op(keys[0].1),
            params.join(", ")
        ));
        return;
    }
    let mut ors = Vec::new();
    for i in 0..keys.len() {
        let mut ands: Vec<String> =
            (0..i).map(|j| format!("{} = {}", keys[j].0, params[j])).collect();
        ands.push(format!("{} {} {}", keys[i].0, op(keys[i].1), params[i]));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    sql.text.push_str(&format!(" AND ({})", ors.join(" OR ")));
}

fn push_order(sql: &mut Sql, keys: &[(String, Direction)], flip: bool) {
    let parts: Vec<String> = keys
        .iter()
        .map(|(e, d)| {
            let d = if flip { d.flip() } else { *d };
            format!("{e} {}", d.as_str().to_uppercase())
        })
        .collect();
    sql.text.push_str(&format!(" ORDER BY {}", parts.join(", ")));
}

pub fn list_users(conn: &Connection, zone: &ZoneKey, query: &UserQuery) -> StoreResult<UserPage> {
    let limit = query.window.limit();
    let mut sql = Sql { text: format!("SELECT {USER_COLUMNS} FROM users u"), params: Vec::new() };
    push_filters(&mut sql, zone, query);
    let filter_params = sql.params.len();
    let filter_text = sql.text.clone();

    let keys = order_keys(&mut sql, query);
    let flip = matches!(query.window, Window::Before { .. });
    match &query.window {
        Window::After { position: Some(pos), .. } | Window::Before { position: pos, .. } => {
            let directed: Vec<(String, Direction)> =
                keys.iter().map(|(e, d)| (e.clone(), if flip { d.flip() } else { *d })).collect();
            push_after(&mut sql, &directed, position_params(query, pos));
        }
        Window::After { position: None, .. } | Window::Offset { .. } => {}
    }
    push_order(&mut sql, &keys, flip);
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    match &query.window {
        Window::Offset { offset, .. } => {
            let l = sql.bind(fetch);
            let o = sql.bind(i64::try_from(*offset).unwrap_or(i64::MAX));
            sql.text.push_str(&format!(" LIMIT {l} OFFSET {o}"));
        }
        _ => {
            let l = sql.bind(fetch);
            sql.text.push_str(&format!(" LIMIT {l}"));
        }
    }

    let tx = conn.unchecked_transaction().map_err(from_sqlite)?;
    let mut users = {
        let mut stmt = tx.prepare_cached(&sql.text).map_err(from_sqlite)?;
        let rows = stmt
            .query_map(params_from_iter(sql.params.iter()), |r| user_from_row(r, zone))
            .map_err(from_sqlite)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(from_sqlite)?
    };
    let has_more = users.len() > limit;
    users.truncate(limit);
    if flip {
        users.reverse();
    }
    let total = count_users(&tx, zone, query, &filter_text, &sql.params[..filter_params])?;
    drop(tx);
    Ok(UserPage { users, has_more, total })
}

fn count_users(
    conn: &Connection,
    zone: &ZoneKey,
    query: &UserQuery,
    filter_text: &str,
    filter_params: &[SqlValue],
) -> StoreResult<u64> {
    let counted = if query.search.is_empty() && query.filter.only_statuses() {
        // Kept up to date by every write: no scan, one statement.
        let mut statuses: Vec<&str> = query.filter.statuses.iter().map(|s| s.as_str()).collect();
        // A status named twice must not be counted twice.
        statuses.sort_unstable();
        statuses.dedup();
        let mut sql = String::from("SELECT coalesce(sum(n), 0) FROM user_counts WHERE zone = ?1");
        let mut params = vec![SqlValue::Integer(zone.seq)];
        if !statuses.is_empty() {
            let marks: Vec<String> = (0..statuses.len()).map(|k| format!("?{}", k + 2)).collect();
            sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
            params.extend(statuses.iter().map(|s| SqlValue::Text((*s).to_owned())));
        }
        conn.prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row(params_from_iter(params.iter()), |r| r.get::<_, i64>(0))
            })
            .map_err(from_sqlite)?
    } else {
        let text = filter_text.replacen(
            &format!("SELECT {USER_COLUMNS} FROM users u"),
            "SELECT count(*) FROM users u",
            1,
        );
        let mut stmt = conn.prepare_cached(&text).map_err(from_sqlite)?;
        stmt.query_row(params_from_iter(filter_params.iter()), |r| r.get::<_, i64>(0))
            .map_err(from_sqlite)?
    };
    Ok(u64::try_from(counted).unwrap_or(0))
}

/// The lowercase text form of a user id blob, for search.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "user_id_text",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let bytes: Vec<u8> = ctx.get(0)?;
            let arr: [u8; 16] = bytes.try_into().unwrap_or([0; 16]);
            Ok(UserId::from_bytes(arr).to_string().to_ascii_lowercase())
        },
    )
}
