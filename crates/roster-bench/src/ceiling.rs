//! The ceiling: a bare hyper server answering every request with one fixed
//! user JSON, started as a separate process (this same executable with
//! `--ceiling-server`) and measured with the same load generator in the
//! same run. Every Roster figure is reported as a ratio to it, so a busy or
//! a faster machine moves both sides alike, and no remembered number is
//! needed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};

/// Serves `body` on `addr` until killed (the `--ceiling-server` mode).
pub fn serve(addr: SocketAddr, body_file: &Path) -> Result<()> {
    let body = Bytes::from(
        std::fs::read(body_file).with_context(|| format!("reading {}", body_file.display()))?,
    );
    // Two workers, as the real server gets on this machine by default.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the ceiling runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let mut response = hyper::Response::new(Full::new(body.clone()));
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// The ceiling server process; killed when dropped.
pub struct Ceiling {
    child: Child,
    pub addr: SocketAddr,
}

impl Ceiling {
    /// Starts this executable in ceiling mode serving `body_file`, and waits
    /// until it accepts connections.
    pub fn start(body_file: &Path) -> Result<Self> {
        let addr = crate::server::free_port()?;
        let exe = std::env::current_exe().context("locating the bench executable")?;
        let child = Command::new(exe)
            .arg("--ceiling-server")
            .arg(addr.to_string())
            .arg("--ceiling-body")
            .arg(body_file)
            .stdin(Stdio::null())
            .spawn()
            .context("starting the ceiling server")?;
        let mut ceiling = Self { child, addr };
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = ceiling.child.try_wait() {
                bail!("the ceiling server exited at start ({status})");
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!("the ceiling server did not listen within 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        ceiling.child.try_wait().ok();
        Ok(ceiling)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
