//! `roster import FILE`: users from NDJSON (lines shaped as `GET` returns
//! them, as `roster export` writes them) or CSV (`roster export`'s
//! columns), into one zone, straight into the database through the bulk
//! path (`Store::import_users`: one transaction per chunk, each user with
//! its `user.created` event).
//!
//! Ids, timestamps, `created_by`/`updated_by` and attributes (as their
//! JSON text, byte for byte) are kept when given. Every line is checked by
//! the same rules as `POST /v1/users`. A chunk that meets a conflict is
//! taken again user by user, each conflict handled as `--on-conflict`
//! says. An interrupted import is resumed by running it again with
//! `--on-conflict skip`: what got in is found by its id (or email) and
//! skipped, so nothing is imported twice.

use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use roster_api::input::typed;
use roster_api::input::users::CreateUser;
use roster_domain::events::{Actor, EventStamp};
use roster_domain::{Attributes, EventId, Timestamp, User, UserId, ZoneRef, ZoneScope};
use roster_store::{Store, StoreError};

use crate::StartError;
use crate::export::{CSV_COLUMNS, Format};

/// What to do with a user that is there already (same id, email or
/// identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnConflict {
    /// Leave the stored user; count the line as skipped.
    Skip,
    /// Overwrite the stored user (found by the line's id) with the line.
    Update,
    /// Stop at the first conflict.
    Fail,
}

/// Users per transaction.
pub const CHUNK: usize = 50_000;
/// Errors the summary lists (all are counted).
const SHOWN_ERRORS: usize = 10;

/// How an import went.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    /// The first errors, with their line numbers (from 1).
    pub errors: Vec<(u64, String)>,
}

impl Summary {
    fn error(&mut self, line: u64, why: String) {
        self.failed += 1;
        if self.errors.len() < SHOWN_ERRORS {
            self.errors.push((line, why));
        }
    }
}

/// The writer's page cache for an import by default, in KiB (1 GiB; see
/// `main.rs`).
pub const WRITER_CACHE_KIB: i64 = 1024 * 1024;

/// Parsed records, a chunk at a time: each with its line number (from
/// 1), the bytes read so far, and whether the input ended with them.
struct Parsed {
    records: Vec<(u64, Result<User, String>)>,
    bytes: u64,
    last: bool,
}

