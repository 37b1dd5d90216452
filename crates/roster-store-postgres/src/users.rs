//! Users in PostgreSQL: row mapping and the writes (listing is in `list`,
//! the bulk path in `import`).

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use roster_domain::events::{EventStamp, EventType, NewEvent};
use roster_domain::{DomainError, Timestamp, User, UserId, UserStatus, UserType};
use roster_store::{IdempotencyRecord, StoreError, StoreResult, UserUpdate, ZoneKey, ZoneScope};

use crate::access::providers::lock_provider;
use crate::db::{self, Conn, Exec, Tx};
use crate::error::{decode, foreign_key_violation, from_pg, unique_violation};
use crate::events::{self, EVENT_COLUMNS, EventParams};
use crate::row::get;
use crate::types::{PgAttributes, PgId, PgTime, StoredAttributes, id, opt_time, time};

pub const USER_COLUMNS: &str = "u.id, u.identifier, u.email, u.email_verified, u.first_name, \
     u.last_name, u.name, u.description, u.user_type, u.status, u.attributes, u.issuer, \
     u.provider_id, u.subject, u.authenticated_at, u.created_at, u.updated_at, u.created_by, \
     u.updated_by, u.version, u.external_id";

/// Where a statement that reads `USER_COLUMNS` puts the next column.
pub const AFTER_USER_COLUMNS: usize = 21;

pub fn user_from_row(row: &Row, zone: &ZoneKey) -> StoreResult<User> {
    let user_type: String = get(row, 8)?;
    let status: String = get(row, 9)?;
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
        attributes: get::<StoredAttributes>(row, 10)?.0,
        issuer: get(row, 11)?,
        provider_id: get(row, 12)?,
        subject: get(row, 13)?,
        authenticated_at: get::<Option<PgTime>>(row, 14)?.map(|t| t.0),
        created_at: get::<PgTime>(row, 15)?.0,
        updated_at: get::<PgTime>(row, 16)?.0,
        created_by: get(row, 17)?,
        updated_by: get(row, 18)?,
        version: get(row, 19)?,
        external_id: get(row, 20)?,
    })
}

