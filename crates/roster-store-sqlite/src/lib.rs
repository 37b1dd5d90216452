//! Roster's embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous=FULL`, so a write acknowledged to a client has
//! been fsynced to the WAL; group commit keeps that affordable. Reads run on
//! a few dedicated reader threads and never wait for the writer.

mod access;
mod error;
mod files;
mod idempotency;
mod list;
mod pool;
mod row;
mod search_index;
mod tenancy;
mod users;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use roster_domain::access::{Expansion, Grant, Provider, Role, RoleAssignment, RoleRef, Session};
use roster_domain::{
    ApiKey, ApiKeyId, GrantId, OrgId, Organization, ProviderId, RoleAssignmentId, RoleId,
    SessionId, Timestamp, User, UserId, UserPage, UserQuery, Zone, ZoneId, ZoneRef,
};
use roster_store::{
    ExpandRequest, IdWindow, IdempotencyRecord, Page, SignedIn, Store, StoreError, StoreResult,
    UserUpdate, ZoneKeys, ZoneScope,
};

use crate::error::from_sqlite;
use crate::pool::{Readers, Writer, WriterHandle};
use crate::users::ZoneKey;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_access.sql"),
    include_str!("../migrations/0003_exact_search.sql"),
    include_str!("../migrations/0004_zoned_search.sql"),
    include_str!("../migrations/0005_directory_order.sql"),
    include_str!("../migrations/0006_search_merge.sql"),
];

/// Tuning knobs; the defaults are what measured best on a 2-core machine.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub readers: usize,
    /// Connections for short reads run by the async workers themselves
    /// (`pool::Readers::call_short`); one per worker is enough.
    pub inline_readers: usize,
    /// Page cache of each reader, in KiB.
    pub reader_cache_kib: i64,
    /// Page cache of the writer, in KiB: it touches every index of the
    /// users it writes, so it gets more.
    pub writer_cache_kib: i64,
    pub read_queue: usize,
    pub write_queue: usize,
    pub query_timeout: Duration,
    pub list: roster_store::ListLimits,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            // Measured at ten million users (BENCHMARKS.md): eight readers
            // with 1 MiB each served twice the reads of four with 4 MiB.
            // Random reads over a database far larger than any cache miss
            // whatever its size, and a bigger cache only costs more to
            // manage; the b-trees' upper levels fit in 1 MiB.
            readers: 8,
            // One per async worker (one per core), up to four: a worker
            // that finds them all taken queues for a reader instead.
            inline_readers: std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
            reader_cache_kib: 1024,
            writer_cache_kib: 16 * 1024,
            read_queue: 4096,
            write_queue: 8192,
            query_timeout: Duration::from_secs(10),
            list: roster_store::ListLimits::default(),
        }
    }
}

/// Where the database lives, parsed from a `sqlite:` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// `sqlite::memory:`: a private file in the temp directory, removed when
    /// the store closes, so readers and the writer still share one database.
    Memory,
}

impl Location {
    /// `sqlite://roster.db` (relative), `sqlite:///abs/path.db`,
    /// `sqlite:roster.db`, `sqlite::memory:`.
    pub fn parse(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("sqlite:")?;
        if rest == ":memory:" || rest == "//:memory:" {
            return Some(Location::Memory);
        }
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return None;
        }
        Some(Location::File(PathBuf::from(path)))
    }
}

