//! `sslmode` and `sslrootcert` as libpq, against real TLS servers: each
//! test starts a throwaway cluster with a certificate made for it (the
//! shared test server runs without TLS and is left alone).

use std::path::PathBuf;
use std::time::Duration;

use roster_pgtemp::{Cluster, ClusterOptions, TestCa};
use roster_store::Store;
use roster_store_postgres::{PgOptions, PgStore, connect_config};

const SSL_IN_USE: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

/// A TLS cluster whose certificate (for `localhost` and 127.0.0.1) comes
/// from `ca`, and the PEM files of that CA and of an unrelated one.
struct TlsServer {
    cluster: Cluster,
    ca: PathBuf,
    other_ca: PathBuf,
}

impl TlsServer {
    fn start(hostssl_only: bool) -> Option<TlsServer> {
        let ca = TestCa::new("Roster test CA");
        let other = TestCa::new("Some other CA");
        let tls = Some(ca.server_cert(&["localhost", "127.0.0.1"]));
        let cluster = Cluster::start(ClusterOptions { tls, hostssl_only })?;
        let ca = cluster.write_file("ca.pem", &ca.pem());
        let other_ca = cluster.write_file("other-ca.pem", &other.pem());
        Some(TlsServer { cluster, ca, other_ca })
    }

    fn url(&self, host: &str, query: &str) -> String {
        let query = query
            .replace("{ca}", &self.ca.display().to_string())
            .replace("{other_ca}", &self.other_ca.display().to_string());
        self.cluster.url(host, &query)
    }
}

/// Connects as the store would and tells whether the session is over TLS;
/// the error, as text, when it cannot connect.
async fn ssl_in_use(url: &str) -> Result<bool, String> {
    let (mut config, tls) = connect_config(url).map_err(|e| e.to_string())?;
    config.connect_timeout(Duration::from_secs(10));
    let (client, conn) = config.connect(tls).await.map_err(|e| with_causes(&e))?;
    tokio::spawn(conn);
    let row = client.query_one(SSL_IN_USE, &[]).await.map_err(|e| with_causes(&e))?;
    Ok(row.get(0))
}

/// The error and its causes: the driver's own text stops at "db error" or
/// "error performing TLS handshake".
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

async fn expect_tls(url: &str) {
    match ssl_in_use(url).await {
        Ok(ssl) => assert!(ssl, "{url} connected in plaintext"),
        Err(e) => panic!("{url} did not connect: {e}"),
    }
}

/// The connection fails, and for the reason given (so a refusal for some
/// other cause does not pass for the one tested).
async fn expect_refused(url: &str, because: &str) {
    match ssl_in_use(url).await {
        Ok(ssl) => panic!("{url} connected (ssl = {ssl}); expected a refusal: {because}"),
        Err(e) => assert!(e.contains(because), "{url} failed, but not with `{because}`: {e}"),
    }
}

#[tokio::test]
async fn require_connects_over_tls() {
    let Some(server) = TlsServer::start(false) else { return };
    expect_tls(&server.url("127.0.0.1", "sslmode=require")).await;
    expect_tls(&server.url("localhost", "sslmode=require")).await;
}

#[tokio::test]
async fn verify_full_with_the_servers_ca_connects() {
    let Some(server) = TlsServer::start(false) else { return };
    expect_tls(&server.url("localhost", "sslmode=verify-full&sslrootcert={ca}")).await;
    // The certificate names 127.0.0.1 as an IP address too.
    expect_tls(&server.url("127.0.0.1", "sslmode=verify-full&sslrootcert={ca}")).await;
}

#[tokio::test]
async fn verify_full_and_verify_ca_refuse_a_certificate_from_another_ca() {
    let Some(server) = TlsServer::start(false) else { return };
    for mode in ["verify-full", "verify-ca"] {
        let url = server.url("localhost", &format!("sslmode={mode}&sslrootcert={{other_ca}}"));
        expect_refused(&url, "UnknownIssuer").await;
    }
}

