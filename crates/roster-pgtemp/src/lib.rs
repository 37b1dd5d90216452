//! Throwaway PostgreSQL clusters for tests: a copy of one `initdb` (made
//! once per test process) in a temporary directory, a postmaster on a free
//! loopback port, optionally with TLS and a certificate made on the spot;
//! stopped and deleted on drop.
//!
//! The shared test server must not be reconfigured (other suites use it),
//! so what needs a server set up differently (TLS, `hostssl`-only
//! `pg_hba.conf`) gets a cluster of its own.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, `initdb`
//! and `postgres` run as the `postgres` OS user through `runuser`.
//!
//! Test support: a failed setup step stops the test loudly, so this crate
//! panics where request-path code never may.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

pub use server::{POSTGRES_URL_VAR, postgres_url, with_database};

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate and its private key, PEM.
pub struct ServerCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        TestCa { issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate") }
    }

    /// The CA certificate, PEM (what `sslrootcert` points at).
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (host names or IP addresses).
    pub fn server_cert(&self, names: &[&str]) -> ServerCert {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server params");
        params.distinguished_name.push(DnType::CommonName, "roster test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages =
            vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &self.issuer).expect("server certificate");
        ServerCert { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
    }
}

/// How to set a cluster up.
#[derive(Default)]
pub struct ClusterOptions {
    /// Serve TLS with this certificate (`ssl=on`).
    pub tls: Option<ServerCert>,
    /// Accept TCP connections only over TLS (`hostssl` lines only).
    pub hostssl_only: bool,
}

/// A running throwaway cluster: trust authentication for user `postgres`,
/// listening on 127.0.0.1 only.
pub struct Cluster {
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
    _template: TemplateUse,
}

/// One `initdb` per test process while clusters are in use: each cluster
/// starts from a copy of it (a tenth of the time of an `initdb`). It is
/// deleted when the last cluster using it is dropped, so nothing outlives
/// the tests.
struct Template {
    users: usize,
    dir: Option<tempfile::TempDir>,
}

static TEMPLATE: Mutex<Template> = Mutex::new(Template { users: 0, dir: None });

/// A cluster's hold on the template; `counted` is false for the
/// placeholder left in a cluster that handed its hold on.
struct TemplateUse {
    counted: bool,
}

impl TemplateUse {
    /// Copies the template's data directory to `data`, making the template
    /// first if no cluster holds it. The lock is held across `initdb`, so
    /// clusters starting together wait for one template.
    fn copy_to(bin: &Path, owner: &Option<String>, data: &Path) -> TemplateUse {
        let mut template = TEMPLATE.lock().unwrap_or_else(PoisonError::into_inner);
        if template.dir.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("roster-pgtemp-template-")
                .tempdir()
                .expect("temp dir");
            if let Some(user) = owner {
                chown_to(dir.path(), user);
            }
            let mut initdb = as_server_user(owner, &bin.join("initdb"));
            initdb.arg("-D").arg(dir.path().join("data")).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]);
            run(&mut initdb, "initdb");
            template.dir = Some(dir);
        }
        let source = template.dir.as_ref().map(|d| d.path().join("data")).expect("template");
        // -a keeps the owner (postgres) and the 0700 mode the server insists on.
        run(Command::new("cp").arg("-a").arg(&source).arg(data), "cp -a (template)");
        // Counted only once nothing can fail (a hold dropped while the
        // lock is held would wait for itself).
        template.users += 1;
        TemplateUse { counted: true }
    }

    fn copy_to_nothing() -> TemplateUse {
        TemplateUse { counted: false }
    }
}

impl Drop for TemplateUse {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        let unused = {
            let mut template = TEMPLATE.lock().unwrap_or_else(PoisonError::into_inner);
            template.users -= 1;
            if template.users == 0 { template.dir.take() } else { None }
        };
        drop(unused);
    }
}

