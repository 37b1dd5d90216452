//! What a store tells about its own health (`Store::stats`): the connections
//! reads run on, how long reads wait for one, and SQLite's writer queue.
//!
//! Backends count on the hot path with relaxed atomics only (a histogram
//! observation is a search of a dozen bounds and two adds, no lock, no
//! allocation); `/metrics` reads the numbers when scraped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the read-wait buckets, in nanoseconds (10 µs to 5 s): an
/// idle SQLite reader picks a job up within tens of microseconds, and
/// PostgreSQL's default wait for a connection gives up at 5 s.
const READ_WAIT_NANOS: [u64; 18] = [
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
];

/// Upper bounds of the write-batch buckets, in writes: powers of two up to
/// the most a SQLite transaction carries.
const BATCH_SIZES: [u64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/// A histogram with fixed bounds, recorded in whole units (nanoseconds,
/// writes) and exported in `scale` times larger ones (seconds).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [u64],
    /// Per bucket, not cumulative (one add per observation), with one more
    /// for what lies past the last bound.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    scale: f64,
}

impl Histogram {
    fn new(bounds: &'static [u64], scale: f64) -> Self {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self { bounds, counts, sum: AtomicU64::new(0), scale }
    }

    /// Waits, exported in seconds.
    pub fn read_wait() -> Self {
        Self::new(&READ_WAIT_NANOS, 1e9)
    }

    /// Writes per committed transaction.
    pub fn batch_size() -> Self {
        Self::new(&BATCH_SIZES, 1.0)
    }

    pub fn observe(&self, value: u64) {
        // The first bucket whose bound is at least the value: bounds are
        // inclusive, as Prometheus's `le` says.
        let i = self.bounds.partition_point(|bound| *bound < value);
        if let Some(count) = self.counts.get(i) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut count = 0;
        let mut buckets = Vec::with_capacity(self.bounds.len());
        for (bound, n) in self.bounds.iter().zip(self.counts.iter()) {
            count += n.load(Ordering::Relaxed);
            buckets.push((*bound as f64 / self.scale, count));
        }
        if let Some(past) = self.counts.last() {
            count += past.load(Ordering::Relaxed);
        }
        let sum = self.sum.load(Ordering::Relaxed) as f64 / self.scale;
        HistogramSnapshot { buckets, count, sum }
    }
}

/// A histogram as Prometheus exports it, in its exported unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramSnapshot {
    /// (upper bound, observations at most that), bounds ascending; the
    /// `+Inf` bucket is `count`.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum: f64,
}

impl HistogramSnapshot {
    /// Observations at most `le`, when that is one of the bounds.
    pub fn at_most(&self, le: f64) -> Option<u64> {
        self.buckets.iter().find(|(bound, _)| *bound == le).map(|(_, n)| *n)
    }
}

/// The database's connections: PostgreSQL's pool (reads and writes share
/// it), or SQLite's reader threads (each owns one connection; the few inline
/// connections of short reads are not counted, as nothing ever waits for
/// one, nor is the writer, which `WriterStats` reports).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Open and free.
    pub idle: u64,
    /// Running a statement or held by a request.
    pub in_use: u64,
    /// The most there may be.
    pub max: u64,
    /// Callers waiting for one (SQLite: reads queued for a reader thread).
    pub waiting: u64,
}

/// SQLite's writer thread, which commits what is queued in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriterStats {
    /// Writes queued behind the transaction being written.
    pub queued: u64,
    /// Writes per committed transaction.
    pub batch_size: HistogramSnapshot,
}

/// A store's health, read when `/metrics` is scraped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreStats {
    pub pool: PoolStats,
    /// How long reads waited before they started: on SQLite in the reader
    /// queue (short reads run inline when a connection is free, never
    /// wait, and are not counted), on PostgreSQL for a pooled connection.
    pub read_wait: HistogramSnapshot,
    /// `None` for a backend whose writes take a pooled connection as reads
    /// do.
    pub writer: Option<WriterStats>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_counts_in_the_first_bucket_whose_bound_holds_it() {
        let h = Histogram::batch_size();
        for n in [1, 2, 3, 256, 300] {
            h.observe(n);
        }
        let s = h.snapshot();
        let at = |le: f64| s.at_most(le);
        // 2 sits in le=2 (bounds are inclusive), 3 in le=4, 300 past them all.
        assert_eq!(
            (at(1.0), at(2.0), at(4.0), at(128.0), at(256.0)),
            (Some(1), Some(2), Some(3), Some(3), Some(4))
        );
        assert_eq!((s.count, s.sum), (5, 562.0));
    }

    #[test]
    fn a_wait_is_exported_in_seconds() {
        let h = Histogram::read_wait();
        h.observe_duration(Duration::from_millis(30));
        let s = h.snapshot();
        assert_eq!(s.buckets.first(), Some(&(0.00001, 0)));
        assert_eq!(s.buckets.last(), Some(&(5.0, 1)));
        assert!(s.buckets.contains(&(0.025, 0)) && s.buckets.contains(&(0.05, 1)), "{s:?}");
        assert!((s.sum - 0.03).abs() < 1e-12, "{}", s.sum);
    }
}