pub struct SqliteStore {
    readers: Readers,
    writer: Writer,
    writer_thread: Mutex<WriterHandle>,
    /// zone id -> (rowid, org): stable for a zone's whole life, so caching
    /// is always safe; deleting a zone evicts it.
    zones: ZoneKeys,
    cursor_secret: Vec<u8>,
    temp_file: Option<PathBuf>,
    statements: Arc<AtomicU64>,
    list_limits: roster_store::ListLimits,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

fn open_connection(
    path: &Path,
    flags: OpenFlags,
    cache_kib: i64,
    statements: &Arc<AtomicU64>,
) -> StoreResult<Connection> {
    let mut conn = Connection::open_with_flags(path, flags).map_err(from_sqlite)?;
    let counter = statements.clone();
    conn.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(move |_: rusqlite::trace::TraceEvent<'_>| {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .map_err(from_sqlite)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(from_sqlite)?;
    // The query-planner stability guarantee: without it, a statement whose
    // plan could depend on a bound value is compiled again on every step
    // after a new binding (perf: a tenth of a list page's CPU was
    // `sqlite3Reprepare`). Roster steers its plans in the SQL, so the value
    // never should change them.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(from_sqlite)?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY;"
    ))
    .map_err(from_sqlite)?;
    conn.set_prepared_statement_cache_capacity(256);
    users::register_functions(&conn).map_err(from_sqlite)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(from_sqlite)?;
    let current = usize::try_from(version).unwrap_or(0);
    if current > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "database schema version {current} is newer than this Roster ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction().map_err(from_sqlite)?;
        tx.execute_batch(sql).map_err(from_sqlite)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(from_sqlite)?;
        tx.commit().map_err(from_sqlite)?;
    }
    let secret: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'cursor_secret'", [], |r| r.get(0))
        .optional()
        .map_err(from_sqlite)?;
    if secret.is_none() {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('cursor_secret', ?1)",
            [bytes.as_slice()],
        )
        .map_err(from_sqlite)?;
    }
    Ok(())
}

