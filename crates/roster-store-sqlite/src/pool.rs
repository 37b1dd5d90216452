//! Threads that own SQLite connections: the readers here, the writer in
//! `writer.rs`.
//!
//! SQLite is synchronous and its connections are not shareable, so each one
//! lives on its own OS thread and async callers hand it closures over a
//! channel, awaiting the answer on a oneshot. Readers are a fixed set
//! (eight by default: at ten million users eight readers with small caches
//! served twice the reads of four with large ones, BENCHMARKS.md);
//! the writer is one thread that commits whatever is queued in one
//! transaction (group commit).
//!
//! Short reads (one user by id, a page in timestamp order without filters)
//! skip the hand-off: the async worker asking runs them itself on one of
//! a few inline connections when one is free (`Readers::call_short`).

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use rusqlite::Connection;
use tokio::sync::oneshot;

use roster_store::{Histogram, HistogramSnapshot, PoolStats, StoreError, StoreResult};

/// A read handed to the reader threads, with when it was queued.
struct ReadJob {
    queued: Instant,
    run: Box<dyn FnOnce(&mut Connection) + Send>,
}

/// What the reader threads count for `Store::stats`.
struct ReaderCounts {
    /// Reader threads running a read now.
    busy: AtomicU64,
    /// From queueing to a reader picking the read up.
    wait: Histogram,
}

thread_local! {
    /// When the query running on this thread must give up.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// Set when the request that queued the running query went away.
    static ABANDONED: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// The queue in front of a connection's threads. Closing it lets the
/// threads finish what is queued and end.
pub struct Queue<T>(parking_lot::RwLock<Option<Sender<T>>>);

impl<T> Queue<T> {
    pub fn new(tx: Sender<T>) -> Self {
        Self(parking_lot::RwLock::new(Some(tx)))
    }

    /// Queues `job`; a full queue (named `name` in the error) answers
    /// `Unavailable` at once: shedding load beats queueing requests that
    /// will time out.
    pub fn send(&self, job: T, name: &str) -> StoreResult<()> {
        let sent = match self.0.read().as_ref() {
            Some(tx) => tx.try_send(job),
            None => return Err(StoreError::Unavailable("database is closed".into())),
        };
        sent.map_err(|e| match e {
            TrySendError::Full(_) => StoreError::Unavailable(format!("{name} queue is full")),
            TrySendError::Disconnected(_) => StoreError::Unavailable("database is closed".into()),
        })
    }

    /// Jobs queued and not yet taken by a thread.
    pub fn queued(&self) -> u64 {
        self.0.read().as_ref().map_or(0, |tx| tx.len() as u64)
    }

    pub fn close(&self) {
        self.0.write().take();
    }
}

/// Makes a long query on `conn` stop at the thread's deadline, or as soon
/// as its caller is gone, instead of holding its reader (and the request
/// queue behind it) for nobody.
pub fn install_deadline(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.progress_handler(
        10_000,
        Some(|| {
            DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() > at))
                || ABANDONED
                    .with(|a| a.borrow().as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed)))
        }),
    )
}

