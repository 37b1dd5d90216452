//! `/metrics` reports the database's health: the connections reads run on,
//! how long reads waited to start, and SQLite's writer queue and batches.

use std::collections::HashMap;

use serde_json::json;

use roster_testkit::{Backend, TestServer, send};

use crate::support::prometheus_samples;

struct Scrape {
    text: String,
    samples: HashMap<String, f64>,
}

impl Scrape {
    async fn of(server: &TestServer) -> Scrape {
        let text = send(server.request("GET", "/metrics")).await.text();
        Scrape { samples: prometheus_samples(&text), text }
    }

    fn get(&self, series: &str) -> f64 {
        *self.samples.get(series).unwrap_or_else(|| panic!("no {series} in\n{}", self.text))
    }

    /// A histogram's count and sum, after checking it is one: typed, its
    /// buckets cumulative, `+Inf` its count.
    fn histogram(&self, name: &str) -> (f64, f64) {
        assert!(self.text.contains(&format!("# TYPE {name} histogram\n")), "{name} untyped");
        let prefix = format!("{name}_bucket{{le=\"");
        let mut buckets: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter_map(|(k, v)| {
                let le = k.strip_prefix(&prefix)?.strip_suffix("\"}")?;
                Some((if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap() }, *v))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(buckets.len() > 1, "{name} has no buckets");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{name} not cumulative: {buckets:?}");
        let count = self.get(&format!("{name}_count"));
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, count)), "{name}");
        (count, self.get(&format!("{name}_sum")))
    }
}

pub async fn metrics_report_the_database_connections_read_waits_and_the_sqlite_writer(
    server: &TestServer,
) {
    let before = Scrape::of(server).await;
    // A list of zones is a read that queues for a reader on SQLite (a user
    // by id may run inline) and takes a pooled connection on PostgreSQL.
    for _ in 0..5 {
        assert_eq!(server.get("/v1/zones").await.status, 200);
    }
    for i in 0..5 {
        server.create_user(json!({"email": format!("db-metrics-{i}@example.com")})).await;
    }
    let after = Scrape::of(server).await;

    let idle = after.get("roster_db_pool_connections{state=\"idle\"}");
    let in_use = after.get("roster_db_pool_connections{state=\"in_use\"}");
    let max = after.get("roster_db_pool_max_connections");
    let waiting = after.get("roster_db_pool_waiting");
    assert!(max >= 1.0 && idle >= 0.0 && in_use >= 0.0 && waiting >= 0.0, "{}", after.text);
    assert!(idle + in_use <= max, "idle {idle} + in use {in_use} > max {max}");
    for family in ["roster_db_pool_connections", "roster_db_pool_max_connections"] {
        assert!(after.text.contains(&format!("# TYPE {family} gauge\n")), "{family} untyped");
    }

    let (waits, wait_sum) = after.histogram("roster_db_read_wait_seconds");
    let (waits_before, _) = before.histogram("roster_db_read_wait_seconds");
    assert!(waits - waits_before >= 5.0, "read waits {waits_before} -> {waits}");
    assert!(wait_sum >= 0.0);

    match server.backend {
        Backend::Sqlite => {
            // Reader threads are a fixed set: each is idle or busy.
            assert_eq!(idle + in_use, max);
            assert!(after.get("roster_sqlite_writer_queue_depth") >= 0.0);
            let (batches, writes) = after.histogram("roster_sqlite_write_batch_size");
            let (batches_before, writes_before) =
                before.histogram("roster_sqlite_write_batch_size");
            assert!(batches > batches_before, "no batch committed for five creates");
            assert!(writes - writes_before >= 5.0, "writes {writes_before} -> {writes}");
            assert!(writes >= batches, "a batch carries one write at least");
        }
        Backend::Postgres => {
            assert!(!after.text.contains("roster_sqlite_"), "{}", after.text);
        }
    }
}
