//! Users in PostgreSQL: row mapping, the writes and the list query builder.
//!
//! The list query mirrors the SQLite backend's clause for clause (the
//! domain's `UserQuery::matches` and `compare` are the reference both are
//! tested against); what differs is only how each clause is spelled for
//! PostgreSQL and which index serves it.

use crate::db::Exec;
use serde_json::{Map, Value};
use tokio_postgres::Row;
use tokio_postgres::types::{Json, ToSql, Type};

use roster_domain::query::AttributeFilter;
use roster_domain::{
    Direction, DomainError, OrgId, Position, SortField, SortValue, User, UserId, UserPage,
    UserQuery, UserStatus, UserType, Window, ZoneId,
};
use roster_store::{IdempotencyRecord, StoreError, StoreResult, UserUpdate};

use crate::db;
use crate::error::{decode, foreign_key_violation, from_pg, unique_violation};
use crate::tenancy::get;
use crate::types::{PgId, PgTime, id, opt_time, time};

pub const USER_COLUMNS: &str = "u.id, u.identifier, u.email, u.email_verified, u.first_name, \
     u.last_name, u.name, u.description, u.user_type, u.status, u.attributes, u.issuer, \
     u.provider_id, u.subject, u.authenticated_at, u.created_at, u.updated_at, u.created_by, \
     u.updated_by, u.version";

/// Where a zone's users live: its surrogate key here, plus the ids users
/// carry.
#[derive(Debug, Clone, Copy)]
pub struct ZoneKey {
    pub seq: i64,
    pub zone: ZoneId,
    pub org: OrgId,
}

pub fn user_from_row(row: &Row, zone: &ZoneKey) -> StoreResult<User> {
    let user_type: String = get(row, 8)?;
    let status: String = get(row, 9)?;
    let attributes: Value = get(row, 10)?;
    Ok(User {
        id: UserId::from_bytes(get::<PgId>(row, 0)?.0),
        organization_id: zone.org,
        zone_id: zone.zone,
        identifier: get(row, 1)?,
        email: get(row, 2)?,
        email_verified: get(row, 3)?,
        first_name: get(row, 4)?,
        last_name: get(row, 5)?,
        name: get(row, 6)?,
        description: get(row, 7)?,
        user_type: UserType::parse(&user_type).ok_or_else(|| decode("user_type", &user_type))?,
        status: UserStatus::parse(&status).ok_or_else(|| decode("status", &status))?,
        attributes: match attributes {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        issuer: get(row, 11)?,
        provider_id: get(row, 12)?,
        subject: get(row, 13)?,
        authenticated_at: get::<Option<PgTime>>(row, 14)?.map(|t| t.0),
        created_at: get::<PgTime>(row, 15)?.0,
        updated_at: get::<PgTime>(row, 16)?.0,
        created_by: get(row, 17)?,
        updated_by: get(row, 18)?,
        version: get(row, 19)?,
    })
}

pub async fn get_user<C: Exec>(c: &C, zone: &ZoneKey, uid: &UserId) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.zone = $2");
    let row = db::query_opt(c, &sql, &[&id(uid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row, zone)
}

fn map_write_error(e: tokio_postgres::Error) -> StoreError {
    match unique_violation(&e).as_deref() {
        Some("users_email") => return StoreError::Conflict { field: "email" },
        Some("users_identifier") => {
            return StoreError::Conflict { field: "identifier" };
        }
        Some("users_subject") => return StoreError::Conflict { field: "subject" },
        Some("users_pkey") => return StoreError::Conflict { field: "id" },
        _ => {}
    }
    // The zone was deleted after its key was looked up (or cached).
    if foreign_key_violation(&e).as_deref() == Some("users_zone_fkey") {
        return StoreError::NotFound;
    }
    from_pg(e)
}

/// The counter shard a connection writes to: its backend pid, so the
/// connections of a pool (and mostly of several nodes) touch different rows.
const SHARD: &str = "(pg_backend_pid() % 16)";

/// `provider_id` must name a provider of the zone. The provider row is
/// locked (`FOR KEY SHARE`) until the caller's transaction ends, so a
/// provider deleted concurrently either is gone before the check or waits
/// for this write and then unlinks the user it made. The zone is checked
/// when the provider is missing, so that a vanished zone reads `NotFound`,
/// as the SQLite backend answers.
async fn check_provider<C: Exec>(c: &C, zone: &ZoneKey, user: &User) -> StoreResult<()> {
    let Some(provider) = &user.provider_id else {
        return Ok(());
    };
    if !crate::access::lock_provider(c, zone.seq, provider).await? {
        let row =
            db::query_one(c, "SELECT EXISTS (SELECT 1 FROM zones WHERE seq = $1)", &[&zone.seq])
                .await?;
        if !get::<bool>(&row, 0)? {
            return Err(StoreError::NotFound);
        }
        return Err(StoreError::MissingReference { field: "provider_id" });
    }
    Ok(())
}

const INSERT_USER: &str = "INSERT INTO users (id, zone, identifier, email, email_verified, \
     first_name, last_name, name, description, user_type, status, attributes, issuer, \
     provider_id, subject, authenticated_at, created_at, updated_at, created_by, updated_by, \
     version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     $17, $18, $19, $20, $21)";

/// A sign-in's insert: when a user with the same (issuer, subject) exists
/// (or is being inserted, and then commits), this insert does nothing and
/// the sign-in finds that user instead.
const UNLESS_SUBJECT_TAKEN: &str = " ON CONFLICT (zone, issuer, subject) \
     WHERE issuer IS NOT NULL AND subject IS NOT NULL DO NOTHING";

/// Inserts the user, counts it and stores the idempotency record as one
/// statement: data-modifying CTEs run atomically together, which makes the
/// whole creation one round trip and one implicit transaction.
///
/// With a `provider_id`, run it in a transaction: the provider stays locked
/// until the user is committed (see `check_provider`).
pub async fn insert_user<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
) -> StoreResult<()> {
    insert_user_with(c, zone, user, idempotency, "").await?;
    Ok(())
}

/// Inserts the user unless another user of the zone has its (issuer,
/// subject) already, waiting for a concurrent insert of that pair to end.
/// Returns whether it inserted.
pub async fn insert_user_unless_subject_taken<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &User,
) -> StoreResult<bool> {
    insert_user_with(c, zone, user, None, UNLESS_SUBJECT_TAKEN).await
}

