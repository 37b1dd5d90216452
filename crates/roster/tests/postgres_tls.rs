//! Roster served over a PostgreSQL reached through TLS (`verify-full`),
//! end to end: a throwaway cluster that only accepts TLS, a real server
//! over it, requests over HTTP. And a bad `sslmode` stopping `roster serve`
//! with a message that names it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use roster_pgtemp::{Cluster, ClusterOptions, TestCa};
use roster_testkit::{Backend, TestServer};
use serde_json::json;

#[tokio::test]
async fn roster_serves_over_a_postgres_that_accepts_only_verified_tls() {
    let ca = TestCa::new("Roster e2e CA");
    let tls = Some(ca.server_cert(&["localhost"]));
    let Some(cluster) = Cluster::start(ClusterOptions { tls, hostssl_only: true }) else {
        return;
    };
    let ca_file = cluster.write_file("ca.pem", &ca.pem());
    let url =
        cluster.url("localhost", &format!("sslmode=verify-full&sslrootcert={}", ca_file.display()));

    let server = TestServer::builder(Backend::Postgres).database_url(url.clone()).start().await;
    let created = server.create_user(json!({"email": "tls@example.com"})).await;
    let id = created["id"].as_str().expect("user id");
    let fetched = server.get(&format!("/v1/users/{id}")).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert_eq!(fetched.json()["email"], "tls@example.com");

    // What the server holds open is encrypted (plaintext would not even
    // be let in: the cluster's pg_hba.conf has hostssl lines only).
    let (config, connector) = roster_store_postgres::connect_config(&url).expect("config");
    let (client, conn) = config.connect(connector).await.expect("connect over TLS");
    tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT count(*), bool_and(s.ssl) FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'roster'",
            &[],
        )
        .await
        .expect("pg_stat_ssl");
    let (count, all_tls): (i64, Option<bool>) = (row.get(0), row.get(1));
    assert!(count >= 1, "the server holds no connection");
    assert_eq!(all_tls, Some(true));
    server.stop().await;
}

#[test]
fn an_unknown_sslmode_stops_the_server_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ROSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:1/db?sslmode=verify-host")
        .env("ROSTER_LOG", "warn")
        .env_remove("ROSTER_BOOTSTRAP_API_KEY")
        .output()
        .expect("run roster");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown sslmode `verify-host`"), "{stderr}");
    assert!(stderr.contains("verify-full"), "{stderr}");
}
