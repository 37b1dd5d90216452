//! Users in SQLite: row mapping and the writes (listing is in `list`).

use rusqlite::{Connection, OptionalExtension, Row};

use roster_domain::query::searchable_fields;
use roster_domain::{Attributes, DomainError, Timestamp, User, UserId, UserStatus, UserType};
use roster_store::{IdempotencyRecord, StoreError, StoreResult, UserUpdate, ZoneKey};

use crate::access::providers::provider_exists;
use crate::db;
use crate::error::{from_sqlite, violated_unique_index};
use crate::search_index;

pub const USER_COLUMNS: &str = "u.id, u.identifier, u.email, u.email_verified, u.first_name, \
     u.last_name, u.name, u.description, u.user_type, u.status, u.attributes, u.issuer, \
     u.provider_id, u.subject, u.authenticated_at, u.created_at, u.updated_at, u.created_by, \
     u.updated_by, u.version, u.external_id";

/// Where a statement that reads `USER_COLUMNS` puts the next column.
pub const AFTER_USER_COLUMNS: usize = 21;

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

pub fn user_from_row(row: &Row<'_>, zone: &ZoneKey) -> rusqlite::Result<User> {
    // Enums are read in place: no owned copy of the text.
    let user_type = row.get_ref(8)?.as_str().map_err(|_| conversion(8, "user_type"))?;
    let status = row.get_ref(9)?.as_str().map_err(|_| conversion(9, "status"))?;
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
        attributes: Attributes::from_stored(row.get(10)?),
        issuer: row.get(11)?,
        provider_id: row.get(12)?,
        subject: row.get(13)?,
        authenticated_at: authenticated_at.and_then(Timestamp::from_micros),
        created_at: ts(row, 15)?,
        updated_at: ts(row, 16)?,
        created_by: row.get(17)?,
        updated_by: row.get(18)?,
        version: row.get(19)?,
        external_id: row.get(20)?,
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

/// The user's rowid and status, if it lives in the zone.
pub fn locate_user(
    conn: &Connection,
    zone: &ZoneKey,
    user: &UserId,
) -> StoreResult<(i64, UserStatus)> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, status FROM users WHERE id = ?1 AND zone = ?2")
        .map_err(from_sqlite)?;
    let row: Option<(i64, String)> = stmt
        .query_row((user.to_bytes().as_slice(), zone.seq), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(from_sqlite)?;
    let (seq, status) = row.ok_or(StoreError::NotFound)?;
    Ok((seq, UserStatus::parse(&status).unwrap_or_default()))
}

/// The separator around every field in the search index; search terms
/// never contain it.
pub const FIELD_MARK: char = '\u{1f}';

/// A user's row id in the search index: the zone in the high bits, so a
/// zone's postings are one rowid range (migration 0004).
pub fn search_rowid(zone: &ZoneKey, seq: i64) -> i64 {
    (zone.seq << SEARCH_ZONE_SHIFT) | seq
}

/// The bits of a search rowid that hold the user's `seq`.
pub const SEARCH_ZONE_SHIFT: u32 = 40;

/// The text the search index holds for a user: every searchable field,
/// ASCII-folded, each framed by `FIELD_MARK` on both sides. A field equal
/// to an earlier one (the identifier is the email unless given) is left
/// out: the index only narrows candidates, and one copy matches every
/// phrase two would, for a quarter fewer trigrams to write per user.
fn search_document(user: &User) -> String {
    let mut doc = String::from(FIELD_MARK);
    let fields = searchable_fields(user);
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].iter().any(|earlier| earlier.eq_ignore_ascii_case(f)) {
            continue;
        }
        doc.push_str(f);
        doc.push(FIELD_MARK);
    }
    doc.make_ascii_lowercase();
    doc
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
    db::execute(
        conn,
        "INSERT INTO user_counts (zone, status, n) VALUES (?1, ?2, ?3) \
         ON CONFLICT (zone, status) DO UPDATE SET n = n + excluded.n",
        (zone, status.as_str(), delta),
    )
    .map_err(from_sqlite)?;
    Ok(())
}

fn check_provider(conn: &Connection, zone: i64, user: &User) -> StoreResult<()> {
    let Some(provider) = &user.provider_id else {
        return Ok(());
    };
    if provider_exists(conn, zone, provider)? {
        return Ok(());
    }
    // A zone deleted after this node cached it holds no providers either:
    // that is `NotFound`, as the insert's foreign key (and PostgreSQL)
    // answers, not a missing provider. Asked only on this failure path.
    let zone_exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM zones WHERE seq = ?1)")
        .and_then(|mut s| s.query_row([zone], |r| r.get(0)))
        .map_err(from_sqlite)?;
    if zone_exists {
        Err(StoreError::MissingReference { field: "provider_id" })
    } else {
        Err(StoreError::NotFound)
    }
}