async fn insert_user_with<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
    on_conflict: &str,
) -> StoreResult<bool> {
    check_provider(c, zone, user).await?;
    let counted = format!(
        "WITH ins AS ({INSERT_USER}{on_conflict} RETURNING zone, status), counted AS (\
         INSERT INTO user_counts (zone, status, shard, n) \
         SELECT zone, status, {SHARD}, 1 FROM ins \
         ON CONFLICT (zone, status, shard) DO UPDATE SET n = user_counts.n + excluded.n) "
    );
    let attributes = Json(&user.attributes);
    let uid = id(user.id.to_bytes());
    let authenticated_at = opt_time(user.authenticated_at);
    let (created_at, updated_at) = (time(user.created_at), time(user.updated_at));
    let (user_type, status) = (user.user_type.as_str(), user.status.as_str());
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![
        &uid,
        &zone.seq,
        &user.identifier,
        &user.email,
        &user.email_verified,
        &user.first_name,
        &user.last_name,
        &user.name,
        &user.description,
        &user_type,
        &status,
        &attributes,
        &user.issuer,
        &user.provider_id,
        &user.subject,
        &authenticated_at,
        &created_at,
        &updated_at,
        &user.created_by,
        &user.updated_by,
        &user.version,
    ];
    let record;
    let sql = match idempotency {
        None => format!("{counted} SELECT count(*) FROM ins"),
        Some(r) => {
            record = IdempotencyParams::new(r);
            params.extend(record.params());
            format!(
                "{counted}, stored AS (INSERT INTO idempotency (api_key_id, key, request_hash, \
                 status, body, location, created_at) \
                 SELECT $22, $23, $24, $25, $26, $27, $28 FROM ins \
                 ON CONFLICT (api_key_id, key) DO NOTHING) \
                 SELECT count(*) FROM ins"
            )
        }
    };
    let rows = db::query_raw(c, &sql, &params).await.map_err(map_write_error)?;
    let inserted: i64 = match rows.first() {
        Some(row) => get(row, 0)?,
        None => 0,
    };
    Ok(inserted > 0)
}

struct IdempotencyParams<'a> {
    api_key: PgId,
    request_hash: &'a [u8],
    status: i32,
    created_at: PgTime,
    record: &'a IdempotencyRecord,
}

