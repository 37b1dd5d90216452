//! The database's part of `/metrics`: the store's counters, its connections
//! (PostgreSQL's pool, or SQLite's reader threads), how long reads waited
//! to start, and SQLite's writer queue and batches. All read from the store
//! when scraped (`Store::stats`); README "Observe" says what each tells.

use std::fmt::Write;

use roster_service::{HistogramSnapshot, StoreCounters, StoreStats};

pub fn render(out: &mut String, counters: StoreCounters, stats: &StoreStats) {
    for c in counters.counters() {
        header(out, c.name, c.help, "counter");
        let _ = writeln!(out, "{} {}", c.name, c.value);
    }
    let pool = &stats.pool;
    let name = "roster_db_pool_connections";
    header(out, name, "Database connections (SQLite: reader threads), by state.", "gauge");
    let _ = writeln!(out, "{name}{{state=\"idle\"}} {}", pool.idle);
    let _ = writeln!(out, "{name}{{state=\"in_use\"}} {}", pool.in_use);
    gauge(
        out,
        "roster_db_pool_max_connections",
        "Most database connections (SQLite: reader threads) there may be.",
        pool.max,
    );
    gauge(
        out,
        "roster_db_pool_waiting",
        "Requests waiting for a database connection (SQLite: reads queued for a reader).",
        pool.waiting,
    );
    histogram(
        out,
        "roster_db_read_wait_seconds",
        "Time a read waited before it started (SQLite: in the reader queue; PostgreSQL: for a connection).",
        &stats.read_wait,
    );
    if let Some(writer) = &stats.writer {
        gauge(
            out,
            "roster_sqlite_writer_queue_depth",
            "Writes queued behind the transaction SQLite's writer is committing.",
            writer.queued,
        );
        histogram(
            out,
            "roster_sqlite_write_batch_size",
            "Writes per transaction committed by SQLite's writer.",
            &writer.batch_size,
        );
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, help, "gauge");
    let _ = writeln!(out, "{name} {value}");
}

fn histogram(out: &mut String, name: &str, help: &str, h: &HistogramSnapshot) {
    header(out, name, help, "histogram");
    for (bound, n) in &h.buckets {
        let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum {}", h.sum);
    let _ = writeln!(out, "{name}_count {}", h.count);
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_service::{PoolStats, WriterStats};

    fn stats(writer: Option<WriterStats>) -> StoreStats {
        let pool = PoolStats { idle: 6, in_use: 2, max: 8, waiting: 3 };
        let read_wait =
            HistogramSnapshot { buckets: vec![(0.00001, 1), (0.5, 4)], count: 5, sum: 1.25 };
        StoreStats { pool, read_wait, writer }
    }

    fn rendered(stats: &StoreStats) -> String {
        let mut out = String::new();
        render(&mut out, StoreCounters { statements: 7, queries_abandoned: 0 }, stats);
        out
    }

    #[test]
    fn every_family_is_described_and_a_histogram_ends_with_inf_sum_and_count() {
        let batches = HistogramSnapshot { buckets: vec![(1.0, 2), (2.0, 3)], count: 3, sum: 4.0 };
        let out = rendered(&stats(Some(WriterStats { queued: 9, batch_size: batches })));
        for line in [
            "roster_store_statements_total 7",
            "roster_db_pool_connections{state=\"idle\"} 6",
            "roster_db_pool_connections{state=\"in_use\"} 2",
            "roster_db_pool_max_connections 8",
            "roster_db_pool_waiting 3",
            "roster_db_read_wait_seconds_bucket{le=\"0.00001\"} 1",
            "roster_db_read_wait_seconds_bucket{le=\"0.5\"} 4",
            "roster_db_read_wait_seconds_bucket{le=\"+Inf\"} 5",
            "roster_db_read_wait_seconds_sum 1.25",
            "roster_db_read_wait_seconds_count 5",
            "roster_sqlite_writer_queue_depth 9",
            "roster_sqlite_write_batch_size_bucket{le=\"1\"} 2",
            "roster_sqlite_write_batch_size_bucket{le=\"+Inf\"} 3",
            "# TYPE roster_sqlite_write_batch_size histogram",
        ] {
            assert!(out.lines().any(|l| l == line), "{line:?} missing from\n{out}");
        }
        let families = out.lines().filter(|l| l.starts_with("# TYPE ")).count();
        let described = out.lines().filter(|l| l.starts_with("# HELP ")).count();
        assert_eq!((families, described), (8, 8), "{out}");
    }

    #[test]
    fn a_store_without_a_writer_thread_has_no_writer_families() {
        let out = rendered(&stats(None));
        assert!(!out.contains("roster_sqlite_"), "{out}");
        assert!(out.contains("roster_db_pool_waiting 3"), "{out}");
    }
}
