//! The accept loop: one task per connection, each watched for slow or idle
//! clients, a cap on how many are open, and a bounded graceful shutdown.
//!
//! hyper's own `header_read_timeout` starts its clock whenever a keep-alive
//! connection waits for the next request, so it cannot tell an idle client
//! (harmless, allowed `idle_timeout`) from one trickling a request head
//! (allowed `header_read_timeout`). The watch below keeps the two apart by
//! noting when the first byte of a head arrives.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How connections are bounded. Every field has a `roster serve` flag.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// Time to send a whole request head, from its first byte (or from
    /// accepting the connection, for the first request).
    pub header_read_timeout: Duration,
    /// Time a keep-alive connection may sit idle between requests.
    pub idle_timeout: Duration,
    /// Time for a whole request, body included, until its response starts.
    pub request_timeout: Duration,
    /// Connections open at once; the next ones are answered 503 and closed.
    pub max_connections: usize,
    /// Time in-flight requests get after a shutdown signal before their
    /// connections are dropped.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// What a connection has been doing, shared by its I/O, its requests and
/// its watch.
struct Activity {
    in_flight: u32,
    /// When the first byte of a request head arrived while no request was
    /// in flight.
    head_since: Option<Instant>,
    /// The end of the last request or the last write progress.
    last: Instant,
}

type Shared = Arc<Mutex<Activity>>;

/// When this connection must be closed, or `None` while a request runs (the
/// request deadline bounds that).
fn deadline(a: &Activity, limits: &ConnectionSettings) -> Option<Instant> {
    if a.in_flight > 0 {
        return None;
    }
    Some(match a.head_since {
        Some(since) => since + limits.header_read_timeout,
        None => a.last + limits.idle_timeout,
    })
}

/// A request in progress on a connection; ends when dropped.
struct InFlight(Shared);

impl InFlight {
    fn begin(shared: &Shared) -> Self {
        let mut a = shared.lock();
        a.in_flight += 1;
        a.head_since = None;
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut a = self.0.lock();
        a.in_flight = a.in_flight.saturating_sub(1);
        a.last = Instant::now();
    }
}

/// The socket, noting the bytes that move through it.
struct Watched {
    inner: TcpStream,
    shared: Shared,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            let mut a = self.shared.lock();
            if a.in_flight == 0 && a.head_since.is_none() {
                a.head_since = Some(Instant::now());
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.shared.lock().last = Instant::now();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.shared.lock().last = Instant::now();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Where the server is in its life: connections watch this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Serving,
    /// Finish in-flight requests, close idle connections.
    Draining,
    /// The shutdown deadline passed: drop every connection.
    Closing,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains within
/// the shutdown deadline. Returns once every connection is gone.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let limits = Arc::new(limits);
    let max = limits.max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(max));
    // Refusing costs a task and a socket for up to a second or two; beyond
    // this many at once, excess connections are simply closed.
    let refusals = Arc::new(Semaphore::new(1024));
    let (phase_tx, phase_rx) = watch::channel(Phase::Serving);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than
                    // spin; the connections already open keep being served.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let (app, limits, phase) = (app.clone(), limits.clone(), phase_rx.clone());
                tokio::spawn(async move {
                    connection(stream, peer, app, &limits, phase).await;
                    drop(slot);
                });
            }
            Err(_) => {
                if let Ok(permit) = refusals.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse(stream).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    drop(listener);
    let _ = phase_tx.send(Phase::Draining);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(limits.shutdown_timeout, slots.acquire_many(all)).await;
    if drained.is_err() {
        tracing::warn!(
            open = max - slots.available_permits(),
            "shutdown deadline passed: dropping the connections still open"
        );
        let _ = phase_tx.send(Phase::Closing);
        // Dropping a connection is immediate once its task runs.
        let _ = tokio::time::timeout(Duration::from_secs(5), slots.acquire_many(all)).await;
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &ConnectionSettings,
    mut phase: watch::Receiver<Phase>,
) {
    let now = Instant::now();
    // The first request's head is due header_read_timeout after accepting.
    let shared: Shared =
        Arc::new(Mutex::new(Activity { in_flight: 0, head_since: Some(now), last: now }));
    let io = TokioIo::new(Watched { inner: stream, shared: shared.clone() });
    let requests = shared.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let in_flight = InFlight::begin(&requests);
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let response = app.oneshot(req.map(Body::new)).await;
            drop(in_flight);
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Timeouts are kept by the watch below; hyper's would close idle
    // keep-alive connections after the header timeout.
    builder.http1().header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        // Wake at least every header_read_timeout: a head may start at any
        // moment and must be cut off on time.
        let check = Instant::now() + limits.header_read_timeout;
        let wake = deadline(&shared.lock(), limits).map_or(check, |d| d.min(check));
        tokio::select! {
            _ = conn.as_mut() => return,
            () = tokio::time::sleep_until(wake.into()) => {
                if deadline(&shared.lock(), limits).is_some_and(|d| d <= Instant::now()) {
                    return;
                }
            }
            next = phase.wait_for(|p| *p > if draining { Phase::Draining } else { Phase::Serving }) => {
                match next.map(|p| *p) {
                    Ok(Phase::Draining) => {
                        draining = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ => return,
                }
            }
        }
    }
}

/// Answers a connection over the cap with 503 problem+json and closes it.
async fn refuse(mut stream: TcpStream) {
    let (status, body) = over_capacity();
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/problem+json\r\nretry-after: 1\r\n\
         x-api-version: v1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let answer = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await?;
        // Read what the client sent until it closes: closing with unread
        // bytes would reset the connection and could lose the answer.
        let mut sink = [0u8; 4096];
        let mut seen = 0usize;
        while seen < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => seen += n,
            }
        }
        Ok::<_, io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), answer).await;
}

fn over_capacity() -> (String, Vec<u8>) {
    use roster_api::problem::ApiError;
    let error =
        ApiError::Service(roster_service::ServiceError::Unavailable("too many connections".into()));
    let mut problem = error.problem();
    problem.detail = "The server has too many open connections; retry shortly.".into();
    let status = error.status();
    let line = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or(""));
    (line, roster_api::encode::json_bytes(&problem).unwrap_or_default())
}
