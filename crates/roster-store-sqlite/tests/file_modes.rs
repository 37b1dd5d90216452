//! The database holds personal data and key hashes: its files are readable
//! by their owner only, whatever the process umask.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn assert_private(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let file = with_suffix(db, suffix);
        assert_eq!(mode(&file), 0o600, "{} has mode {:o}", file.display(), mode(&file));
    }
}

#[test]
fn a_new_database_file_and_its_wal_and_shm_are_created_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("private.db");
    let store = SqliteStore::open(&Location::File(db.clone()), &SqliteOptions::default()).unwrap();
    assert_private(&db);
    store.close();
}

fn memory_files() -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("roster-memory-"))
                && p.extension().is_some_and(|e| e == "db")
        })
        .collect()
}

#[test]
fn the_private_file_of_an_in_memory_database_has_mode_0600() {
    let before = memory_files();
    let store = SqliteStore::open(&Location::Memory, &SqliteOptions::default()).unwrap();
    let created: Vec<PathBuf> =
        memory_files().into_iter().filter(|p| !before.contains(p)).collect();
    assert!(!created.is_empty(), "sqlite::memory: created no file in the temp directory");
    for db in &created {
        assert_private(db);
    }
    store.close();
}
