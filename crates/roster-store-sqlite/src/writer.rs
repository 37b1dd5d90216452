//! The writer thread: one connection that commits whatever is queued in
//! one transaction (group commit, up to `MAX_BATCH` writes), acknowledging
//! each request only after COMMIT returned, so `synchronous=FULL` costs one
//! fsync per batch, not per write. Each write runs under its own savepoint,
//! so a failed one is undone alone.

use crossbeam_channel::{Receiver, bounded};
use rusqlite::Connection;
use tokio::sync::oneshot;

use std::sync::Arc;

use roster_store::{Histogram, StoreError, StoreResult, WriterStats};

use crate::error::from_sqlite;
use crate::pool::Queue;
use crate::search_index;

/// Most requests a single write transaction carries.
const MAX_BATCH: usize = 256;

/// One write request inside a group-commit batch.
trait WriteJob: Send {
    /// Runs the work inside the open transaction; `false` when it failed and
    /// its savepoint must be rolled back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Delivers the outcome once the batch's COMMIT did (or did not) succeed.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

struct Job<R, F> {
    work: Option<F>,
    result: Option<StoreResult<R>>,
    reply: Option<oneshot::Sender<StoreResult<R>>>,
}

impl<R, F> WriteJob for Job<R, F>
where
    R: Send,
    F: FnOnce(&Connection) -> StoreResult<R> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = work(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(mut self: Box<Self>, committed: Result<(), StoreError>) {
        let outcome = match (committed, self.result.take()) {
            (Ok(()), Some(result)) => result,
            // The work failed on its own: its error stands whatever happened
            // to the batch.
            (Err(_), Some(Err(e))) => Err(e),
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(StoreError::Internal("write job did not run".into())),
        };
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(outcome);
        }
    }
}

pub struct Writer {
    /// Closed by `close`: the writer thread drains what is queued and ends.
    tx: Queue<Box<dyn WriteJob>>,
    /// Writes per committed transaction, counted by the writer thread.
    batches: Arc<Histogram>,
}

impl Writer {
    pub fn start(conn: Connection, queue: usize) -> std::io::Result<(Self, WriterHandle)> {
        let (tx, rx) = bounded::<Box<dyn WriteJob>>(queue);
        let batches = Arc::new(Histogram::batch_size());
        let counted = batches.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, &counted))?;
        let writer = Self { tx: Queue::new(tx), batches };
        Ok((writer, WriterHandle { thread: Some(thread) }))
    }

    /// Writes queued behind the batch being written, and the sizes of the
    /// batches committed.
    pub fn stats(&self) -> WriterStats {
        WriterStats { queued: self.tx.queued(), batch_size: self.batches.snapshot() }
    }

    /// Runs `f` inside a write transaction (under its own savepoint) and
    /// answers after the transaction committed.
    pub async fn call<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn WriteJob> =
            Box::new(Job { work: Some(f), result: None, reply: Some(reply) });
        self.tx.send(job, "write")?;
        answer.await.map_err(|_| StoreError::Internal("writer thread stopped".into()))?
    }
}

impl Writer {
    pub fn close(&self) {
        self.tx.close();
    }
}

/// Joins the writer thread when the store is dropped, so every queued write
/// is committed before the process exits.
pub struct WriterHandle {
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WriterHandle {
    pub fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn writer_loop(conn: Connection, rx: Receiver<Box<dyn WriteJob>>, batches: &Histogram) {
    let mut batch: Vec<Box<dyn WriteJob>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = run_batch(&conn, &mut batch);
        // Before the answers, so a caller that saw its write acknowledged
        // finds its batch counted.
        if committed.is_ok() {
            batches.observe(batch.len() as u64);
        }
        for job in batch.drain(..) {
            job.finish(committed.clone());
        }
    }
    // Channel closed: the store was dropped. Fold the WAL back so the file
    // stands alone.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn WriteJob>]) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(from_sqlite)?;
    let index = search_index::Batch::begin();
    for job in batch.iter_mut() {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(from_sqlite(e));
        }
        let mark = index.mark();
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(conn)))
            .unwrap_or(false);
        if !ok {
            index.roll_back_to(mark);
        }
        let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        if let Err(e) = conn.execute_batch(end) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(from_sqlite(e));
        }
    }
    // After the last savepoint, so the search index gets one segment for
    // the whole batch (search_index.rs).
    if let Err(e) = index.apply(conn) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(from_sqlite(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::{eventually, hold_until_released};

    #[tokio::test]
    async fn writes_queued_behind_a_running_batch_are_its_queue_depth_then_commit_as_one_batch() {
        let (writer, mut thread) =
            Writer::start(Connection::open_in_memory().unwrap(), 64).unwrap();
        let writer = Arc::new(writer);
        let (hold, started, release) = hold_until_released();
        let holder = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .call(move |_| {
                        hold();
                        Ok(())
                    })
                    .await
            }
        });
        started.await.unwrap();
        assert_eq!(writer.stats().queued, 0);

        let writes: Vec<_> = (0..8)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .call(move |conn| conn.execute_batch("SELECT 1").map_err(from_sqlite))
                        .await?;
                    Ok::<_, StoreError>(i)
                })
            })
            .collect();
        assert!(eventually(|| writer.stats().queued == 8).await, "{:?}", writer.stats());
        drop(release);
        holder.await.unwrap().unwrap();
        for (i, write) in writes.into_iter().enumerate() {
            assert_eq!(write.await.unwrap().unwrap(), i);
        }

        let stats = writer.stats();
        assert_eq!(stats.queued, 0);
        let batches = &stats.batch_size;
        // The holder alone, then the eight that queued behind it together.
        assert_eq!((batches.count, batches.sum), (2, 9.0), "{batches:?}");
        let sizes = [1.0, 4.0, 8.0, 256.0].map(|le| batches.at_most(le));
        assert_eq!(sizes, [1, 1, 2, 2].map(Some), "{batches:?}");
        writer.close();
        thread.join();
    }
}
