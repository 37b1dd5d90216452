//! Trace export (README, "Observe"): with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! set, a real `roster serve` sends each request as a server span to an
//! OTLP/HTTP collector, here a small receiver the test starts that decodes
//! what arrives as a collector would (the OpenTelemetry protobuf types, or
//! the OTLP/JSON encoding).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::{Value, json};

use roster_testkit::{ADMIN_KEY, PgDatabase, postgres_url};
use support::Node;

/// A span as the collector got it, whichever encoding carried it.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    /// OTLP's SpanKind: 2 is SERVER.
    kind: i64,
    trace_id: String,
    parent_span_id: String,
    /// OTLP's status code: 2 is ERROR.
    status: i64,
    attributes: HashMap<String, String>,
    /// The names of the span's events (a log line's message).
    events: Vec<String>,
    service_name: String,
}

/// An OTLP/HTTP trace receiver on a free port.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Span>>>,
    /// The content types the exports came with.
    encodings: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    async fn start() -> (Collector, String) {
        let collector = Collector::default();
        let app = axum::Router::new()
            .route("/v1/traces", axum::routing::post(receive))
            .with_state(collector.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (collector, url)
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }

    /// The span of the request sent with `X-Request-Id: id`, waiting for
    /// the exporter's next batch.
    async fn span_of(&self, id: &str) -> Span {
        for _ in 0..200 {
            let found: Vec<Span> = self
                .spans()
                .into_iter()
                .filter(|s| s.attributes.get("request_id").map(String::as_str) == Some(id))
                .collect();
            if let [span] = found.as_slice() {
                return span.clone();
            }
            assert!(found.len() < 2, "one span per request: {found:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no span for {id}; got {:#?}", self.spans());
    }
}

async fn receive(State(c): State<Collector>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let spans = if content_type == "application/json" {
        from_json(&serde_json::from_slice(&body).unwrap())
    } else {
        assert_eq!(content_type, "application/x-protobuf");
        from_protobuf(ExportTraceServiceRequest::decode(body).unwrap())
    };
    c.encodings.lock().unwrap().push(content_type);
    c.spans.lock().unwrap().extend(spans);
    StatusCode::OK
}

fn from_protobuf(request: ExportTraceServiceRequest) -> Vec<Span> {
    let text = |v: Option<AnyValue>| match v {
        Some(AnyValue::StringValue(s)) => s,
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    };
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let resource = resource_spans.resource.unwrap_or_default().attributes;
        let service_name = resource
            .into_iter()
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(kv.value.and_then(|v| v.value)))
            .unwrap_or_default();
        for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
            out.push(Span {
                name: span.name,
                kind: i64::from(span.kind),
                trace_id: hex(&span.trace_id),
                parent_span_id: hex(&span.parent_span_id),
                status: span.status.map_or(0, |s| i64::from(s.code)),
                attributes: span
                    .attributes
                    .into_iter()
                    .map(|kv| (kv.key, text(kv.value.and_then(|v| v.value))))
                    .collect(),
                events: span.events.into_iter().map(|e| e.name).collect(),
                service_name: service_name.clone(),
            });
        }
    }
    out
}

/// OTLP/JSON: ids in hex, enums as numbers, 64-bit integers as strings.
fn from_json(request: &Value) -> Vec<Span> {
    let text = |v: &Value| -> String {
        match v.as_object().and_then(|o| o.values().next()) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    };
    let attributes = |list: &Value| -> HashMap<String, String> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|kv| (kv["key"].as_str().unwrap_or("").to_owned(), text(&kv["value"])))
            .collect()
    };
    let mut out = Vec::new();
    for resource_spans in request["resourceSpans"].as_array().into_iter().flatten() {
        let resource = attributes(&resource_spans["resource"]["attributes"]);
        for scope in resource_spans["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                out.push(Span {
                    name: span["name"].as_str().unwrap_or("").to_owned(),
                    kind: span["kind"].as_i64().unwrap_or(-1),
                    trace_id: span["traceId"].as_str().unwrap_or("").to_ascii_lowercase(),
                    parent_span_id: span["parentSpanId"]
                        .as_str()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    status: span["status"]["code"].as_i64().unwrap_or(0),
                    attributes: attributes(&span["attributes"]),
                    events: span["events"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["name"].as_str().unwrap_or("").to_owned())
                        .collect(),
                    service_name: resource.get("service.name").cloned().unwrap_or_default(),
                });
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";
const PRIVATE_EMAIL: &str = "carol.private@example.com";

