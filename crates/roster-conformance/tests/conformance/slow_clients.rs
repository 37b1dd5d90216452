//! Connection hygiene: slow, idle and surplus clients cannot hold the
//! server's connections, and a shutdown does not wait on them forever.
//!
//! These speak raw TCP, since an HTTP client library would not misbehave on
//! request. Timeouts are set short (1–3 s) and checked with generous margins.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use roster_testkit::{ADMIN_KEY, TestServer, send};

async fn server_with(
    backend: roster_testkit::Backend,
    f: impl FnOnce(&mut roster_testkit::Settings),
) -> TestServer {
    TestServer::builder(backend).settings(f).start().await
}

/// Reads until the peer closes the connection (or it errors); how long that
/// took, or `None` if it stayed open for `limit`.
async fn time_until_closed(
    stream: &mut tokio::net::tcp::OwnedReadHalf,
    limit: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    let closed = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, closed).await.ok().map(|()| start.elapsed())
}

/// A raw HTTP/1.1 response: status, lower-cased head, body.
struct RawResponse {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl RawResponse {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            (n.trim() == name).then(|| v.trim().to_owned())
        })
    }
}

/// Reads one response with a `content-length` body.
async fn read_response<R: AsyncReadExt + Unpin>(stream: &mut R) -> RawResponse {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status line in {head:?}"));
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                let body = data[end + 4..end + 4 + length].to_vec();
                return RawResponse { status, head, body };
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("the response did not arrive within 10 s")
            .expect("reading the response");
        assert!(
            n > 0,
            "the connection closed before a whole response: {:?}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&buf[..n]);
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: roster.test\r\n\r\n";

pub async fn a_request_head_sent_slowly_is_cut_off_after_the_header_read_timeout_while_others_are_served(
    server: &TestServer,
) {
    let server = server_with(server.backend, |s| {
        s.connections.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..3 {
        let (mut reader, mut writer) = TcpStream::connect(server.addr).await.unwrap().into_split();
        // One byte a second: the whole head would take over 40 s.
        let trickle = tokio::spawn(async move {
            for byte in HEALTHZ {
                if writer.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let closed =
            tokio::spawn(
                async move { time_until_closed(&mut reader, Duration::from_secs(15)).await },
            );
        slow.push((trickle, closed));
    }
    // Meanwhile the server answers everyone else.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        let r = server.get("/v1/users").await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    for (trickle, closed) in slow {
        let after = closed.await.unwrap().expect("a slow head kept its connection for 15 s");
        assert!(
            after >= Duration::from_millis(1500) && after <= Duration::from_secs(6),
            "a slow head was cut off after {after:?}, expected about 2 s"
        );
        trickle.abort();
    }
    server.stop().await;
}

pub async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout_not_before(
    server: &TestServer,
) {
    let server = server_with(server.backend, |s| {
        s.connections.header_read_timeout = Duration::from_secs(1);
        s.connections.idle_timeout = Duration::from_secs(3);
    })
    .await;
    let (mut reader, mut writer) = TcpStream::connect(server.addr).await.unwrap().into_split();
    writer.write_all(HEALTHZ).await.unwrap();
    assert_eq!(read_response(&mut reader).await.status, 200);
    // Idle longer than the header timeout: still open, since idling
    // between requests is not sending a head slowly.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    writer.write_all(HEALTHZ).await.unwrap();
    assert_eq!(read_response(&mut reader).await.status, 200, "idle keep-alive was closed early");
    let after = time_until_closed(&mut reader, Duration::from_secs(15))
        .await
        .expect("an idle connection stayed open for 15 s");
    assert!(
        after >= Duration::from_millis(2500) && after <= Duration::from_secs(7),
        "an idle connection was closed after {after:?}, expected about 3 s"
    );
    server.stop().await;
}

pub async fn a_body_sent_too_slowly_answers_408_request_timeout(server: &TestServer) {
    let server = server_with(server.backend, |s| {
        s.connections.request_timeout = Duration::from_secs(2);
    })
    .await;
    let body = br#"{"email": "slow.body@example.com", "first_name": "Slow"}"#;
    let head = format!(
        "POST /v1/users HTTP/1.1\r\nhost: roster.test\r\nauthorization: Bearer {ADMIN_KEY}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let (mut reader, mut writer) = TcpStream::connect(server.addr).await.unwrap().into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let trickle = tokio::spawn(async move {
        for byte in body {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let start = Instant::now();
    let r = read_response(&mut reader).await;
    let after = start.elapsed();
    trickle.abort();
    assert_eq!(r.status, 408, "{}", String::from_utf8_lossy(&r.body));
    assert!(after <= Duration::from_secs(6), "408 came after {after:?}, expected about 2 s");
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/problem+json"));
    assert_eq!(r.json()["code"], "request_timeout");
    assert_eq!(r.json()["status"], 408);
    // Nothing was created from half a body.
    let list = server.get("/v1/users?email=slow.body@example.com").await;
    assert_eq!(list.json()["data"].as_array().map(Vec::len), Some(0), "{}", list.text());
    server.stop().await;
}

pub async fn connections_beyond_the_cap_are_answered_503_unavailable_and_closed(
    server: &TestServer,
) {
    let server = server_with(server.backend, |s| {
        s.connections.max_connections = 3;
    })
    .await;
    // The test client may hold a pooled connection of its own: open served
    // connections until one is refused.
    let mut open = Vec::new();
    let refused = loop {
        assert!(open.len() <= 3, "{} connections were served with a cap of 3", open.len());
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        let r = read_response(&mut stream).await;
        if r.status != 200 {
            break r;
        }
        open.push(stream);
    };
    assert!(open.len() >= 2, "refused with only {} connections open", open.len());
    assert_eq!(refused.status, 503, "{}", String::from_utf8_lossy(&refused.body));
    assert!(
        refused.header("content-type").unwrap_or_default().starts_with("application/problem+json")
    );
    assert_eq!(refused.json()["code"], "unavailable");
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    assert_eq!(refused.header("connection").as_deref(), Some("close"));
    // The served connections still work.
    for stream in &mut open {
        stream.write_all(HEALTHZ).await.unwrap();
        assert_eq!(read_response(stream).await.status, 200);
    }
    // Closing one frees its place.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        let r = read_response(&mut stream).await;
        if r.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "a freed place was not reused within 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(open);
    server.stop().await;
}

pub async fn shutdown_drops_connections_still_busy_after_the_shutdown_deadline(
    server: &TestServer,
) {
    let server = server_with(server.backend, |s| {
        s.connections.shutdown_timeout = Duration::from_secs(1);
        s.connections.request_timeout = Duration::from_secs(60);
    })
    .await;
    // A write acknowledged before the shutdown survives it.
    let created = server.create_user(serde_json::json!({"email": "kept@example.com"})).await;
    // A request whose body never finishes: busy until the request deadline.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1/users HTTP/1.1\r\nhost: roster.test\r\nauthorization: Bearer {ADMIN_KEY}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"email\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    let restarted = server.restart().await;
    // restart() = stop, then start; the stop part is what is bounded.
    let took = start.elapsed();
    assert!(took <= Duration::from_secs(8), "shutdown waited {took:?} on a busy connection");
    let r = send(
        restarted
            .request("GET", &format!("/v1/users/{}", created["id"].as_str().unwrap()))
            .bearer_auth(ADMIN_KEY),
    )
    .await;
    assert_eq!(r.status, 200, "an acknowledged write was lost: {}", r.text());
    restarted.stop().await;
}