/// Inserts the user; returns its `seq`.
pub fn insert_user(
    conn: &Connection,
    zone: &ZoneKey,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
) -> StoreResult<i64> {
    let seq = insert_row(conn, zone, user)?;
    bump_count(conn, zone.seq, user.status, 1)?;
    if let Some(record) = idempotency {
        crate::idempotency::insert(conn, record)?;
    }
    Ok(seq)
}

/// Inserts many users of one zone inside the caller's transaction, counting
/// them once per status at the end rather than once per user.
pub fn import_users(conn: &Connection, zone: &ZoneKey, users: &[User]) -> StoreResult<u64> {
    for user in users {
        insert_row(conn, zone, user)?;
    }
    for (status, n) in roster_store::status_counts(users) {
        bump_count(conn, zone.seq, status, n)?;
    }
    Ok(users.len() as u64)
}

/// The user's row and its search document; returns its `seq`.
fn insert_row(conn: &Connection, zone: &ZoneKey, user: &User) -> StoreResult<i64> {
    check_provider(conn, zone.seq, user)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO users (id, zone, identifier, email, email_verified, first_name, \
             last_name, name, description, user_type, status, attributes, issuer, provider_id, \
             subject, authenticated_at, created_at, updated_at, created_by, updated_by, version, \
             external_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18, ?19, ?20, ?21, ?22)",
        )
        .map_err(from_sqlite)?;
    let attributes = user.attributes.as_json();
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
        user.external_id,
    ])
    .map_err(map_unique)?;
    let seq = conn.last_insert_rowid();
    search_index::insert(conn, search_rowid(zone, seq), search_document(user))?;
    Ok(seq)
}

fn locate(conn: &Connection, zone: &ZoneKey, id: &UserId) -> StoreResult<(i64, User)> {
    let sql = format!("SELECT {USER_COLUMNS}, u.seq FROM users u WHERE u.id = ?1 AND u.zone = ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row((id.to_bytes().as_slice(), zone.seq), |r| {
        Ok((r.get::<_, i64>(AFTER_USER_COLUMNS)?, user_from_row(r, zone)?))
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
) -> StoreResult<(User, User)> {
    let (seq, before) = locate(conn, zone, id)?;
    let mut after = before.clone();
    if !update(&mut after)? {
        return Ok((before.clone(), before));
    }
    check_provider(conn, zone.seq, &after)?;
    let attributes = after.attributes.as_json();
    db::execute(
        conn,
        "UPDATE users SET identifier = ?2, email = ?3, email_verified = ?4, first_name = ?5, \
         last_name = ?6, name = ?7, description = ?8, user_type = ?9, status = ?10, \
         attributes = ?11, issuer = ?12, provider_id = ?13, subject = ?14, \
         authenticated_at = ?15, updated_at = ?16, updated_by = ?17, version = ?18, \
         external_id = ?19 WHERE seq = ?1",
        rusqlite::params![
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
            after.external_id,
        ],
    )
    .map_err(map_unique)?;
    let (old_doc, new_doc) = (search_document(&before), search_document(&after));
    if old_doc != new_doc {
        search_index::update(conn, search_rowid(zone, seq), new_doc)?;
    }
    if before.status != after.status {
        bump_count(conn, zone.seq, before.status, -1)?;
        bump_count(conn, zone.seq, after.status, 1)?;
        if after.status == UserStatus::Disabled {
            // A disabled user cannot authenticate: what it holds goes too.
            revoke_everything(conn, seq, after.updated_at)?;
        }
    }
    Ok((before, after))
}

pub fn delete_user(
    conn: &Connection,
    zone: &ZoneKey,
    id: &UserId,
    expected_version: Option<i64>,
) -> StoreResult<User> {
    let (seq, user) = locate(conn, zone, id)?;
    if expected_version.is_some_and(|v| v != user.version) {
        return Err(StoreError::Rejected(DomainError::PreconditionFailed));
    }
    db::execute(conn, "DELETE FROM users WHERE seq = ?1", [seq]).map_err(from_sqlite)?;
    search_index::delete(conn, search_rowid(zone, seq))?;
    bump_count(conn, zone.seq, user.status, -1)?;
    Ok(user)
}

/// Revokes every live session and grant of a user (it was just disabled).
fn revoke_everything(conn: &Connection, user_seq: i64, at: Timestamp) -> StoreResult<()> {
    for sql in [
        "UPDATE sessions SET revoked_at = ?2 WHERE user_seq = ?1 AND revoked_at IS NULL",
        "UPDATE grants SET revoked_at = ?2 WHERE user_seq = ?1 AND revoked_at IS NULL",
    ] {
        db::execute(conn, sql, (user_seq, at.as_micros())).map_err(from_sqlite)?;
    }
    Ok(())
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
