//! `roster backup`: a consistent copy of a live database.

use std::path::Path;

use roster_store::{StoreError, StoreResult};

use crate::error::from_sqlite;
use crate::open::{Location, open_read_only};

/// Copies the database at `url` into a new file at `dest` with `VACUUM
/// INTO`: one read transaction, so the copy is the database as of one
/// moment while the server goes on writing (WAL readers do not block the
/// writer), compacted, and a plain file any SQLite opens.
pub fn backup(url: &str, dest: &Path) -> StoreResult<()> {
    let Some(Location::File(source)) = Location::parse(url) else {
        return Err(StoreError::Internal(format!(
            "{url:?} is not a SQLite database file (sqlite://path.db); an in-memory database \
             has nothing to back up"
        )));
    };
    if dest.exists() {
        return Err(StoreError::Internal(format!(
            "{} exists already; back up to a new path",
            dest.display()
        )));
    }
    let conn = open_read_only(&source, std::time::Duration::from_secs(30))?;
    let dest = dest.to_str().ok_or_else(|| StoreError::Internal("the path is not UTF-8".into()))?;
    conn.execute("VACUUM INTO ?1", [dest]).map_err(from_sqlite)?;
    Ok(())
}
