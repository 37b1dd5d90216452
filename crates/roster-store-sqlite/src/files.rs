//! The database file holds every user's personal data and the hashes of
//! every API key: it is created readable by its owner only. SQLite gives the
//! `-wal` and `-shm` files it creates the database file's mode, so creating
//! the database file first, with mode 0600, covers all three.

use std::fs::OpenOptions;
use std::path::Path;

use roster_store::{StoreError, StoreResult};

/// Creates the database file with mode 0600 unless it exists. `fresh`
/// demands that it does not (the private file of `sqlite::memory:`, in a
/// shared temporary directory where a planted file or link must not be
/// followed).
pub fn create_private(path: &Path, fresh: bool) -> StoreResult<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if fresh {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", path.display())))
}
