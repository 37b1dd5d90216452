//! Every database statement has a deadline: past it the request gets 503
//! `unavailable` with `Retry-After`, and the server goes on serving.

use std::time::{Duration, Instant};

use serde_json::json;

use roster_store::ListLimits;
use roster_testkit::{Backend, TestServer};

use crate::support::{fill_zone_behind_the_server, problem};

/// A two-character term no seeded field holds: no index answers it, so the
/// list walks the whole zone.
const NOWHERE: &str = "/v1/users?search=%7E%7E&limit=10";

const DEADLINE: Duration = Duration::from_millis(200);

pub async fn a_statement_past_its_deadline_answers_503_with_retry_after(server: &TestServer) {
    let server = TestServer::builder(server.backend)
        .settings(|s| {
            // Nothing but the deadline bounds the walk.
            let limits = ListLimits { scan_budget: usize::MAX / 2, candidate_cap: 0 };
            s.sqlite.list = limits;
            s.postgres.list = limits;
            s.sqlite.query_timeout = DEADLINE;
            s.postgres.statement_timeout = DEADLINE;
        })
        .start()
        .await;
    let user = server.create_user(json!({ "email": "stays@example.com" })).await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap());
    assert_eq!(server.get(NOWHERE).await.status, 200, "a short walk ends within the deadline");

    // Something that outlasts the deadline: a walk of 300 000 users on
    // SQLite (seconds), a table lock the query waits behind on PostgreSQL.
    let lock = match server.backend {
        Backend::Sqlite => {
            fill_zone_behind_the_server(&server, 300_000).await;
            None
        }
        Backend::Postgres => {
            let (client, connection) =
                tokio_postgres::connect(&server.database_url, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            client.batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.unwrap();
            Some(client)
        }
    };

    let started = Instant::now();
    let r = server.get(NOWHERE).await;
    let took = started.elapsed();
    problem(&r, 503, "unavailable");
    let retry: u64 = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("503 without Retry-After"))
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After {retry}");
    assert!(took >= DEADLINE, "answered 503 after {took:?}, before the deadline");
    assert!(took < Duration::from_secs(5), "the deadline did not stop the statement: {took:?}");

    if let Some(client) = lock {
        client.batch_execute("ROLLBACK").await.unwrap();
    }
    // Nothing was left broken: the next request is served.
    assert_eq!(server.get(&path).await.status, 200);
    server.stop().await;
}
