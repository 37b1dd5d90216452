//! Real Roster servers for tests: bound to port 0 on loopback, over a fresh
//! database, spoken to over HTTP. Nothing is mocked.
//!
//! Test support: a failed setup step should stop the test loudly, so this
//! crate panics where request-path code never may.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use roster::Settings;

/// The admin key every test server is bootstrapped with.
pub const ADMIN_KEY: &str = "rk_test_admin_0123456789abcdefghij";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub use roster_pgtemp::{POSTGRES_URL_VAR, postgres_url, with_database};

/// A PostgreSQL database made for one server and dropped with it.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> PgDatabase {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "roster_c_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            rand_u32()
        );
        let (client, conn) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        tokio::spawn(conn);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
        PgDatabase { url: with_database(admin_url, &name), name, admin_url: admin_url.to_owned() }
    }

    pub async fn drop_database(&self) {
        if let Ok((client, conn)) =
            tokio_postgres::connect(&self.admin_url, tokio_postgres::NoTls).await
        {
            tokio::spawn(conn);
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .await;
        }
    }
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u32
}

/// A running server and a client for it.
pub struct TestServer {
    pub addr: SocketAddr,
    pub base_url: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), roster::StartError>>>,
    _dir: Option<tempfile::TempDir>,
    /// Set when this server created its PostgreSQL database (dropped on stop).
    pg: Option<PgDatabase>,
}

/// An HTTP response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response is not JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem+json `code` of an error response.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// How to start a test server.
pub struct Builder {
    backend: Backend,
    settings: Settings,
    database_url: Option<String>,
}

impl Builder {
    pub fn settings(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// Use this database instead of a fresh one (to restart on the same data).
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = Some(url.into());
        self
    }

    /// Starts the server; `None` only for PostgreSQL when no server is
    /// configured outside CI (see `postgres_url`).
    pub async fn try_start(self) -> Option<TestServer> {
        let (dir, pg, url) = match (self.database_url, self.backend) {
            (Some(url), _) => (None, None, url),
            (None, Backend::Sqlite) => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("roster.db").display());
                (Some(dir), None, url)
            }
            (None, Backend::Postgres) => {
                let db = PgDatabase::create(&postgres_url()?).await;
                let url = db.url.clone();
                (None, Some(db), url)
            }
        };
        let mut settings = self.settings;
        settings.database_url = url.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(roster::launch(settings, listener, async move {
            let _ = rx.await;
        }));
        // reqwest's TLS (rustls) needs a process-wide crypto provider.
        // ring is deprecated for lacking post-quantum key exchange; it is
        // what the PostgreSQL link uses too (see roster-store-postgres tls.rs).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let server = TestServer {
            addr,
            base_url: format!("http://{addr}"),
            client,
            backend: self.backend,
            database_url: url,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
            pg,
        };
        server.wait_ready().await;
        Some(server)
    }

    /// Starts the server; panics when it cannot (PostgreSQL unconfigured).
    pub async fn start(self) -> TestServer {
        let backend = self.backend;
        self.try_start().await.unwrap_or_else(|| panic!("no {} server configured", backend.name()))
    }
}

impl TestServer {
    pub fn builder(backend: Backend) -> Builder {
        let mut settings = Settings {
            bootstrap_api_key: Some(ADMIN_KEY.to_owned()),
            // Most tests fire many requests; rate-limit tests turn it on.
            rate_limit_per_second: 0,
            ..Settings::default()
        };
        // Webhook receivers of tests listen on loopback, and a test cannot
        // wait out the real retry schedule: deliveries are looked for every
        // 50 ms and retried five times, 200 ms apart. (The SSRF test turns
        // the loopback allowance off.)
        let webhooks = &mut settings.service.webhooks;
        webhooks.allow_private_urls = true;
        webhooks.poll = Duration::from_millis(50);
        webhooks.timeout = Duration::from_secs(2);
        webhooks.retry =
            roster_domain::webhooks::RetrySchedule::new(vec![Duration::from_millis(200); 5]);
        Builder { backend, settings, database_url: None }
    }

    pub async fn start(backend: Backend) -> TestServer {
        Self::builder(backend).start().await
    }

    /// Like `start`, but `None` (after a loud notice) for PostgreSQL when no
    /// server is configured outside CI.
    pub async fn try_start(backend: Backend) -> Option<TestServer> {
        Self::builder(backend).try_start().await
    }

    async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await
                && r.status().is_success()
            {
                return;
            }
            if self.task.as_ref().is_some_and(|t| t.is_finished()) {
                panic!("the test server stopped while starting");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the test server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops accepting, waits for in-flight requests and the store to close.
    pub async fn stop(self) {
        self.stop_keeping_data().await;
    }

    /// Stops the server and drops its PostgreSQL database.
    async fn stop_keeping_data(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("the server failed: {e}"),
                Err(e) => panic!("the server task panicked: {e}"),
            }
        }
        if let Some(db) = self.pg.take() {
            db.drop_database().await;
        }
    }

    /// Stops the server but keeps its database (and, for PostgreSQL, the
    /// duty to drop it), for restarting on the same data: returns a builder
    /// bound to that database and the guard that drops it.
    pub async fn restart(mut self) -> TestServer {
        let backend = self.backend;
        let url = self.database_url.clone();
        let dir = self._dir.take();
        let pg = self.pg.take();
        self.stop_keeping_data().await;
        let mut next = TestServer::builder(backend).database_url(url).start().await;
        next._dir = dir;
        next.pg = pg;
        next
    }

    /// Sends a request with the admin key.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call_as(ADMIN_KEY, method, path, body).await
    }

    pub async fn call_as(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.request(method, path).bearer_auth(key);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        send(req).await
    }

    /// A request builder for anything the helpers above do not cover.
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, None).await
    }

    /// Creates a user in the default zone and returns it, asserting 201.
    pub async fn create_user(&self, body: Value) -> Value {
        let r = self.post("/v1/users", body).await;
        assert_eq!(r.status, 201, "creating a user: {}", r.text());
        r.json()
    }

    /// Creates an API key with these scopes (and optional zones) and returns
    /// its secret.
    pub async fn create_key(&self, scopes: &[&str], zones: Option<&[&str]>) -> String {
        let mut body = serde_json::json!({ "name": "test", "scopes": scopes });
        if let Some(zones) = zones {
            body["zones"] = serde_json::json!(zones);
        }
        let r = self.post("/v1/api-keys", body).await;
        assert_eq!(r.status, 201, "creating a key: {}", r.text());
        r.json()["key"].as_str().expect("key secret").to_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Resp {
    let r = req.send().await.expect("request failed to send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.expect("response body");
    Resp { status, headers, body }
}