impl SqliteStore {
    pub fn open(location: &Location, options: &SqliteOptions) -> StoreResult<Self> {
        let (path, temp_file, synchronous) = match location {
            Location::File(path) => (path.clone(), None, "FULL"),
            Location::Memory => {
                let name = format!("roster-memory-{:032x}.db", rand::random::<u128>());
                let path = std::env::temp_dir().join(name);
                (path.clone(), Some(path), "OFF")
            }
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Unavailable(format!("cannot create {parent:?}: {e}")))?;
        }
        files::create_private(&path, temp_file.is_some())?;
        let rw = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let statements = Arc::new(AtomicU64::new(0));
        let mut writer = open_connection(&path, rw, options.writer_cache_kib, &statements)?;
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous};"
            ))
            .map_err(from_sqlite)?;
        migrate(&mut writer)?;
        // No ANALYZE: statistics taken while tables are small (as at first
        // start) made FTS5's own lookups choose scans and writes slowed down
        // as the index grew. Plans are steered in the SQL instead.
        let cursor_secret: Vec<u8> = writer
            .query_row("SELECT value FROM meta WHERE key = 'cursor_secret'", [], |r| r.get(0))
            .map_err(from_sqlite)?;

        let ro = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open_readers = |n: usize| -> StoreResult<Vec<Connection>> {
            (0..n)
                .map(|_| {
                    let mut conn =
                        open_connection(&path, ro, options.reader_cache_kib, &statements)?;
                    pool::install_deadline(&mut conn).map_err(from_sqlite)?;
                    Ok(conn)
                })
                .collect()
        };
        let readers = open_readers(options.readers.max(1))?;
        let inline = open_readers(options.inline_readers)?;
        let io = |e: std::io::Error| StoreError::Internal(format!("cannot start thread: {e}"));
        let readers = Readers::start(readers, inline, options.read_queue, options.query_timeout)
            .map_err(io)?;
        let (writer, handle) = Writer::start(writer, options.write_queue).map_err(io)?;
        Ok(Self {
            readers,
            writer,
            writer_thread: Mutex::new(handle),
            zones: ZoneKeys::default(),
            cursor_secret,
            temp_file,
            statements,
            list_limits: options.list,
        })
    }

    pub fn open_url(url: &str, options: &SqliteOptions) -> StoreResult<Self> {
        let location = Location::parse(url)
            .ok_or_else(|| StoreError::Internal(format!("not a sqlite URL: {url}")))?;
        Self::open(&location, options)
    }

    /// Waits for every queued write to commit and stops the writer.
    pub fn close(&self) {
        self.writer.close();
        self.writer_thread.lock().join();
        if let Some(path) = &self.temp_file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    /// The zone's rowid, from the cache or the database; `NotFound` when the
    /// zone is not the organization's.
    async fn zone_key(&self, scope: &ZoneScope) -> StoreResult<ZoneKey> {
        if let Some(key) = self.zones.get(scope) {
            return Ok(key);
        }
        let (org, zone_id) = (scope.org, scope.zone);
        let (seq, zone) = self
            .readers
            .call(move |conn| tenancy::find_zone(conn, &org, &ZoneRef::Id(zone_id)))
            .await?;
        Ok(self.zones.remember(seq, &zone))
    }

    pub fn shared(self) -> Arc<dyn Store> {
        Arc::new(self)
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

/// A sign-in must find the zone still there before it looks for the user:
/// a missing user there means "create one", not "no such zone".
fn ensure_zone(conn: &Connection, zone: &ZoneKey) -> StoreResult<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM zones WHERE seq = ?1)")
        .and_then(|mut s| s.query_row([zone.seq], |r| r.get(0)))
        .map_err(from_sqlite)?;
    if exists { Ok(()) } else { Err(StoreError::NotFound) }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(from_sqlite))
            .await
    }

    async fn cursor_secret(&self) -> StoreResult<Vec<u8>> {
        Ok(self.cursor_secret.clone())
    }

    async fn bootstrap(
        &self,
        org: &Organization,
        zone: &Zone,
        key: &ApiKey,
        key_hash: &[u8; 32],
    ) -> StoreResult<bool> {
        let (org, zone, key, hash) = (org.clone(), zone.clone(), key.clone(), *key_hash);
        self.writer
            .call(move |conn| {
                if tenancy::any_organization(conn)? {
                    return Ok(false);
                }
                tenancy::insert_organization(conn, &org)?;
                tenancy::insert_zone(conn, &zone)?;
                tenancy::insert_key(conn, &key, &hash)?;
                Ok(true)
            })
            .await
    }

    async fn default_organization(&self) -> StoreResult<Organization> {
        self.readers.call(|conn| tenancy::first_organization(conn)).await
    }

    async fn get_zone(&self, org: &OrgId, zone: &ZoneRef) -> StoreResult<Zone> {
        let (org, zone) = (*org, zone.clone());
        let (seq, zone) =
            self.readers.call(move |conn| tenancy::find_zone(conn, &org, &zone)).await?;
        self.zones.remember(seq, &zone);
        Ok(zone)
    }

    async fn list_zones(
        &self,
        org: &OrgId,
        only: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<Zone>> {
        let (org, only, window) = (*org, only.map(<[ZoneId]>::to_vec), window.clone());
        self.readers
            .call(move |conn| tenancy::list_zones(conn, &org, only.as_deref(), &window))
            .await
    }

    async fn create_zone(&self, zone: &Zone) -> StoreResult<()> {
        let zone = zone.clone();
        self.writer.call(move |conn| tenancy::insert_zone(conn, &zone)).await
    }

    async fn update_zone(&self, zone: &Zone) -> StoreResult<()> {
        let zone = zone.clone();
        self.writer.call(move |conn| tenancy::update_zone(conn, &zone)).await
    }

    async fn delete_zone(&self, org: &OrgId, zone: &ZoneId) -> StoreResult<()> {
        let (org, zone_id) = (*org, *zone);
        self.writer.call(move |conn| tenancy::delete_zone(conn, &org, &zone_id)).await?;
        self.zones.forget(zone);
        Ok(())
    }

    async fn find_api_key(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        let hash = *hash;
        self.readers.call(move |conn| tenancy::find_key_by_hash(conn, &hash)).await
    }

    async fn get_api_key(&self, org: &OrgId, id: &ApiKeyId) -> StoreResult<ApiKey> {
        let (org, id) = (*org, *id);
        self.readers.call(move |conn| tenancy::get_key(conn, &org, &id)).await
    }

    async fn create_api_key(&self, key: &ApiKey, hash: &[u8; 32]) -> StoreResult<()> {
        let (key, hash) = (key.clone(), *hash);
        self.writer.call(move |conn| tenancy::insert_key(conn, &key, &hash)).await
    }

    async fn list_api_keys(
        &self,
        org: &OrgId,
        within: Option<&[ZoneId]>,
        window: &IdWindow,
    ) -> StoreResult<Page<ApiKey>> {
        let (org, within, window) = (*org, within.map(<[ZoneId]>::to_vec), window.clone());
        self.readers
            .call(move |conn| tenancy::list_keys(conn, &org, within.as_deref(), &window))
            .await
    }

    async fn revoke_api_key(&self, org: &OrgId, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let (org, id) = (*org, *id);
        self.writer.call(move |conn| tenancy::revoke_key(conn, &org, &id, at)).await
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: Timestamp) -> StoreResult<()> {
        let id = *id;
        self.writer.call(move |conn| tenancy::touch_key(conn, &id, at)).await
    }

    async fn get_user(&self, scope: &ZoneScope, id: &UserId) -> StoreResult<User> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.readers.call_short(move |conn| users::get_user(conn, &zone, &id)).await
    }

    async fn list_users(&self, scope: &ZoneScope, query: &UserQuery) -> StoreResult<UserPage> {
        let zone = self.zone_key(scope).await?;
        let query = query.clone();
        let limits = self.list_limits;
        let short = list::is_short(&query);
        let read = move |conn: &mut Connection| list::list_users(conn, &zone, &query, limits);
        if short { self.readers.call_short(read).await } else { self.readers.call(read).await }
    }

    async fn create_user(
        &self,
        scope: &ZoneScope,
        user: &User,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let (user, idempotency) = (user.clone(), idempotency.cloned());
        // A zone deleted after its rowid was cached fails the insert's
        // foreign key: no separate existence check needed.
        self.writer
            .call(move |conn| {
                users::insert_user(conn, &zone, &user, idempotency.as_ref()).map(drop)
            })
            .await
    }

    async fn import_users(&self, scope: &ZoneScope, users: Vec<User>) -> StoreResult<u64> {
        let zone = self.zone_key(scope).await?;
        self.writer.call(move |conn| users::import_users(conn, &zone, &users)).await
    }

    async fn update_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.writer.call(move |conn| users::update_user(conn, &zone, &id, update)).await
    }

    async fn delete_user(
        &self,
        scope: &ZoneScope,
        id: &UserId,
        expected_version: Option<i64>,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.writer.call(move |conn| users::delete_user(conn, &zone, &id, expected_version)).await
    }

    async fn get_idempotency(
        &self,
        api_key: &ApiKeyId,
        key: &str,
        not_before: Timestamp,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let (api_key, key) = (*api_key, key.to_owned());
        self.readers.call(move |conn| idempotency::get(conn, &api_key, &key, not_before)).await
    }

    async fn put_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let record = record.clone();
        self.writer.call(move |conn| idempotency::insert(conn, &record)).await
    }

    async fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64> {
        self.writer.call(move |conn| idempotency::purge(conn, before)).await
    }

    async fn list_roles(&self, scope: &ZoneScope, window: &IdWindow) -> StoreResult<Page<Role>> {
        let zone = self.zone_key(scope).await?;
        let window = window.clone();
        self.readers.call(move |conn| access::list_roles(conn, &zone, &window)).await
    }

    async fn get_role(&self, scope: &ZoneScope, role: &RoleRef) -> StoreResult<Role> {
        let zone = self.zone_key(scope).await?;
        let role = role.clone();
        self.readers.call(move |conn| access::get_role(conn, &zone, &role)).await
    }

    async fn create_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let role = role.clone();
        self.writer.call(move |conn| access::insert_role(conn, &zone, &role)).await
    }

    async fn update_role(&self, scope: &ZoneScope, role: &Role) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let role = role.clone();
        self.writer.call(move |conn| access::update_role(conn, &zone, &role)).await
    }

    async fn delete_role(&self, scope: &ZoneScope, id: &RoleId) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.writer.call(move |conn| access::delete_role(conn, &zone, &id)).await
    }

    async fn list_role_assignments(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<RoleAssignment>> {
        let zone = self.zone_key(scope).await?;
        let (user, window) = (*user, window.clone());
        self.readers
            .call(move |conn| access::list_role_assignments(conn, &zone, &user, &window))
            .await
    }

    async fn create_role_assignment(
        &self,
        scope: &ZoneScope,
        assignment: &RoleAssignment,
    ) -> StoreResult<RoleAssignment> {
        let zone = self.zone_key(scope).await?;
        let assignment = assignment.clone();
        self.writer.call(move |conn| access::insert_role_assignment(conn, &zone, &assignment)).await
    }

    async fn get_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<RoleAssignment> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.readers.call(move |conn| access::get_role_assignment(conn, &zone, &user, &id)).await
    }

    async fn get_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
    ) -> StoreResult<Session> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.readers.call(move |conn| access::get_session(conn, &zone, &user, &id)).await
    }

    async fn get_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
    ) -> StoreResult<Grant> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.readers.call(move |conn| access::get_grant(conn, &zone, &user, &id)).await
    }

    async fn delete_role_assignment(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &RoleAssignmentId,
    ) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.writer.call(move |conn| access::delete_role_assignment(conn, &zone, &user, &id)).await
    }

    async fn list_sessions(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Session>> {
        let zone = self.zone_key(scope).await?;
        let (user, window) = (*user, window.clone());
        self.readers.call(move |conn| access::list_sessions(conn, &zone, &user, &window)).await
    }

    async fn create_session(&self, scope: &ZoneScope, session: &Session) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let session = session.clone();
        self.writer.call(move |conn| access::insert_session(conn, &zone, &session)).await
    }

    async fn revoke_session(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &SessionId,
        at: Timestamp,
    ) -> StoreResult<Session> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.writer.call(move |conn| access::revoke_session(conn, &zone, &user, &id, at)).await
    }

    async fn list_grants(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        window: &IdWindow,
    ) -> StoreResult<Page<Grant>> {
        let zone = self.zone_key(scope).await?;
        let (user, window) = (*user, window.clone());
        self.readers.call(move |conn| access::list_grants(conn, &zone, &user, &window)).await
    }

    async fn create_grant(&self, scope: &ZoneScope, grant: &Grant) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let grant = grant.clone();
        self.writer.call(move |conn| access::insert_grant(conn, &zone, &grant)).await
    }

    async fn revoke_grant(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        id: &GrantId,
        at: Timestamp,
    ) -> StoreResult<Grant> {
        let zone = self.zone_key(scope).await?;
        let (user, id) = (*user, *id);
        self.writer.call(move |conn| access::revoke_grant(conn, &zone, &user, &id, at)).await
    }

    async fn list_providers(
        &self,
        scope: &ZoneScope,
        window: &IdWindow,
    ) -> StoreResult<Page<Provider>> {
        let zone = self.zone_key(scope).await?;
        let window = window.clone();
        self.readers.call(move |conn| access::list_providers(conn, &zone, &window)).await
    }

    async fn get_provider(&self, scope: &ZoneScope, provider: &str) -> StoreResult<Provider> {
        let zone = self.zone_key(scope).await?;
        let provider = provider.to_owned();
        self.readers.call(move |conn| access::get_provider(conn, &zone, &provider)).await
    }

    async fn create_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let provider = provider.clone();
        self.writer.call(move |conn| access::insert_provider(conn, &zone, &provider)).await
    }

    async fn update_provider(&self, scope: &ZoneScope, provider: &Provider) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let provider = provider.clone();
        self.writer.call(move |conn| access::update_provider(conn, &zone, &provider)).await
    }

    async fn delete_provider(&self, scope: &ZoneScope, id: &ProviderId) -> StoreResult<()> {
        let zone = self.zone_key(scope).await?;
        let id = *id;
        self.writer.call(move |conn| access::delete_provider(conn, &zone, &id)).await
    }

    async fn sign_in(
        &self,
        scope: &ZoneScope,
        issuer: &str,
        subject: &str,
        new_user: Option<&User>,
        session: &Session,
    ) -> StoreResult<SignedIn> {
        let zone = self.zone_key(scope).await?;
        let (issuer, subject) = (issuer.to_owned(), subject.to_owned());
        let (new_user, session) = (new_user.cloned(), session.clone());
        self.writer
            .call(move |conn| {
                ensure_zone(conn, &zone)?;
                access::sign_in(conn, &zone, &issuer, &subject, new_user.as_ref(), &session)
            })
            .await
    }

    async fn expand_users(
        &self,
        scope: &ZoneScope,
        users: &[UserId],
        what: ExpandRequest,
        now: Timestamp,
    ) -> StoreResult<HashMap<UserId, Expansion>> {
        let zone = self.zone_key(scope).await?;
        let users = users.to_vec();
        self.readers.call(move |conn| access::expand_users(conn, &zone, &users, what, now)).await
    }

    fn close(&self) {
        SqliteStore::close(self);
    }

    fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn queries_abandoned(&self) -> u64 {
        self.readers.abandoned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_parse_as_documented() {
        assert_eq!(Location::parse("sqlite://roster.db"), Some(Location::File("roster.db".into())));
        assert_eq!(
            Location::parse("sqlite:///abs/path.db"),
            Some(Location::File("/abs/path.db".into()))
        );
        assert_eq!(Location::parse("sqlite::memory:"), Some(Location::Memory));
        assert_eq!(Location::parse("postgres://x"), None);
        assert_eq!(Location::parse("sqlite://"), None);
    }
}
