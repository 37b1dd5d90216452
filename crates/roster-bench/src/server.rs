//! The real server, as a separate process.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::http::{HttpConn, RequestBuilder};

/// The workspace this bench was built from.
fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `roster` binary next to this executable (same target directory and
/// profile), rebuilt first with `cargo build --release -p roster` unless
/// `build` is false.
pub fn locate_binary(explicit: Option<&Path>, build: bool) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    let exe = std::env::current_exe().context("locating the bench executable")?;
    let dir = exe.parent().context("the bench executable has no directory")?.to_owned();
    let binary = dir.join("roster");
    if build {
        // target/<profile>/roster-bench -> target
        let target_dir = dir.parent().map(Path::to_owned);
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command.args(["build", "--release", "-p", "roster"]).current_dir(workspace_dir());
        if let Some(target_dir) = &target_dir {
            command.env("CARGO_TARGET_DIR", target_dir);
        }
        eprintln!("building the server: cargo build --release -p roster");
        match command.status() {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("warning: building roster failed ({status}); using what is there")
            }
            Err(e) => eprintln!("warning: cannot run cargo ({e}); using what is there"),
        }
    }
    if !binary.is_file() {
        bail!(
            "no roster binary at {}: build it with `cargo build --release -p roster` \
             (same CARGO_TARGET_DIR) or pass --server-bin",
            binary.display()
        );
    }
    Ok(binary)
}

pub fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

/// The server process; killed (SIGKILL) if still running when dropped, so an
/// error anywhere never leaves it behind.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(
        binary: &Path,
        database_url: &str,
        api_key: &str,
        max_inflight_per_key: Option<usize>,
    ) -> Result<Self> {
        let addr = free_port()?;
        let mut command = Command::new(binary);
        match max_inflight_per_key {
            Some(n) => command.env("ROSTER_MAX_INFLIGHT_PER_KEY", n.to_string()),
            None => command.env_remove("ROSTER_MAX_INFLIGHT_PER_KEY"),
        };
        let child = command
            .args(["serve", "--database-url", database_url, "--listen"])
            .arg(addr.to_string())
            .env("ROSTER_BOOTSTRAP_API_KEY", api_key)
            .env("ROSTER_RATE_LIMIT_PER_SECOND", "1000000")
            .env("ROSTER_LOG", "warn")
            .env_remove("ROSTER_DATABASE_URL")
            .env_remove("ROSTER_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(Self { child, addr })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls /readyz until it answers 200.
    pub async fn wait_ready(
        &mut self,
        builder: &RequestBuilder,
        timeout: Duration,
    ) -> Result<Duration> {
        let started = Instant::now();
        let request = builder.get_public("/readyz");
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited before it was ready ({status})");
            }
            let mut conn = HttpConn::new(self.addr);
            if let Ok(200) = conn.roundtrip(&request).await {
                return Ok(started.elapsed());
            }
            if started.elapsed() > timeout {
                bail!("the server was not ready after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The exit status, when the server has stopped on its own.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("unknown ({e})")),
        }
    }

    /// SIGTERM, then waits for a graceful exit (SIGKILL after `grace`).
    pub fn stop(&mut self, grace: Duration) -> Result<String> {
        let pid = Pid::from_raw(i32::try_from(self.child.id())?);
        kill(pid, Signal::SIGTERM).context("sending SIGTERM to the server")?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(format!("{status} after {:.2} s", started.elapsed().as_secs_f64()));
            }
            if started.elapsed() > grace {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Ok(format!("killed: no exit {grace:?} after SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