impl<'a> IdempotencyParams<'a> {
    fn new(record: &'a IdempotencyRecord) -> Self {
        Self {
            api_key: id(record.api_key_id.to_bytes()),
            request_hash: record.request_hash.as_slice(),
            status: i32::from(record.status),
            created_at: time(record.created_at),
            record,
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 7] {
        [
            &self.api_key,
            &self.record.key,
            &self.request_hash,
            &self.status,
            &self.record.body,
            &self.record.location,
            &self.created_at,
        ]
    }
}

/// Adds `deltas` to the zone's counters in one statement, in status order,
/// so two transactions moving users between the same statuses lock the
/// counter rows in the same order and cannot deadlock.
async fn bump_counts<C: Exec>(
    c: &C,
    zone: i64,
    mut deltas: Vec<(UserStatus, i64)>,
) -> StoreResult<()> {
    deltas.sort_by_key(|(s, _)| s.as_str());
    let mut sql = String::from("INSERT INTO user_counts (zone, status, shard, n) VALUES ");
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&zone];
    let statuses: Vec<&str> = deltas.iter().map(|(s, _)| s.as_str()).collect();
    for (i, (status, (_, delta))) in statuses.iter().zip(&deltas).enumerate() {
        params.push(status);
        params.push(delta);
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("($1, ${}, {SHARD}, ${})", 2 * i + 2, 2 * i + 3));
    }
    sql.push_str(" ON CONFLICT (zone, status, shard) DO UPDATE SET n = user_counts.n + excluded.n");
    db::execute(c, &sql, &params).await?;
    Ok(())
}

