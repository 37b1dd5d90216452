//! A `roster serve` child process, for tests that need real processes
//! (several nodes, a kill).

#![allow(dead_code)]

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use roster_testkit::ADMIN_KEY;

/// A `roster serve` child process.
pub struct Node {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
}

impl Node {
    pub async fn start(database_url: &str) -> Node {
        Self::start_with(database_url, &[]).await
    }

    /// Starts a node with extra environment variables.
    pub async fn start_with(database_url: &str, env: &[(&str, &str)]) -> Node {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                database_url,
            ])
            .env("ROSTER_BOOTSTRAP_API_KEY", ADMIN_KEY)
            .env("ROSTER_RATE_LIMIT_PER_SECOND", "0")
            .env("ROSTER_LOG", "warn")
            .env("ROSTER_PG_POOL_SIZE", "4")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn roster serve");
        // ring is deprecated for lacking post-quantum key exchange; it is
        // what the PostgreSQL link uses too (see roster-store-postgres tls.rs).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let node = Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
        };
        for _ in 0..200 {
            if let Ok(r) = node.client.get(format!("{}/readyz", node.base)).send().await
                && r.status().is_success()
            {
                return node;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node on port {port} did not become ready");
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).bearer_auth(ADMIN_KEY);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, value, headers)
    }
}

impl Node {
    /// Kills the process at once (SIGKILL): no shutdown, no final commit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Stops the process as an operator would (SIGTERM) and waits for it.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `roster ARGS` on the database `db`, as a user would from a shell.
pub fn roster(args: &[&str], db: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE_URL", db)
        .env("ROSTER_LOG", "warn")
        .env_remove("ROSTER_BOOTSTRAP_API_KEY")
        .output()
        .expect("run roster")
}
