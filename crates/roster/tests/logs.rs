//! The logs of a real `roster serve` (README, "Observe"): in JSON every
//! line parses; each request leaves one access line with its request id,
//! route template, status and latency; lines logged while a request is
//! handled carry its span; no line holds a key, a query or a body; and the
//! access log turns off.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use roster_testkit::ADMIN_KEY;

const WRONG_KEY: &str = "rk_wrong_key_0123456789abcdefghijkl";
const PRIVATE_QUERY: &str = "alice.private@example.com";
const PRIVATE_BODY: &str = "bob.body@example.com";

/// A `roster serve` whose stdout and stderr are kept.
struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    db_path: std::path::PathBuf,
}

impl Server {
    async fn start(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("roster.db");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("ROSTER_DATABASE_URL", format!("sqlite://{}", db_path.display()))
            .env("ROSTER_RATE_LIMIT_PER_SECOND", "0")
            .env("ROSTER_SHUTDOWN_TIMEOUT", "5")
            // What the operator did not set must not come from the CI's
            // environment.
            .env("ROSTER_LOG", "info")
            .env_remove("ROSTER_LOG_FORMAT")
            .env_remove("ROSTER_ACCESS_LOG")
            .env_remove("ROSTER_BOOTSTRAP_API_KEY")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn roster serve");
        // ring is deprecated for lacking post-quantum key exchange; it is
        // what the PostgreSQL link uses too (as in support/mod.rs).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
            _dir: dir,
            db_path,
        };
        for _ in 0..200 {
            if let Ok(r) = server.client.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("roster serve on port {port} did not become ready");
    }

    /// Sends a request with `key` and `X-Request-Id: id`; returns the status.
    async fn send(
        &self,
        method: &str,
        path: &str,
        key: &str,
        id: &str,
        body: Option<Value>,
    ) -> u16 {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("x-request-id", id);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.headers()["x-request-id"], id, "the id sent is echoed");
        r.status().as_u16()
    }

    /// Stops the server as an operator would (SIGTERM) and returns every
    /// line it wrote, stdout then stderr.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let (mut out, mut err) = (String::new(), String::new());
        // Reading to the end waits for the exit (the pipes close with it).
        self.child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "roster serve exited with {status}:\n{err}");
        out.lines().chain(err.lines()).map(str::to_owned).collect()
    }
}

/// Every non-empty line as a JSON object, or a failure naming the line.
fn parse_all(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(v.is_object(), "{l}");
            v
        })
        .collect()
}

fn access_lines(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["target"] == "roster::access").collect()
}

