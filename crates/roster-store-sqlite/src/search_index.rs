//! Writes to the search index, held back to the end of the write batch.
//!
//! The writer runs each request of a group-commit batch under its own
//! SAVEPOINT, and FTS5 writes its pending terms out as a new segment at
//! every savepoint, then merges segments to keep their number down. At ten
//! million users that made 62 % of the writer's CPU during creates
//! (`fts5SavepointMethod` → `fts5IndexFlush` → `fts5IndexMerge`, perf in
//! BENCHMARKS.md). Staged here instead, a batch's index writes run after
//! its last savepoint, in request order, inside the same transaction: one
//! segment per batch, and a batch whose index writes fail rolls back whole,
//! so a user never exists without its search entry or the reverse.
//!
//! Outside a batch (a connection used directly, as tests do) every write
//! runs at once.

use std::cell::{Cell, RefCell};

use rusqlite::Connection;

use roster_store::StoreResult;

use crate::db;
use crate::error::from_sqlite;

enum Op {
    Insert { rowid: i64, doc: String },
    Update { rowid: i64, doc: String },
    Delete { rowid: i64 },
}

thread_local! {
    static IN_BATCH: Cell<bool> = const { Cell::new(false) };
    static STAGED: RefCell<Vec<Op>> = const { RefCell::new(Vec::new()) };
}

pub fn insert(conn: &Connection, rowid: i64, doc: String) -> StoreResult<()> {
    stage(conn, Op::Insert { rowid, doc })
}

pub fn update(conn: &Connection, rowid: i64, doc: String) -> StoreResult<()> {
    stage(conn, Op::Update { rowid, doc })
}

pub fn delete(conn: &Connection, rowid: i64) -> StoreResult<()> {
    stage(conn, Op::Delete { rowid })
}

fn stage(conn: &Connection, op: Op) -> StoreResult<()> {
    if IN_BATCH.with(Cell::get) {
        STAGED.with(|s| s.borrow_mut().push(op));
        Ok(())
    } else {
        run(conn, &op)
    }
}

fn run(conn: &Connection, op: &Op) -> StoreResult<()> {
    let done = match op {
        Op::Insert { rowid, doc } => {
            db::execute(conn, "INSERT INTO users_search (rowid, doc) VALUES (?1, ?2)", (rowid, doc))
        }
        Op::Update { rowid, doc } => {
            db::execute(conn, "UPDATE users_search SET doc = ?2 WHERE rowid = ?1", (rowid, doc))
        }
        Op::Delete { rowid } => {
            db::execute(conn, "DELETE FROM users_search WHERE rowid = ?1", [rowid])
        }
    };
    done.map(|_| ()).map_err(from_sqlite)
}

/// Stages the index writes of this thread until [`Batch::apply`]; dropping
/// the batch discards whatever was not applied.
pub struct Batch(());

impl Batch {
    pub fn begin() -> Self {
        STAGED.with(|s| s.borrow_mut().clear());
        IN_BATCH.with(|b| b.set(true));
        Self(())
    }

    /// How many writes are staged: a request's own start mark.
    pub fn mark(&self) -> usize {
        STAGED.with(|s| s.borrow().len())
    }

    /// Forgets the writes staged since `mark` (the request rolled back).
    pub fn roll_back_to(&self, mark: usize) {
        STAGED.with(|s| s.borrow_mut().truncate(mark));
    }

    /// Runs every staged write in the order staged.
    pub fn apply(&self, conn: &Connection) -> StoreResult<()> {
        let staged = STAGED.with(|s| std::mem::take(&mut *s.borrow_mut()));
        staged.iter().try_for_each(|op| run(conn, op))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        IN_BATCH.with(|b| b.set(false));
        STAGED.with(|s| s.borrow_mut().clear());
    }
}