/// Raises the abandon flag of a read when its caller drops the future
/// before the answer came (the HTTP client hung up, or a deadline above
/// fired), so the reader interrupts the query at its next progress check.
struct AbandonOnDrop {
    flag: Arc<AtomicBool>,
    answered: bool,
    counter: Arc<AtomicU64>,
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if !self.answered {
            self.flag.store(true, Ordering::Relaxed);
            self.counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub struct Readers {
    /// Closed by `close`: the reader threads finish what is queued and end.
    tx: Queue<ReadJob>,
    /// Connections the calling thread (an async worker) uses itself for
    /// short reads (`call_short`). Handing a page of users to a reader
    /// thread and back cost more than reading it: the wake-ups, and every
    /// row built on one thread and freed on another (a first page of 50
    /// served 37–43 % more pages inline, BENCHMARKS.md). `None` once
    /// closed.
    inline: Vec<parking_lot::Mutex<Option<Connection>>>,
    query_timeout: Duration,
    /// Reads whose caller went away before the answer.
    abandoned: Arc<AtomicU64>,
    threads: u64,
    counts: Arc<ReaderCounts>,
}

impl Readers {
    pub fn start(
        connections: Vec<Connection>,
        inline: Vec<Connection>,
        queue: usize,
        query_timeout: Duration,
    ) -> std::io::Result<Self> {
        let (tx, rx) = bounded::<ReadJob>(queue);
        let counts =
            Arc::new(ReaderCounts { busy: AtomicU64::new(0), wait: Histogram::read_wait() });
        let threads = connections.len() as u64;
        for (i, mut conn) in connections.into_iter().enumerate() {
            let rx: Receiver<ReadJob> = rx.clone();
            let counts = counts.clone();
            std::thread::Builder::new().name(format!("sqlite-reader-{i}")).spawn(move || {
                while let Ok(job) = rx.recv() {
                    let started = Instant::now();
                    counts.wait.observe_duration(started.saturating_duration_since(job.queued));
                    counts.busy.fetch_add(1, Ordering::Relaxed);
                    DEADLINE.with(|d| d.set(Some(started + query_timeout)));
                    // A panic must not take the reader down with it; the
                    // caller sees its reply channel close instead.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        (job.run)(&mut conn);
                    }));
                    DEADLINE.with(|d| d.set(None));
                    counts.busy.fetch_sub(1, Ordering::Relaxed);
                }
            })?;
        }
        let inline = inline.into_iter().map(|c| parking_lot::Mutex::new(Some(c))).collect();
        let tx = Queue::new(tx);
        let abandoned = Arc::new(AtomicU64::new(0));
        Ok(Self { tx, inline, query_timeout, abandoned, threads, counts })
    }

    /// The reader threads as a pool (reads queued for one are its waiters),
    /// and how long queued reads waited.
    pub fn stats(&self) -> (PoolStats, HistogramSnapshot) {
        let busy = self.counts.busy.load(Ordering::Relaxed).min(self.threads);
        let pool = PoolStats {
            idle: self.threads - busy,
            in_use: busy,
            max: self.threads,
            waiting: self.tx.queued(),
        };
        (pool, self.counts.wait.snapshot())
    }

    /// Later reads answer `Unavailable`. The reader threads answer what is
    /// already queued and end, and the inline connections are closed (after
    /// the read running on one, if any), releasing the database.
    pub fn close(&self) {
        self.tx.close();
        for slot in &self.inline {
            slot.lock().take();
        }
    }

    /// Reads abandoned by their callers since start.
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }

    /// Runs `f` on the calling thread when one of the inline connections is
    /// free, else queues it like `call`. Only for reads whose cost is a few
    /// index probes and at most a page of rows: the async worker running
    /// it serves no other request meanwhile, and nothing can interrupt it.
    pub async fn call_short<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<R> + Send + 'static,
    {
        for slot in &self.inline {
            if let Some(mut conn) = slot.try_lock() {
                let Some(conn) = conn.as_mut() else {
                    return Err(StoreError::Unavailable("database is closed".into()));
                };
                DEADLINE.with(|d| d.set(Some(Instant::now() + self.query_timeout)));
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
                DEADLINE.with(|d| d.set(None));
                return result
                    .unwrap_or_else(|_| Err(StoreError::Internal("a read panicked".into())));
            }
        }
        self.call(f).await
    }

    /// Runs `f` on a reader connection. A full queue answers `Unavailable`
    /// at once: shedding load beats queueing requests that will time out.
    pub async fn call<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<R> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let flag = Arc::new(AtomicBool::new(false));
        let mut guard =
            AbandonOnDrop { flag: flag.clone(), answered: false, counter: self.abandoned.clone() };
        let run = Box::new(move |conn: &mut Connection| {
            // Nobody waits for it any more: skip the work altogether.
            if flag.load(Ordering::Relaxed) {
                return;
            }
            ABANDONED.with(|a| *a.borrow_mut() = Some(flag));
            let result = f(conn);
            ABANDONED.with(|a| *a.borrow_mut() = None);
            let _ = reply.send(result);
        });
        let job = ReadJob { queued: Instant::now(), run };
        self.tx.send(job, "read")?;
        let answer = answer.await;
        guard.answered = true;
        answer.map_err(|_| StoreError::Internal("reader thread stopped".into()))?
    }
}