fn the_access_line<'a>(lines: &'a [Value], request_id: &str) -> &'a Value {
    let found: Vec<_> =
        access_lines(lines).into_iter().filter(|l| l["request_id"] == request_id).collect();
    assert_eq!(found.len(), 1, "one access line for {request_id}: {lines:#?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_parse_line_by_line_and_each_request_logs_its_id_route_status_and_latency() {
    let server =
        Server::start(&[("ROSTER_LOG_FORMAT", "json"), ("ROSTER_BOOTSTRAP_API_KEY", ADMIN_KEY)])
            .await;
    let missing = "/v1/users/usr_01JZZZZZZZZZZZZZZZZZZZZZZZ";
    let not_found = server.send("GET", missing, ADMIN_KEY, "obs-404", None).await;
    assert!((400..500).contains(&not_found), "{not_found}");
    assert_eq!(server.send("GET", "/v1/users", WRONG_KEY, "obs-401", None).await, 401);
    let search = format!("/v1/users?email={PRIVATE_QUERY}&limit=5");
    let listed = server.send("GET", &search, ADMIN_KEY, "obs-list", None).await;
    assert!(listed < 500, "{listed}");
    let body = json!({ "email": PRIVATE_BODY });
    assert_eq!(server.send("POST", "/v1/users", ADMIN_KEY, "obs-create", Some(body)).await, 201);
    assert_eq!(
        server.send("GET", "/nowhere/secret-path", ADMIN_KEY, "obs-unmatched", None).await,
        404
    );

    // A failure inside the handler: the line it logs carries the request's
    // span. Renaming a table under the running server makes its queries
    // fail the way a bug would.
    let db = rusqlite::Connection::open(&server.db_path).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute_batch("ALTER TABLE roles RENAME TO roles_moved").unwrap();
    let broken = server.send("GET", "/v1/roles", ADMIN_KEY, "obs-broken", None).await;
    assert!(broken >= 500, "{broken}");

    let lines = server.stop();
    let lines = parse_all(&lines);
    for line in &lines {
        assert!(line["timestamp"].is_string() && line["level"].is_string(), "{line}");
    }
    assert!(lines.iter().any(|l| l["message"] == "roster listening"), "{lines:#?}");
    for (id, method, route, status) in [
        ("obs-404", "GET", "/v1/users/{id}", not_found),
        ("obs-401", "GET", "/v1/users", 401),
        ("obs-list", "GET", "/v1/users", listed),
        ("obs-create", "POST", "/v1/users", 201),
        ("obs-unmatched", "GET", "unmatched", 404),
        ("obs-broken", "GET", "/v1/roles", broken),
    ] {
        let line = the_access_line(&lines, id);
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["method"], method, "{line}");
        assert_eq!(line["route"], route, "{line}");
        assert_eq!(line["status"], status, "{line}");
        let latency = line["latency_ms"].as_f64().unwrap_or(-1.0);
        assert!((0.0..30_000.0).contains(&latency), "{line}");
    }
    assert!(access_lines(&lines).iter().all(|l| l["request_id"].is_string()));

    let inside: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] != "roster::access" && l["span"]["request_id"] == "obs-broken")
        .collect();
    assert!(!inside.is_empty(), "the handler's failure is logged in its span: {lines:#?}");
    for line in inside {
        assert_eq!(line["span"]["route"], "/v1/roles", "{line}");
        assert_eq!(line["span"]["method"], "GET", "{line}");
        assert_eq!(line["spans"][0]["request_id"], "obs-broken", "{line}");
    }

    for line in &lines {
        let text = line.to_string();
        for secret in
            [ADMIN_KEY, WRONG_KEY, PRIVATE_QUERY, PRIVATE_BODY, "secret-path", "usr_01JZZ"]
        {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_access_log_false_writes_no_access_lines() {
    let server = Server::start(&[
        ("ROSTER_LOG_FORMAT", "json"),
        ("ROSTER_ACCESS_LOG", "false"),
        ("ROSTER_BOOTSTRAP_API_KEY", ADMIN_KEY),
    ])
    .await;
    assert_eq!(server.send("GET", "/v1/users", ADMIN_KEY, "off-200", None).await, 200);
    assert_eq!(server.send("GET", "/v1/users", WRONG_KEY, "off-401", None).await, 401);
    let lines = parse_all(&server.stop());
    assert!(lines.iter().any(|l| l["message"] == "roster listening"), "still logging");
    assert!(access_lines(&lines).is_empty(), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.to_string().contains("off-200")), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_stay_the_default_with_the_generated_key_shown_once() {
    let server = Server::start(&[]).await;
    let lines = server.stop_after_one_request().await;
    let text = lines.join("\n");
    // The first start's message, as before JSON existed.
    let key_at = lines
        .iter()
        .position(|l| l.contains("shown once, keep it safe"))
        .unwrap_or_else(|| panic!("no bootstrap message:\n{text}"));
    assert!(lines[key_at].starts_with("roster: created organization `default`"), "{text}");
    assert_eq!(lines[key_at + 1], "", "{text}");
    let key = lines[key_at + 2].trim();
    assert!(key.starts_with("rk_"), "{text}");
    assert_eq!(text.matches(key).count(), 1, "the key is printed once, logged never:\n{text}");
    let access = lines
        .iter()
        .find(|l| l.contains("request_id=text-1"))
        .unwrap_or_else(|| panic!("no access line:\n{text}"));
    assert!(access.contains("INFO") && access.contains("roster::access"), "{access}");
    assert!(access.contains("route=/v1/users") && access.contains("status=401"), "{access}");
    assert!(access.contains("latency_ms="), "{access}");
    assert!(!text.contains(WRONG_KEY), "{text}");
}

impl Server {
    async fn stop_after_one_request(self) -> Vec<String> {
        assert_eq!(self.send("GET", "/v1/users", WRONG_KEY, "text-1", None).await, 401);
        self.stop()
    }
}

#[test]
fn in_json_a_server_that_cannot_start_says_why_in_a_json_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", &address, "--database-url", "sqlite::memory:"])
        .env("ROSTER_LOG_FORMAT", "json")
        .env("ROSTER_LOG", "info")
        .env_remove("ROSTER_BOOTSTRAP_API_KEY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
    let lines = parse_all(&lines);
    let why = lines.iter().find(|l| l["level"] == "ERROR").unwrap_or_else(|| panic!("{stderr}"));
    let message = why["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot listen on") && message.contains(&address), "{why}");
}

#[test]
fn in_json_a_flag_that_does_not_parse_is_refused_in_a_json_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "not-an-address"])
        .env("ROSTER_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "clap's exit status for a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
    let lines = parse_all(&lines);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["level"], "ERROR");
    let message = lines[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--listen") && message.contains("not-an-address"), "{message}");
    // Help is still help, for a person.
    let help = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--help"])
        .env("ROSTER_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:"));
}