/// What a traced server's requests look like to the collector, on the
/// database `db`.
async fn requests_arrive_as_server_spans(db: &str) {
    let (collector, endpoint) = Collector::start().await;
    let node = Node::start_with(
        db,
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")],
    )
    .await;
    let missing = "/v1/users/user_01JZZZZZZZZZZZZZZZZZZZZZZZ";
    let (status, _, _) = node.send("GET", missing, None, &[("x-request-id", "tr-404")]).await;
    assert_eq!(status, 404);
    let body = json!({ "email": PRIVATE_EMAIL });
    let (status, created, _) =
        node.send("POST", "/v1/users", Some(body), &[("x-request-id", "tr-create")]).await;
    assert_eq!(status, 201, "{created}");
    let search = format!("/v1/users?email={PRIVATE_EMAIL}");
    let (status, _, _) = node.send("GET", &search, None, &[("x-request-id", "tr-search")]).await;
    assert_eq!(status, 200);
    let (status, _, _) =
        node.send("GET", "/private/path", None, &[("x-request-id", "tr-unmatched")]).await;
    assert_eq!(status, 404);
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let headers = [("x-request-id", "tr-child"), ("traceparent", traceparent.as_str())];
    let (status, _, _) = node.send("GET", "/v1/zones", None, &headers).await;
    assert_eq!(status, 200);
    let garbled = [("x-request-id", "tr-garbled"), ("traceparent", "00-not-a-trace-01")];
    let (status, _, _) = node.send("GET", "/v1/zones", None, &garbled).await;
    assert_eq!(status, 200, "a traceparent that does not parse is ignored, not refused");

    for (id, name, method, route, status) in [
        ("tr-404", "GET /v1/users/{id}", "GET", Some("/v1/users/{id}"), "404"),
        ("tr-create", "POST /v1/users", "POST", Some("/v1/users"), "201"),
        ("tr-search", "GET /v1/users", "GET", Some("/v1/users"), "200"),
        ("tr-unmatched", "GET", "GET", None, "404"),
        ("tr-child", "GET /v1/zones", "GET", Some("/v1/zones"), "200"),
    ] {
        let span = collector.span_of(id).await;
        assert_eq!(span.name, name, "{span:#?}");
        assert_eq!(span.kind, 2, "a server span: {span:#?}");
        assert_eq!(span.attributes["http.request.method"], method, "{span:#?}");
        assert_eq!(span.attributes.get("http.route").map(String::as_str), route, "{span:#?}");
        assert_eq!(span.attributes["http.response.status_code"], status, "{span:#?}");
        assert_ne!(span.status, 2, "a 4xx is not the server's error: {span:#?}");
        assert_eq!(span.service_name, "roster", "{span:#?}");
        assert_eq!(span.trace_id.len(), 32, "{span:#?}");
        assert!(span.events.is_empty(), "no info or debug line becomes an event: {span:#?}");
        // Exactly these attributes: nothing personal, nothing secret, no
        // raw path or query, none of the bridge's per-span extras.
        let allowed = [
            "request_id",
            "method",
            "route",
            "http.route",
            "http.request.method",
            "http.response.status_code",
        ];
        for key in span.attributes.keys() {
            assert!(allowed.contains(&key.as_str()), "{key} exported: {span:#?}");
        }
        for value in span.attributes.values() {
            for private in [PRIVATE_EMAIL, ADMIN_KEY, "/private/path", "user_01JZZZ"] {
                assert!(!value.contains(private), "{private} in {span:#?}");
            }
        }
    }
    let encodings = collector.encodings.lock().unwrap().clone();
    assert!(
        encodings.iter().all(|e| e == "application/x-protobuf"),
        "protobuf unless asked otherwise, as the specification says: {encodings:?}"
    );
    let child = collector.span_of("tr-child").await;
    assert_eq!(child.trace_id, TRACE_ID, "the caller's trace continues: {child:#?}");
    assert_eq!(child.parent_span_id, PARENT_ID, "{child:#?}");
    for id in ["tr-404", "tr-garbled"] {
        let root = collector.span_of(id).await;
        assert!(root.parent_span_id.is_empty(), "no usable traceparent, a new trace: {root:#?}");
        assert_ne!(root.trace_id, TRACE_ID);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_exported_as_a_server_span_with_route_and_status_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    requests_arrive_as_server_spans(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_exported_as_a_server_span_with_route_and_status_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let pg = PgDatabase::create(&admin).await;
    requests_arrive_as_server_spans(&pg.url).await;
    pg.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_marks_its_span_failed() {
    let (collector, endpoint) = Collector::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let node = Node::start_with(
        &format!("sqlite://{}", path.display()),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")],
    )
    .await;
    // Its queries fail as a bug's would once the table is gone.
    let db = rusqlite::Connection::open(&path).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute_batch("ALTER TABLE roles RENAME TO roles_moved").unwrap();
    let (status, _, _) = node.send("GET", "/v1/roles", None, &[("x-request-id", "tr-500")]).await;
    assert_eq!(status, 500);
    let span = collector.span_of("tr-500").await;
    assert_eq!(span.status, 2, "ERROR: {span:#?}");
    assert_eq!(span.attributes["http.response.status_code"], "500");
    assert_eq!(span.attributes["error.type"], "500");
    // The error logged while it was handled travels with it.
    assert!(span.events.iter().any(|e| e == "request failed"), "{span:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_still_queued_are_exported_when_the_server_stops() {
    let (collector, endpoint) = Collector::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A minute between batches: only the shutdown's flush can send it.
    let mut node = Node::start_with(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "60000")],
    )
    .await;
    let (status, _, _) = node.send("GET", "/v1/zones", None, &[("x-request-id", "tr-last")]).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(collector.spans().is_empty(), "nothing before the flush: {:#?}", collector.spans());
    let exit = tokio::task::spawn_blocking(move || node.terminate()).await.unwrap();
    assert!(exit.success(), "{exit}");
    let span = collector.span_of("tr-last").await;
    assert_eq!(span.name, "GET /v1/zones");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_json_is_exported_when_the_protocol_asks_for_it() {
    let (collector, endpoint) = Collector::start().await;
    let dir = tempfile::tempdir().unwrap();
    let traces = format!("{endpoint}/v1/traces");
    let node = Node::start_with(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        &[
            // The signal's own URL, used as it is.
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "directory-eu"),
        ],
    )
    .await;
    let (status, _, _) = node.send("GET", "/v1/zones", None, &[("x-request-id", "tr-json")]).await;
    assert_eq!(status, 200);
    let span = collector.span_of("tr-json").await;
    assert_eq!(span.name, "GET /v1/zones");
    assert_eq!(span.kind, 2);
    assert_eq!(span.attributes["http.response.status_code"], "200");
    assert_eq!(span.service_name, "directory-eu", "OTEL_SERVICE_NAME wins: {span:#?}");
    let encodings = collector.encodings.lock().unwrap().clone();
    assert!(encodings.iter().all(|e| e == "application/json"), "{encodings:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_answered_while_the_collector_is_unreachable() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::start_with(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", closed.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "10"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
        ],
    )
    .await;
    for i in 0..300 {
        let id = format!("down-{i}");
        let (status, _, _) = node.send("GET", "/v1/zones", None, &[("x-request-id", &id)]).await;
        assert_eq!(status, 200);
    }
    let exit = tokio::task::spawn_blocking(move || node.terminate()).await.unwrap();
    assert!(exit.success(), "{exit}");
}

/// `roster serve` with `env`, expected to refuse to start: its stderr.
fn refused_start(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ROSTER_DATABASE_URL", format!("sqlite://{}", dir.path().join("t.db").display()))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_trace_setting_roster_cannot_honour_stops_the_start_with_the_reason() {
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
    let said = refused_start(&[endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    assert!(said.contains("grpc") && said.contains("http/protobuf"), "{said}");
    let said = refused_start(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")]);
    assert!(said.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{said}");
    let said = refused_start(&[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")]);
    assert!(said.contains("OTEL_TRACES_EXPORTER"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_collector_is_spoken_to_in_tls() {
    // A listener that keeps the first byte the exporter sends: 0x16 opens a
    // TLS handshake record (a plain-HTTP POST would start with `P`).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("https://{}", listener.local_addr().unwrap());
    let first = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        tokio::io::AsyncReadExt::read_exact(&mut socket, &mut byte).await.unwrap();
        byte[0]
    });
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start_with(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")],
    )
    .await;
    let (status, _, _) = node.send("GET", "/v1/zones", None, &[]).await;
    assert_eq!(status, 200);
    let byte = tokio::time::timeout(Duration::from_secs(10), first).await.unwrap().unwrap();
    assert_eq!(byte, 0x16, "a TLS ClientHello");
}
