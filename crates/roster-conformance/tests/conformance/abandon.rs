//! A request whose client hangs up stops its database work: SQLite
//! interrupts the statement, PostgreSQL cancels it.

use std::time::{Duration, Instant};

use serde_json::json;

use roster_store::ListLimits;
use roster_testkit::{ADMIN_KEY, Backend, TestServer};

use crate::support::fill_zone_behind_the_server;

/// `search=~~`: a term no seeded field holds (ids are base32, emails and
/// names letters), two characters long, so no index answers it and the
/// query walks the zone.
const NOWHERE: &str = "search=%7E%7E";

async fn abandoned_count(server: &TestServer) -> u64 {
    let text = server.get("/metrics").await.text();
    text.lines()
        .find_map(|l| l.strip_prefix("roster_store_queries_abandoned_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no roster_store_queries_abandoned_total in /metrics"))
}

/// A client that gives up after `timeout`.
async fn list_with_timeout(server: &TestServer, timeout: Duration) -> Result<u16, String> {
    let client = reqwest::Client::builder().timeout(timeout).build().unwrap();
    client
        .get(format!("{}/v1/users?{NOWHERE}&limit=10", server.base_url))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

async fn wait_for_abandoned(server: &TestServer, before: u64) {
    for _ in 0..100 {
        if abandoned_count(server).await > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the hung-up request was not counted as abandoned");
}

pub async fn a_client_that_hangs_up_stops_its_query(server: &TestServer) {
    let server = TestServer::builder(server.backend)
        .settings(|s| {
            // Nothing bounds the walk but the client: the query runs as long
            // as the zone is big. One SQLite reader, so a query left running
            // would hold up the next request.
            let limits = ListLimits { scan_budget: usize::MAX / 2, candidate_cap: 0 };
            s.sqlite.list = limits;
            s.postgres.list = limits;
            s.sqlite.readers = 1;
        })
        .start()
        .await;
    let user = server.create_user(json!({ "email": "stays@example.com" })).await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap());
    assert_eq!(server.get(&format!("/v1/users?{NOWHERE}")).await.status, 200);
    match server.backend {
        Backend::Sqlite => sqlite_interrupts(&server, &path).await,
        Backend::Postgres => postgres_cancels(&server).await,
    }
    server.stop().await;
}

async fn sqlite_interrupts(server: &TestServer, path: &str) {
    fill_zone_behind_the_server(server, 300_000).await;

    // How long the walk takes when nobody hangs up.
    let started = Instant::now();
    assert_eq!(list_with_timeout(server, Duration::from_secs(120)).await, Ok(200));
    let full = started.elapsed();
    assert!(full >= Duration::from_millis(300), "the seeded walk is too quick to test: {full:?}");

    let before = abandoned_count(server).await;
    let gave_up = list_with_timeout(server, full / 10).await;
    assert!(gave_up.is_err(), "the client was meant to hang up: {gave_up:?}");
    // The only reader is free again long before the walk could have ended.
    let started = Instant::now();
    let r = server.get(path).await;
    let waited = started.elapsed();
    assert_eq!(r.status, 200);
    assert!(
        waited < full / 2,
        "the next request waited {waited:?}: the abandoned walk (alone {full:?}) kept running"
    );
    wait_for_abandoned(server, before).await;
}

async fn postgres_cancels(server: &TestServer) {
    let (client, connection) =
        tokio_postgres::connect(&server.database_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // Hold the users table: the list query waits for the lock until its
    // request is cancelled (or, were it not, until statement_timeout).
    client.batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let before = abandoned_count(server).await;
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                   AND wait_event_type = 'Lock' AND query LIKE '%FROM users%'";
    let request = {
        let server_url = server.base_url.clone();
        tokio::spawn(async move {
            let client =
                reqwest::Client::builder().timeout(Duration::from_millis(1500)).build().unwrap();
            client
                .get(format!("{server_url}/v1/users?{NOWHERE}&limit=10"))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string())
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let blocked: i64 = client.query_one(waiting, &[]).await.unwrap().get(0);
    assert_eq!(blocked, 1, "the list query should be waiting for the lock");
    let gave_up = request.await.unwrap();
    assert!(gave_up.is_err(), "the client was meant to hang up: {gave_up:?}");
    wait_for_abandoned(server, before).await;
    let mut left = -1i64;
    for _ in 0..50 {
        left = client.query_one(waiting, &[]).await.unwrap().get(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the abandoned query is still waiting in PostgreSQL");
    client.batch_execute("ROLLBACK").await.unwrap();
}
