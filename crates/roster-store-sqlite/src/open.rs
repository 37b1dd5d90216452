//! Opening a SQLite store: the file, its connections and their settings,
//! the migrations, and the reader and writer threads; and closing it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use roster_store::{StoreError, StoreResult, ZoneKeys};

use crate::error::from_sqlite;
use crate::pool::{self, Readers};
use crate::store::SqliteStore;
use crate::writer::Writer;
use crate::{files, users};

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_access.sql"),
    include_str!("../migrations/0003_exact_search.sql"),
    include_str!("../migrations/0004_zoned_search.sql"),
    include_str!("../migrations/0005_directory_order.sql"),
    include_str!("../migrations/0006_search_merge.sql"),
    include_str!("../migrations/0007_events.sql"),
    include_str!("../migrations/0008_webhooks.sql"),
    include_str!("../migrations/0009_external_id.sql"),
    include_str!("../migrations/0010_event_users.sql"),
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

pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
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

    /// Waits for every queued write to commit and stops the writer and the
    /// readers: every later call answers `Unavailable` (the `Store` promise).
    pub fn close(&self) {
        self.readers.close();
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
}

/// A read-only connection to an existing file, for the tools that read a
/// database beside a running server (`roster backup`, `roster check`):
/// never creates the file, waits `busy` for the writer's locks.
pub(crate) fn open_read_only(
    path: &std::path::Path,
    busy: std::time::Duration,
) -> roster_store::StoreResult<rusqlite::Connection> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn =
        rusqlite::Connection::open_with_flags(path, flags).map_err(crate::error::from_sqlite)?;
    conn.busy_timeout(busy).map_err(crate::error::from_sqlite)?;
    Ok(conn)
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
