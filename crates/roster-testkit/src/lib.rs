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
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
        }
    }
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

    pub async fn start(self) -> TestServer {
        let (dir, url) = match (self.database_url, self.backend) {
            (Some(url), _) => (None, url),
            (None, Backend::Sqlite) => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("roster.db").display());
                (Some(dir), url)
            }
        };
        let mut settings = self.settings;
        settings.database_url = url.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(roster::launch(settings, listener, async move {
            let _ = rx.await;
        }));
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
        };
        server.wait_ready().await;
        server
    }
}

impl TestServer {
    pub fn builder(backend: Backend) -> Builder {
        let settings = Settings {
            bootstrap_api_key: Some(ADMIN_KEY.to_owned()),
            // Most tests fire many requests; rate-limit tests turn it on.
            rate_limit_per_second: 0,
            ..Settings::default()
        };
        Builder {
            backend,
            settings,
            database_url: None,
        }
    }

    pub async fn start(backend: Backend) -> TestServer {
        Self::builder(backend).start().await
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
    pub async fn stop(mut self) {
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
    }

    /// Sends a request with the admin key.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call_as(ADMIN_KEY, method, path, body).await
    }

    pub async fn call_as(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.request(method, path).bearer_auth(key);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
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
    Resp {
        status,
        headers,
        body,
    }
}
