//! `roster check`: a database's schema version and zone count, read
//! without creating, migrating or writing anything.

use roster_store::{SchemaStatus, StoreError, StoreResult};

use crate::error::from_sqlite;
use crate::open::{Location, MIGRATIONS, open_read_only};

/// Reads the schema of the database at `url`. A file that is not there is
/// an error, not a new database: a check must not leave one behind.
pub fn inspect(url: &str) -> StoreResult<SchemaStatus> {
    let expected = MIGRATIONS.len();
    let path = match Location::parse(url) {
        Some(Location::File(path)) => path,
        // Every start creates it afresh: it is always current and empty.
        Some(Location::Memory) => {
            return Ok(SchemaStatus { found: expected, expected, zones: None });
        }
        None => return Err(StoreError::Internal(format!("not a sqlite URL: {url}"))),
    };
    if !path.is_file() {
        return Err(StoreError::Unavailable(format!(
            "no database file at {} (roster migrate or roster serve creates it)",
            path.display()
        )));
    }
    let conn = open_read_only(&path, std::time::Duration::from_secs(5))?;
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(from_sqlite)?;
    let found = usize::try_from(version).unwrap_or(0);
    let zones = if found == expected {
        let n: i64 =
            conn.query_row("SELECT count(*) FROM zones", [], |r| r.get(0)).map_err(from_sqlite)?;
        Some(u64::try_from(n).unwrap_or(0))
    } else {
        None
    };
    Ok(SchemaStatus { found, expected, zones })
}