impl Cluster {
    /// Starts a cluster, or `None` (after saying so loudly) when no
    /// PostgreSQL binaries are installed. With `CI=true` missing binaries
    /// are a failure, never a skip.
    pub fn start(options: ClusterOptions) -> Option<Cluster> {
        let Some(bin) = bin_dir() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("no PostgreSQL server binaries (initdb, postgres) found: required in CI");
            }
            eprintln!(
                "\n*** SKIPPED: no PostgreSQL server binaries found (set ROSTER_TEST_PG_BINDIR), \
                 so the throwaway-cluster tests did not run ***\n"
            );
            return None;
        };
        let mut dir =
            tempfile::Builder::new().prefix("roster-pgtemp-").tempdir().expect("temp dir");
        let owner = server_user();
        if let Some(user) = &owner {
            chown_to(dir.path(), user);
        }
        let data = dir.path().join("data");
        let mut template = TemplateUse::copy_to(&bin, &owner, &data);

        let mut settings = vec![
            "listen_addresses=127.0.0.1".to_owned(),
            "fsync=off".to_owned(),
            "max_connections=40".to_owned(),
        ];
        if let Some(tls) = &options.tls {
            let cert = dir.path().join("server.crt");
            let key = dir.path().join("server.key");
            fs::write(&cert, &tls.cert_pem).expect("write server.crt");
            fs::write(&key, &tls.key_pem).expect("write server.key");
            // The server refuses a key others can read.
            fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod key");
            if let Some(user) = &owner {
                chown_to(&cert, user);
                chown_to(&key, user);
            }
            settings.push("ssl=on".to_owned());
            settings.push(format!("ssl_cert_file={}", cert.display()));
            settings.push(format!("ssl_key_file={}", key.display()));
        }
        if options.hostssl_only {
            let hba = "local all all trust\n\
                       hostssl all all 127.0.0.1/32 trust\n\
                       hostssl all all ::1/128 trust\n";
            fs::write(data.join("pg_hba.conf"), hba).expect("write pg_hba.conf");
        }

        // A free port can be taken between probing and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            let log = fs::File::create(dir.path().join("postgres.log")).expect("log file");
            let mut postgres = as_server_user(&owner, &bin.join("postgres"));
            postgres.arg("-D").arg(&data).arg("-p").arg(port.to_string());
            postgres.arg("-k").arg(dir.path());
            for s in &settings {
                postgres.arg("-c").arg(s);
            }
            postgres.stdin(Stdio::null()).stdout(log.try_clone().expect("log")).stderr(log);
            let child = postgres.spawn().expect("spawn postgres");
            let mut cluster = Cluster { port, child, dir, _template: template };
            match cluster.wait_ready() {
                Ok(()) => return Some(cluster),
                Err(e) if e.contains("already in use") => {
                    (dir, template) = cluster.into_parts();
                }
                Err(e) => panic!("{e}"),
            }
        }
        panic!("postgres could not find a free port");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A file in the cluster's temporary directory (deleted with it).
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, contents).expect("write file");
        path
    }

    /// `postgres://postgres@{host}:{port}/postgres?{query}`.
    pub fn url(&self, host: &str, query: &str) -> String {
        let mut url = format!("postgres://postgres@{host}:{}/postgres", self.port);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// Ready once `postmaster.pid` says so (its eighth line).
    fn wait_ready(&mut self) -> Result<(), String> {
        let pid_file = self.dir.path().join("data").join("postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("postgres exited ({status}):\n{}", self.log()));
            }
            if let Ok(pid) = fs::read_to_string(&pid_file)
                && pid.lines().nth(7).is_some_and(|l| l.trim() == "ready")
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("postgres did not become ready in 30 s:\n{}", self.log()))
    }

    fn into_parts(mut self) -> (tempfile::TempDir, TemplateUse) {
        self.stop();
        let placeholder = tempfile::tempdir().expect("temp dir");
        let template = TemplateUse::copy_to_nothing();
        (
            std::mem::replace(&mut self.dir, placeholder),
            std::mem::replace(&mut self._template, template),
        )
    }

    /// Immediate shutdown (SIGQUIT): nothing here is worth a checkpoint.
    /// The signal goes to the postmaster itself (its pid is in
    /// `postmaster.pid`): the child process may be `runuser`, which does
    /// not pass it on.
    fn stop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let pid_file = self.dir.path().join("data").join("postmaster.pid");
        let postmaster = fs::read_to_string(pid_file)
            .ok()
            .and_then(|text| text.lines().next().map(|l| l.trim().to_owned()))
            .filter(|pid| !pid.is_empty())
            .unwrap_or_else(|| self.child.id().to_string());
        let _ = Command::new("kill").args(["-QUIT", &postmaster]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ =
                Command::new("kill").args(["-KILL", &postmaster]).stderr(Stdio::null()).status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `ROSTER_TEST_PG_BINDIR`, else `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian keeps the server binaries off PATH).
fn bin_dir() -> Option<PathBuf> {
    let has_server = |p: &Path| p.join("initdb").is_file() && p.join("postgres").is_file();
    if let Ok(dir) = std::env::var("ROSTER_TEST_PG_BINDIR") {
        return Some(PathBuf::from(dir)).filter(|p| has_server(p));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, p)| has_server(p))
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// The OS user the server runs as when the tests run as root.
fn server_user() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    (String::from_utf8_lossy(&uid.stdout).trim() == "0").then(|| "postgres".to_owned())
}

fn as_server_user(user: &Option<String>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

fn chown_to(path: &Path, user: &str) {
    let status = Command::new("chown").arg(user).arg(path).status().expect("chown");
    assert!(status.success(), "chown {user} {} failed", path.display());
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}