pub async fn update_user(
    client: &mut crate::db::Conn,
    zone: &ZoneKey,
    uid: &UserId,
    update: UserUpdate,
) -> StoreResult<User> {
    let tx = client.transaction().await?;
    let sql =
        format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.zone = $2 FOR UPDATE");
    let row = db::query_opt(&tx, &sql, &[&id(uid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    let before = user_from_row(&row, zone)?;
    let mut after = before.clone();
    if !update(&mut after)? {
        tx.rollback().await?;
        return Ok(before);
    }
    check_provider(&tx, zone, &after).await?;
    let attributes = Json(&after.attributes);
    let authenticated_at = opt_time(after.authenticated_at);
    let updated_at = time(after.updated_at);
    let (user_type, status) = (after.user_type.as_str(), after.status.as_str());
    db::execute_raw(
        &tx,
        "UPDATE users SET identifier = $2, email = $3, email_verified = $4, first_name = $5, \
         last_name = $6, name = $7, description = $8, user_type = $9, status = $10, \
         attributes = $11, issuer = $12, provider_id = $13, subject = $14, \
         authenticated_at = $15, updated_at = $16, updated_by = $17, version = $18 \
         WHERE id = $1",
        &[
            &id(uid.to_bytes()),
            &after.identifier,
            &after.email,
            &after.email_verified,
            &after.first_name,
            &after.last_name,
            &after.name,
            &after.description,
            &user_type,
            &status,
            &attributes,
            &after.issuer,
            &after.provider_id,
            &after.subject,
            &authenticated_at,
            &updated_at,
            &after.updated_by,
            &after.version,
        ],
    )
    .await
    .map_err(map_write_error)?;
    if before.status != after.status {
        bump_counts(&tx, zone.seq, vec![(before.status, -1), (after.status, 1)]).await?;
        if after.status == UserStatus::Disabled {
            // A disabled user cannot authenticate: what it holds goes too.
            // Sessions and grants being made for it wait on the row lock
            // taken above, so none slips past this.
            crate::access::revoke_everything(&tx, uid, after.updated_at).await?;
        }
    }
    tx.commit().await?;
    Ok(after)
}

pub async fn delete_user(
    client: &mut crate::db::Conn,
    zone: &ZoneKey,
    uid: &UserId,
    expected_version: Option<i64>,
) -> StoreResult<()> {
    let tx = client.transaction().await?;
    let uid = id(uid.to_bytes());
    let row = db::query_opt(
        &tx,
        "SELECT version FROM users WHERE id = $1 AND zone = $2 FOR UPDATE",
        &[&uid, &zone.seq],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let version: i64 = get(&row, 0)?;
    if expected_version.is_some_and(|v| v != version) {
        tx.rollback().await?;
        return Err(StoreError::Rejected(DomainError::PreconditionFailed));
    }
    let sql = format!(
        "WITH del AS (DELETE FROM users WHERE id = $1 RETURNING zone, status) \
         INSERT INTO user_counts (zone, status, shard, n) \
         SELECT zone, status, {SHARD}, -1 FROM del \
         ON CONFLICT (zone, status, shard) DO UPDATE SET n = user_counts.n + excluded.n"
    );
    db::execute(&tx, &sql, &[&uid]).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------
// Listing

/// A query under construction with its typed positional parameters. List
/// queries are sent with their parameter types (`query_typed`): one round
/// trip, planned for the actual values (a search term's selectivity decides
/// between the trigram index and an ordered index scan), and no per-shape
/// prepared statement piling up on every connection.
struct Sql {
    text: String,
    params: Vec<(Box<dyn ToSql + Sync + Send>, Type)>,
}

impl Sql {
    fn bind<T: ToSql + Sync + Send + 'static>(&mut self, v: T, ty: Type) -> String {
        self.params.push((Box::new(v), ty));
        format!("${}", self.params.len())
    }

    fn params(&self, n: usize) -> Vec<(&(dyn ToSql + Sync), Type)> {
        self.params.iter().take(n).map(|(v, t)| (&**v as &(dyn ToSql + Sync), t.clone())).collect()
    }
}

/// One bound value of a keyset position.
enum Bound {
    Int(i32),
    Time(PgTime),
    Text(String),
    Id(PgId),
}

impl Bound {
    fn bind(self, sql: &mut Sql) -> String {
        match self {
            Bound::Int(v) => sql.bind(v, Type::INT4),
            Bound::Time(v) => sql.bind(v, Type::TIMESTAMPTZ),
            Bound::Text(v) => sql.bind(v, Type::TEXT),
            Bound::Id(v) => sql.bind(v, Type::UUID),
        }
    }
}

/// The SQL expressions, in order, that a sort field compares by. Columns
/// are `COLLATE "C"`, so these compare bytes and fold ASCII only.
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
fn sort_bounds(field: SortField, value: &SortValue) -> Vec<Bound> {
    match value {
        SortValue::Time(t) => vec![Bound::Time(time(*t))],
        SortValue::Text(s) if field.is_folded() => {
            vec![Bound::Text(s.to_ascii_lowercase()), Bound::Text(s.clone())]
        }
        SortValue::Text(s) => vec![Bound::Text(s.clone())],
    }
}

const SEARCH_FIELDS: [&str; 5] = [
    "u.search_id",
    "lower(u.email)",
    "lower(u.name)",
    "lower(u.identifier)",
    "lower(coalesce(u.description, ''))",
];

/// The expression the `users_search` trigram index is built on, verbatim.
const SEARCH_DOC: &str = "(u.search_id || ' ' || lower(u.email) || ' ' || lower(u.name) || ' ' || \
     lower(u.identifier) || ' ' || lower(coalesce(u.description, '')))";

/// A LIKE pattern matching `term` anywhere, with LIKE's metacharacters
/// taken literally.
fn contains_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn rank_expr(sql: &mut Sql, term: &str) -> String {
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
fn push_filters(sql: &mut Sql, zone: &ZoneKey, query: &UserQuery) -> Option<String> {
    let f = &query.filter;
    let z = sql.bind(zone.seq, Type::INT8);
    sql.text.push_str(&format!(" WHERE u.zone = {z}"));
    if !f.ids.is_empty() {
        let ids: Vec<PgId> = f.ids.iter().map(|i| id(i.to_bytes())).collect();
        let p = sql.bind(ids, Type::UUID_ARRAY);
        sql.text.push_str(&format!(" AND u.id = ANY({p})"));
    }
    if let Some(email) = &f.email {
        let p = sql.bind(email.clone(), Type::TEXT);
        sql.text.push_str(&format!(" AND lower(u.email) = {p}"));
    }
    if let Some(identifier) = &f.identifier {
        let p = sql.bind(identifier.clone(), Type::TEXT);
        sql.text.push_str(&format!(" AND lower(u.identifier) = {p}"));
    }
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
    for (column, value) in [("u.created_by", &f.created_by), ("u.updated_by", &f.updated_by)] {
        if let Some(v) = value {
            let p = sql.bind(v.clone(), Type::TEXT);
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
            let p = sql.bind(time(t), Type::TIMESTAMPTZ);
            sql.text.push_str(&format!(" AND {column} {op} {p}"));
        }
    }
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

/// `attributes.<key> = value` as jsonb containment of `{key: value}`:
/// served by the GIN index, numbers compared by value, types kept apart.
fn push_attribute_filter(sql: &mut Sql, attr: &AttributeFilter) {
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

fn position_bounds(query: &UserQuery, pos: &Position) -> Vec<Bound> {
    let mut out = Vec::new();
    if query.ranked {
        out.push(Bound::Int(i32::from(pos.rank.map_or(0u8, |r| r as u8))));
    }
    for (key, value) in query.sort.keys.iter().zip(&pos.values) {
        out.extend(sort_bounds(key.field, value));
    }
    out.push(Bound::Id(id(pos.id.to_bytes())));
    out
}

/// `row comes strictly after pos` in the order given by `keys`.
fn push_after(sql: &mut Sql, keys: &[(String, Direction)], values: Vec<Bound>) {
    let params: Vec<String> = values.into_iter().map(|v| v.bind(sql)).collect();
    let Some((first_expr, first_dir)) = keys.first() else {
        return;
    };
    let uniform = keys.iter().all(|(_, d)| d == first_dir);
    let op = |d: Direction| if d == Direction::Asc { ">" } else { "<" };
    // A plain range on the leading key lets the planner seek the index.
    if let Some(p) = params.first() {
        sql.text.push_str(&format!(" AND {first_expr} {}= {p}", op(*first_dir)));
    }
    if uniform {
        let lhs: Vec<&str> = keys.iter().map(|(e, _)| e.as_str()).collect();
        sql.text.push_str(&format!(
            " AND ({}) {} ({})",
            lhs.join(", "),
            op(*first_dir),
            params.join(", ")
        ));
        return;
    }
    let mut ors = Vec::new();
    for (i, (expr, dir)) in keys.iter().enumerate() {
        let mut ands: Vec<String> =
            keys.iter().zip(&params).take(i).map(|((e, _), p)| format!("{e} = {p}")).collect();
        if let Some(p) = params.get(i) {
            ands.push(format!("{expr} {} {p}", op(*dir)));
        }
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

pub async fn list_users(
    client: &crate::db::Conn,
    zone: &ZoneKey,
    query: &UserQuery,
) -> StoreResult<UserPage> {
    let limit = query.window.limit();
    let mut sql = Sql { text: String::new(), params: Vec::new() };
    let statuses = push_filters(&mut sql, zone, query);
    let filter_params = sql.params.len();
    let where_clause = std::mem::take(&mut sql.text);

    // The total rides along as an uncorrelated subquery: evaluated once, in
    // the same statement (so the same snapshot) as the page.
    let total_sql = if query.search.is_empty() && query.filter.only_statuses() {
        // Kept up to date by every write: no scan.
        let mut s = String::from(
            "SELECT coalesce(sum(c.n), 0)::bigint FROM user_counts c WHERE c.zone = $1",
        );
        if let Some(p) = &statuses {
            s.push_str(&format!(" AND c.status = ANY({p})"));
        }
        s
    } else {
        format!("SELECT count(*) FROM users u{where_clause}")
    };

    sql.text = format!("SELECT {USER_COLUMNS}, ({total_sql}) AS total FROM users u{where_clause}");
    let keys = order_keys(&mut sql, query);
    let flip = matches!(query.window, Window::Before { .. });
    match &query.window {
        Window::After { position: Some(pos), .. } | Window::Before { position: pos, .. } => {
            let directed: Vec<(String, Direction)> =
                keys.iter().map(|(e, d)| (e.clone(), if flip { d.flip() } else { *d })).collect();
            push_after(&mut sql, &directed, position_bounds(query, pos));
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
    let mut users = rows.iter().map(|r| user_from_row(r, zone)).collect::<StoreResult<Vec<_>>>()?;
    let has_more = users.len() > limit;
    users.truncate(limit);
    if flip {
        users.reverse();
    }
    Ok(UserPage { users, has_more, total: u64::try_from(total).unwrap_or(0) })
}