/// Reads and checks records on a thread of its own, a chunk ahead of the
/// writer: parsing and writing then run side by side (on two cores, the
/// writer is the bound). The channel holds one chunk, so memory stays at
/// about three chunks.
fn spawn_reader(
    scope: ZoneScope,
    format: Format,
    input: Box<dyn BufRead + Send>,
) -> tokio::sync::mpsc::Receiver<Result<Parsed, StartError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    std::thread::spawn(move || {
        let mut chunk = Vec::with_capacity(CHUNK);
        let send = |records: &mut Vec<_>, bytes: u64, last: bool| {
            let records = std::mem::replace(records, Vec::with_capacity(CHUNK));
            tx.blocking_send(Ok(Parsed { records, bytes, last })).is_ok()
        };
        let done = read_records(format, input, &mut |line, json, bytes| {
            chunk.push((line, json.and_then(|json| user_from_json(&json, &scope))));
            // `false` (the writer stopped): stop reading.
            chunk.len() < CHUNK || send(&mut chunk, bytes, false)
        });
        match done {
            Ok(bytes) => {
                send(&mut chunk, bytes, true);
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    rx
}

/// Calls `each(line, record, bytes read)` for every record until it
/// answers `false`; returns the bytes read.
fn read_records(
    format: Format,
    mut input: Box<dyn BufRead + Send>,
    each: &mut dyn FnMut(u64, Result<String, String>, u64) -> bool,
) -> Result<u64, StartError> {
    let read_err = |e: &dyn std::fmt::Display| StartError(format!("reading the file: {e}"));
    match format {
        Format::Ndjson => {
            let (mut line, mut bytes, mut text) = (0u64, 0u64, String::new());
            loop {
                text.clear();
                let n = input.read_line(&mut text).map_err(|e| read_err(&e))?;
                if n == 0 {
                    return Ok(bytes);
                }
                (line, bytes) = (line + 1, bytes + n as u64);
                let record = text.trim_end_matches(['\n', '\r']);
                if !record.trim().is_empty() && !each(line, Ok(record.to_owned()), bytes) {
                    return Ok(bytes);
                }
            }
        }
        Format::Csv => {
            // A real CSV reader: a quoted cell may hold a newline.
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let header: Vec<String> =
                reader.headers().map_err(|e| read_err(&e))?.iter().map(str::to_owned).collect();
            if let Some(bad) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
                return Err(StartError(format!(
                    "the CSV header names {bad:?}, not a column roster export writes"
                )));
            }
            let mut record = csv::StringRecord::new();
            while reader.read_record(&mut record).map_err(|e| read_err(&e))? {
                let position = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
                if !each(position.0, json_from_csv(&header, &record), position.1) {
                    break;
                }
            }
            Ok(reader.position().byte())
        }
    }
}

/// Reads every record, imports it, and calls `progress(summary, bytes
/// read)` after each chunk.
pub async fn import(
    store: Arc<dyn Store>,
    zone: &str,
    format: Format,
    on_conflict: OnConflict,
    input: Box<dyn BufRead + Send>,
    progress: &mut dyn FnMut(&Summary, u64),
) -> Result<Summary, StartError> {
    let org = store.default_organization().await.map_err(|e| match e {
        StoreError::NotFound => StartError(
            "the database holds no organization yet: start `roster serve` on it once (it \
             creates the organization, its default zone and the admin key), then import"
                .into(),
        ),
        e => StartError(format!("reading the organization: {e}")),
    })?;
    let zone = store
        .get_zone(&org.id, &ZoneRef::parse(zone))
        .await
        .map_err(|_| StartError(format!("no zone {zone:?}")))?;
    let scope = ZoneScope { org: org.id, zone: zone.id };
    let mut parsed = spawn_reader(scope, format, input);
    let mut summary = Summary::default();
    let mut ended = false;
    while let Some(next) = parsed.recv().await {
        let Parsed { records, bytes, last } = next?;
        ended = last;
        let mut chunk = Vec::with_capacity(records.len());
        for (line, user) in records {
            summary.lines += 1;
            match user {
                Ok(user) => chunk.push((line, user)),
                Err(why) => summary.error(line, why),
            }
        }
        write_chunk(&store, &scope, chunk, on_conflict, &mut summary).await?;
        progress(&summary, bytes);
    }
    if !ended {
        return Err(StartError("reading the file stopped before its end".into()));
    }
    Ok(summary)
}

/// A fresh ULID of this millisecond.
fn ulid() -> roster_domain::ids::Ulid {
    roster_domain::ids::Ulid::from_parts(Timestamp::now().as_millis(), rand::random::<u128>())
}

/// Imports are Roster's own doing: the actor of their events is `system`.
fn stamp() -> EventStamp {
    EventStamp { id: EventId::from_ulid(ulid()), at: Timestamp::now(), actor: Actor::System }
}

/// A chunk in one transaction; on a conflict, user by user.
async fn write_chunk(
    store: &Arc<dyn Store>,
    scope: &ZoneScope,
    chunk: Vec<(u64, User)>,
    on_conflict: OnConflict,
    summary: &mut Summary,
) -> Result<(), StartError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let users: Vec<User> = chunk.iter().map(|(_, u)| u.clone()).collect();
    match store.import_users(scope, users, &stamp()).await {
        Ok(n) => {
            summary.created += n;
            return Ok(());
        }
        Err(
            StoreError::Conflict { .. }
            | StoreError::MissingReference { .. }
            | StoreError::Rejected(_),
        ) => {}
        Err(e) => return Err(StartError(format!("importing: {e}"))),
    }
    for (line, user) in chunk {
        match store.create_user(scope, &user, None, &stamp()).await {
            Ok(()) => summary.created += 1,
            Err(StoreError::Conflict { field }) => match on_conflict {
                OnConflict::Skip => summary.skipped += 1,
                OnConflict::Fail => {
                    summary.error(line, format!("{field} is taken by a stored user"));
                    return Err(StartError(format!(
                        "line {line}: {field} is taken by a stored user (--on-conflict fail)"
                    )));
                }
                OnConflict::Update => {
                    let id = user.id;
                    let line_user = user.clone();
                    let replace: roster_store::UserUpdate = Box::new(move |stored: &mut User| {
                        let version = stored.version + 1;
                        *stored = User { version, ..line_user };
                        Ok(true)
                    });
                    match store.update_user(scope, &id, replace, &stamp()).await {
                        Ok(_) => summary.updated += 1,
                        Err(StoreError::NotFound) => summary.error(
                            line,
                            format!("{field} is taken by another user than the line's id"),
                        ),
                        Err(e) => summary.error(line, e.to_string()),
                    }
                }
            },
            Err(e) => summary.error(line, e.to_string()),
        }
    }
    Ok(())
}

/// Keys a line may carry beyond the writable fields: kept as given.
const KEPT: &[&str] =
    &["id", "organization_id", "zone_id", "created_at", "updated_at", "created_by", "updated_by"];

/// A user from one NDJSON line, checked by the rules of `POST /v1/users`.
fn user_from_json(record: &str, scope: &ZoneScope) -> Result<User, String> {
    let value: Value = serde_json::from_str(record).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut map) = value else { return Err("not a JSON object".into()) };
    let text = |map: &Map<String, Value>, key: &str| -> Result<Option<String>, String> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{key} must be a string")),
        }
    };
    let time = |map: &Map<String, Value>, key: &str| -> Result<Option<Timestamp>, String> {
        text(map, key)?
            .map(|t| {
                Timestamp::parse_rfc3339(&t)
                    .ok_or_else(|| format!("{key} must be an RFC 3339 date-time"))
            })
            .transpose()
    };
    let id = match text(&map, "id")? {
        Some(id) => UserId::parse(&id).ok_or_else(|| "id must be a user id (user_…)".to_owned())?,
        None => UserId::from_ulid(ulid()),
    };
    let created_at = time(&map, "created_at")?.unwrap_or_else(Timestamp::now);
    let updated_at = time(&map, "updated_at")?.unwrap_or(created_at);
    let created_by = text(&map, "created_by")?.unwrap_or_else(|| "import".into());
    let updated_by = text(&map, "updated_by")?.unwrap_or_else(|| created_by.clone());
    for key in KEPT {
        map.remove(*key);
    }
    let fields: CreateUser = typed(Value::Object(map)).map_err(|e| {
        let p = e.problem();
        match p.param {
            Some(param) => format!("{param}: {}", p.detail),
            None => p.detail,
        }
    })?;
    let base = User::blank(id, scope.org, scope.zone, created_at, created_by);
    let (mut user, _) =
        User::create(base, fields.into()).map_err(|e| format!("{}: {}", e.param, e.detail))?;
    user.updated_at = updated_at;
    user.updated_by = updated_by;
    // The attributes as the line wrote them, byte for byte (checked above).
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        attributes: Option<&'a RawValue>,
    }
    if let Ok(Raw { attributes: Some(raw) }) = serde_json::from_str::<Raw<'_>>(record)
        && raw.get().starts_with('{')
    {
        user.attributes = Attributes::from_stored(raw.get().to_owned());
    }
    Ok(user)
}

