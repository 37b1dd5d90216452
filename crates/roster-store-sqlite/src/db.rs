//! Running a statement through the connection's cache of prepared
//! statements: each distinct text is compiled once per connection.

use rusqlite::{Connection, Params};

/// Runs a statement; returns the rows it changed.
pub fn execute(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<u64> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute(params)).map(|n| n as u64)
}