/// Polls `holds` every few milliseconds for up to five seconds; whether it
/// came to hold (for tests of what other threads do).
#[cfg(test)]
pub(crate) async fn eventually(mut holds: impl FnMut() -> bool) -> bool {
    for _ in 0..1000 {
        if holds() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    holds()
}

/// For a job to run: says it started, then holds its thread until the
/// returned sender is dropped. With the signal that it started.
#[cfg(test)]
pub(crate) fn hold_until_released()
-> (impl FnOnce() + Send + 'static, oneshot::Receiver<()>, std::sync::mpsc::Sender<()>) {
    let (started_tx, started) = oneshot::channel();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let hold = move || {
        let _ = started_tx.send(());
        let _ = wait.recv();
    };
    (hold, started, release)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::from_sqlite;
    use std::sync::mpsc;

    fn readers(inline: usize) -> Readers {
        let open = || Connection::open_in_memory().map_err(from_sqlite);
        let reader = vec![open().unwrap()];
        let inline = (0..inline).map(|_| open().unwrap()).collect();
        Readers::start(reader, inline, 8, Duration::from_secs(10)).unwrap()
    }

    /// Where a read ran, and what it answered.
    fn probe(conn: &mut Connection) -> StoreResult<(String, i64)> {
        let n = conn.query_row("SELECT 41 + 1", [], |r| r.get(0)).map_err(from_sqlite)?;
        Ok((std::thread::current().name().unwrap_or("").to_owned(), n))
    }

    /// Occupies the only reader thread until the returned sender is dropped.
    async fn occupy_the_reader(readers: &Arc<Readers>) -> mpsc::Sender<()> {
        let (hold, started, release) = hold_until_released();
        let readers = readers.clone();
        tokio::spawn(async move {
            readers
                .call(move |_| {
                    hold();
                    Ok(())
                })
                .await
        });
        started.await.unwrap();
        release
    }

    #[tokio::test]
    async fn a_short_read_runs_on_the_callers_thread_while_every_reader_is_busy() {
        let readers = Arc::new(readers(1));
        let release = occupy_the_reader(&readers).await;
        let here = std::thread::current().name().unwrap_or("").to_owned();
        let answer = tokio::time::timeout(Duration::from_secs(5), readers.call_short(probe))
            .await
            .expect("a short read must not wait for a busy reader");
        assert_eq!(answer.unwrap(), (here, 42));
        drop(release);
    }

    // Holding the only inline connection across the read is the situation
    // under test: the read must not wait for it.
    #[allow(clippy::await_holding_lock)]
    #[tokio::test]
    async fn a_short_read_queues_for_a_reader_when_every_inline_connection_is_taken() {
        let readers = readers(1);
        let taken = readers.inline[0].lock();
        let (thread, n) = readers.call_short(probe).await.unwrap();
        drop(taken);
        assert_eq!((thread.as_str(), n), ("sqlite-reader-0", 42));
    }

    #[tokio::test]
    async fn a_panicking_short_read_answers_an_error_and_frees_its_connection() {
        let readers = readers(1);
        let failed = readers.call_short(|_| -> StoreResult<()> { panic!("a bug in a read") }).await;
        assert!(matches!(failed, Err(StoreError::Internal(_))));
        let here = std::thread::current().name().unwrap_or("").to_owned();
        assert_eq!(readers.call_short(probe).await.unwrap(), (here, 42));
    }

    #[tokio::test]
    async fn a_read_queued_behind_the_busy_readers_is_a_waiter_and_its_wait_is_recorded() {
        let readers = Arc::new(readers(0));
        assert_eq!(readers.stats().0, PoolStats { idle: 1, in_use: 0, max: 1, waiting: 0 });
        let release = occupy_the_reader(&readers).await;
        assert_eq!(readers.stats().0, PoolStats { idle: 0, in_use: 1, max: 1, waiting: 0 });

        let queued = tokio::spawn({
            let readers = readers.clone();
            async move { readers.call(probe).await }
        });
        assert!(eventually(|| readers.stats().0.waiting == 1).await, "{:?}", readers.stats());
        assert_eq!(readers.stats().0, PoolStats { idle: 0, in_use: 1, max: 1, waiting: 1 });
        tokio::time::sleep(Duration::from_millis(60)).await;
        drop(release);
        assert_eq!(queued.await.unwrap().unwrap(), ("sqlite-reader-0".to_owned(), 42));

        assert!(eventually(|| readers.stats().0.in_use == 0).await, "{:?}", readers.stats());
        let (pool, wait) = readers.stats();
        assert_eq!(pool, PoolStats { idle: 1, in_use: 0, max: 1, waiting: 0 });
        // The occupying read found the reader free; the queued one waited
        // out the 60 ms.
        assert_eq!(wait.count, 2, "{wait:?}");
        assert_eq!((wait.at_most(0.05), wait.at_most(5.0)), (Some(1), Some(2)), "{wait:?}");
        assert!(wait.sum >= 0.06, "{wait:?}");
    }

    #[tokio::test]
    async fn a_short_read_run_inline_records_no_wait() {
        let readers = readers(1);
        readers.call_short(probe).await.unwrap();
        assert_eq!(readers.stats().1.count, 0);
        readers.call(probe).await.unwrap();
        assert_eq!(readers.stats().1.count, 1);
    }
}