pub async fn get_user<C: Exec>(c: &C, zone: &ZoneKey, uid: &UserId) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.zone = $2");
    let row = db::query_opt(c, &sql, &[&id(uid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row, zone)
}

/// How `locate_user` locks the row it finds.
#[derive(Clone, Copy)]
pub enum Lock {
    None,
    /// Against a concurrent disabling (grants).
    Share,
    /// The row is about to be updated (sessions move `authenticated_at`).
    NoKeyUpdate,
}

/// The status of the user, if it lives in the zone.
pub async fn locate_user<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &UserId,
    lock: Lock,
) -> StoreResult<UserStatus> {
    let sql = match lock {
        Lock::None => "SELECT status FROM users WHERE id = $1 AND zone = $2",
        Lock::Share => "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR SHARE",
        Lock::NoKeyUpdate => {
            "SELECT status FROM users WHERE id = $1 AND zone = $2 FOR NO KEY UPDATE"
        }
    };
    let row = db::query_opt(c, sql, &[&id(user.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    let status: String = get(&row, 0)?;
    UserStatus::parse(&status).ok_or_else(|| decode("status", &status))
}

pub fn map_write_error(e: tokio_postgres::Error) -> StoreError {
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
    if !lock_provider(c, zone.seq, provider).await? {
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

/// The columns a new user's row is written with, in `UserRow::params`
/// order (`INSERT` here, `COPY` in the bulk path).
macro_rules! user_row_columns {
    () => {
        "id, zone, identifier, email, email_verified, first_name, last_name, name, description, \
         user_type, status, attributes, issuer, provider_id, subject, authenticated_at, \
         created_at, updated_at, created_by, updated_by, version, external_id"
    };
}
pub(crate) use user_row_columns;

const INSERT_USER: &str = concat!(
    "INSERT INTO users (",
    user_row_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $20, $21, $22)"
);

/// A user's row in its wire forms, borrowed from the user.
pub struct UserRow<'a> {
    user: &'a User,
    zone: &'a i64,
    id: PgId,
    user_type: &'static str,
    status: &'static str,
    attributes: PgAttributes<'a>,
    authenticated_at: Option<PgTime>,
    created_at: PgTime,
    updated_at: PgTime,
}

impl<'a> UserRow<'a> {
    pub fn new(zone: &'a ZoneKey, user: &'a User) -> Self {
        Self {
            user,
            zone: &zone.seq,
            id: id(user.id.to_bytes()),
            user_type: user.user_type.as_str(),
            status: user.status.as_str(),
            attributes: PgAttributes(&user.attributes),
            authenticated_at: opt_time(user.authenticated_at),
            created_at: time(user.created_at),
            updated_at: time(user.updated_at),
        }
    }

    /// The values of `user_row_columns!`, in order.
    pub fn params(&self) -> [&(dyn ToSql + Sync); 22] {
        let u = self.user;
        [
            &self.id,
            self.zone,
            &u.identifier,
            &u.email,
            &u.email_verified,
            &u.first_name,
            &u.last_name,
            &u.name,
            &u.description,
            &self.user_type,
            &self.status,
            &self.attributes,
            &u.issuer,
            &u.provider_id,
            &u.subject,
            &self.authenticated_at,
            &self.created_at,
            &self.updated_at,
            &u.created_by,
            &u.updated_by,
            &u.version,
            &u.external_id,
        ]
    }
}

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
    event: &NewEvent,
) -> StoreResult<()> {
    insert_user_with(c, zone, user, idempotency, Some(event), "").await?;
    Ok(())
}

/// Creates the user: `insert_user`, in a transaction of its own when it
/// links a provider, which stays locked until the user is committed.
pub async fn create_user(
    client: &mut Conn,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
    event: &NewEvent,
) -> StoreResult<()> {
    if user.provider_id.is_none() {
        return insert_user(client, zone, user, idempotency, event).await;
    }
    let tx = client.transaction().await?;
    insert_user(&tx, zone, user, idempotency, event).await?;
    tx.commit().await
}

/// Inserts the user unless another user of the zone has its (issuer,
/// subject) already, waiting for a concurrent insert of that pair to end.
/// Returns whether it inserted.
pub async fn insert_user_unless_subject_taken<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &User,
) -> StoreResult<bool> {
    insert_user_with(c, zone, user, None, None, UNLESS_SUBJECT_TAKEN).await
}

async fn insert_user_with<C: Exec>(
    c: &C,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
    event: Option<&NewEvent>,
    on_conflict: &str,
) -> StoreResult<bool> {
    check_provider(c, zone, user).await?;
    let counted = format!(
        "WITH ins AS ({INSERT_USER}{on_conflict} RETURNING zone, status), counted AS (\
         INSERT INTO user_counts (zone, status, shard, n) \
         SELECT zone, status, {SHARD}, 1 FROM ins \
         ON CONFLICT (zone, status, shard) DO UPDATE SET n = user_counts.n + excluded.n) "
    );
    let row = UserRow::new(zone, user);
    let mut params: Vec<&(dyn ToSql + Sync)> = row.params().to_vec();
    let mut sql = counted;
    let record;
    if let Some(r) = idempotency {
        record = IdempotencyParams::new(r);
        params.extend(record.params());
        sql.push_str(&format!(
            ", stored AS (INSERT INTO idempotency (api_key_id, key, request_hash, \
             status, body, location, created_at) \
             SELECT ${}, ${}, ${}, ${}, ${}, ${}, ${} FROM ins \
             ON CONFLICT (api_key_id, key) DO NOTHING)",
            params.len() - 6,
            params.len() - 5,
            params.len() - 4,
            params.len() - 3,
            params.len() - 2,
            params.len() - 1,
            params.len(),
        ));
    }
    // The event joins the same statement: it exists exactly when the user
    // was inserted.
    let recorded;
    if let Some(event) = event {
        recorded = EventParams::new(event)?;
        let first = params.len() + 1;
        params.extend(recorded.params());
        sql.push_str(&format!(
            ", evt AS (INSERT INTO events ({EVENT_COLUMNS}) SELECT {} FROM ins)",
            EventParams::placeholders(first)
        ));
    }
    sql.push_str(" SELECT count(*) FROM ins");
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
pub async fn bump_counts<C: Exec>(
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
    client: &mut Conn,
    zone: &ZoneKey,
    uid: &UserId,
    update: UserUpdate,
    stamp: &EventStamp,
    scope: &ZoneScope,
) -> StoreResult<User> {
    let tx = client.transaction().await?;
    let user = update_user_in(&tx, zone, uid, update, stamp, scope).await?;
    tx.commit().await?;
    Ok(user)
}

/// `update_user` inside the caller's transaction.
pub async fn update_user_in(
    tx: &Tx<'_>,
    zone: &ZoneKey,
    uid: &UserId,
    update: UserUpdate,
    stamp: &EventStamp,
    scope: &ZoneScope,
) -> StoreResult<User> {
    let sql =
        format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.zone = $2 FOR UPDATE");
    let row = db::query_opt(tx, &sql, &[&id(uid.to_bytes()), &zone.seq])
        .await?
        .ok_or(StoreError::NotFound)?;
    let before = user_from_row(&row, zone)?;
    let mut after = before.clone();
    if !update(&mut after)? {
        return Ok(before);
    }
    check_provider(tx, zone, &after).await?;
    let attributes = PgAttributes(&after.attributes);
    let authenticated_at = opt_time(after.authenticated_at);
    let updated_at = time(after.updated_at);
    let (user_type, status) = (after.user_type.as_str(), after.status.as_str());
    db::execute_raw(
        tx,
        "UPDATE users SET identifier = $2, email = $3, email_verified = $4, first_name = $5, \
         last_name = $6, name = $7, description = $8, user_type = $9, status = $10, \
         attributes = $11, issuer = $12, provider_id = $13, subject = $14, \
         authenticated_at = $15, updated_at = $16, updated_by = $17, version = $18, \
         external_id = $19 WHERE id = $1",
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
            &after.external_id,
        ],
    )
    .await
    .map_err(map_write_error)?;
    if before.status != after.status {
        bump_counts(tx, zone.seq, vec![(before.status, -1), (after.status, 1)]).await?;
        if after.status == UserStatus::Disabled {
            // A disabled user cannot authenticate: what it holds goes too.
            // Sessions and grants being made for it wait on the row lock
            // taken above, so none slips past this.
            revoke_everything(tx, uid, after.updated_at).await?;
        }
    }
    if let Some(event) = stamp.user_updated(scope, &before, &after) {
        events::record(tx, &event).await?;
    }
    Ok(after)
}

pub async fn delete_user(
    client: &mut Conn,
    zone: &ZoneKey,
    uid: &UserId,
    expected_version: Option<i64>,
    stamp: &EventStamp,
    scope: &ZoneScope,
) -> StoreResult<()> {
    let tx = client.transaction().await?;
    delete_user_in(&tx, zone, uid, expected_version, stamp, scope).await?;
    tx.commit().await
}

/// `delete_user` inside the caller's transaction.
pub async fn delete_user_in(
    tx: &Tx<'_>,
    zone: &ZoneKey,
    uid: &UserId,
    expected_version: Option<i64>,
    stamp: &EventStamp,
    scope: &ZoneScope,
) -> StoreResult<()> {
    let uid = id(uid.to_bytes());
    let sql =
        format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.zone = $2 FOR UPDATE");
    let row = db::query_opt(tx, &sql, &[&uid, &zone.seq]).await?.ok_or(StoreError::NotFound)?;
    let gone = user_from_row(&row, zone)?;
    if expected_version.is_some_and(|v| v != gone.version) {
        return Err(StoreError::Rejected(DomainError::PreconditionFailed));
    }
    let sql = format!(
        "WITH del AS (DELETE FROM users WHERE id = $1 RETURNING zone, status) \
         INSERT INTO user_counts (zone, status, shard, n) \
         SELECT zone, status, {SHARD}, -1 FROM del \
         ON CONFLICT (zone, status, shard) DO UPDATE SET n = user_counts.n + excluded.n"
    );
    db::execute(tx, &sql, &[&uid]).await?;
    events::record(tx, &stamp.event(EventType::UserDeleted, scope, gone)).await?;
    Ok(())
}

/// Revokes every live session and grant of a user (it was just disabled),
/// in one statement.
async fn revoke_everything<C: Exec>(c: &C, user: &UserId, at: Timestamp) -> StoreResult<()> {
    db::execute(
        c,
        "WITH s AS (UPDATE sessions SET revoked_at = $2 \
                    WHERE user_id = $1 AND revoked_at IS NULL) \
         UPDATE grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        &[&id(user.to_bytes()), &time(at)],
    )
    .await?;
    Ok(())
}