/// A CSV row as the JSON object its NDJSON line would be: empty cells are
/// absent, `email_verified` a boolean, `attributes` its JSON text.
fn json_from_csv(header: &[String], record: &csv::StringRecord) -> Result<String, String> {
    if record.len() != header.len() {
        return Err(format!("{} cells where the header has {}", record.len(), header.len()));
    }
    let mut map = Map::new();
    for (name, cell) in header.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let cell = cell.to_owned();
        let value = match name.as_str() {
            "email_verified" => {
                Value::Bool(cell.parse().map_err(|_| "email_verified must be true or false")?)
            }
            "attributes" => {
                serde_json::from_str(&cell).map_err(|_| "attributes must be a JSON object")?
            }
            _ => Value::String(cell),
        };
        map.insert(name.clone(), value);
    }
    serde_json::to_string(&Value::Object(map)).map_err(|e| e.to_string())
}

/// A progress line: lines, rate and ETA (from the bytes read of `total`).
pub fn progress_line(
    summary: &Summary,
    bytes: u64,
    total: Option<u64>,
    started: Instant,
) -> String {
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let rate = summary.lines as f64 / secs;
    let eta = match total {
        Some(total) if bytes > 0 && total > bytes => {
            format!(", ETA {:.0} s", secs * (total - bytes) as f64 / bytes as f64)
        }
        _ => String::new(),
    };
    format!(
        "{} lines ({} created, {} updated, {} skipped, {} failed), {:.0} users/s{eta}",
        summary.lines, summary.created, summary.updated, summary.skipped, summary.failed, rate
    )
}