#[tokio::test]
async fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some(server) = TlsServer::start(false) else { return };
    // Reached at 127.0.0.1, but expected to be `db.example`, a name the
    // certificate does not carry.
    let wrong_name = |mode: &str| {
        server.url("db.example", &format!("hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={{ca}}"))
    };
    expect_refused(&wrong_name("verify-full"), "not valid for name").await;
    expect_tls(&wrong_name("verify-ca")).await;
}

#[tokio::test]
async fn require_with_sslrootcert_checks_the_chain_as_libpq_does() {
    let Some(server) = TlsServer::start(false) else { return };
    expect_refused(
        &server.url("localhost", "sslmode=require&sslrootcert={other_ca}"),
        "UnknownIssuer",
    )
    .await;
    expect_tls(&server.url("localhost", "sslmode=require&sslrootcert={ca}")).await;
}

#[tokio::test]
async fn disable_connects_in_plaintext() {
    let Some(server) = TlsServer::start(false) else { return };
    let url = server.url("127.0.0.1", "sslmode=disable");
    assert_eq!(ssl_in_use(&url).await, Ok(false), "{url}");
}

#[tokio::test]
async fn a_hostssl_only_server_refuses_disable_and_accepts_require() {
    let Some(server) = TlsServer::start(true) else { return };
    expect_refused(&server.url("127.0.0.1", "sslmode=disable"), "no encryption").await;
    expect_tls(&server.url("127.0.0.1", "sslmode=require")).await;
}

#[tokio::test]
async fn prefer_uses_tls_when_offered_and_plaintext_when_not() {
    let Some(server) = TlsServer::start(false) else { return };
    expect_tls(&server.url("127.0.0.1", "sslmode=prefer")).await;
    // prefer is the default, as in libpq.
    expect_tls(&server.url("127.0.0.1", "")).await;

    let Some(plain) = Cluster::start(ClusterOptions::default()) else { return };
    let url = plain.url("127.0.0.1", "sslmode=prefer");
    assert_eq!(ssl_in_use(&url).await, Ok(false), "{url}");
    expect_refused(&plain.url("127.0.0.1", "sslmode=require"), "server does not support TLS").await;
}

#[tokio::test]
async fn the_store_runs_over_verify_full_and_every_pooled_connection_is_encrypted() {
    let Some(server) = TlsServer::start(true) else { return };
    let url = server.url("localhost", "sslmode=verify-full&sslrootcert={ca}");
    let options = PgOptions { pool_size: 3, ..PgOptions::default() };
    let store = PgStore::connect(&url, &options).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let store = std::sync::Arc::new(store);
    // Several at once, so the pool opens more than one connection.
    let pings: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ping().await })
        })
        .collect();
    for ping in pings {
        ping.await.expect("join").expect("ping over TLS");
    }
    assert!(!store.cursor_secret().await.expect("cursor secret").is_empty());

    let (config, tls) = connect_config(&url).expect("config");
    let (client, conn) = config.connect(tls).await.expect("connect");
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
    assert!(count >= 1, "the store holds no connection");
    assert_eq!(all_tls, Some(true), "some of the store's {count} connections are plaintext");
}

#[tokio::test]
async fn a_query_is_cancelled_through_the_same_tls_connector() {
    let Some(server) = TlsServer::start(false) else { return };
    let url = server.url("localhost", "sslmode=verify-full&sslrootcert={ca}");
    let (config, tls) = connect_config(&url).expect("config");
    let (client, conn) = config.connect(tls.clone()).await.expect("connect");
    tokio::spawn(conn);
    let cancel = client.cancel_token();
    let sleeper = tokio::spawn(async move { client.simple_query("SELECT pg_sleep(60)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    cancel.cancel_query(tls).await.expect("cancel request");
    let outcome = tokio::time::timeout(Duration::from_secs(20), sleeper)
        .await
        .expect("the query was not cancelled within 20 s")
        .expect("join");
    let error = outcome.expect_err("pg_sleep(60) finished instead of being cancelled");
    assert_eq!(
        error.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED),
        "unexpected error: {error}"
    );
}
