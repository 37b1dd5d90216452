//! PostgreSQL over TLS with libpq's `sslmode` semantics, on rustls.
//!
//! | sslmode | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | if the server offers it | no |
//! | `require` | always | no; the chain, when `sslrootcert` is given (as libpq) |
//! | `verify-ca` | always | the chain |
//! | `verify-full` | always | the chain and the host name |
//!
//! The chain is checked against `sslrootcert` (a PEM file); without it,
//! against `~/.postgresql/root.crt` when that file exists (as libpq), else
//! the system's trust store. `sslrootcert=system` names the system's trust
//! store outright and, as in libpq, implies `verify-full`.
//!
//! The driver's own config only knows `disable`/`prefer`/`require`: the
//! verifying modes are `require` to it, and the checking is the
//! connector's. Query cancellation opens a connection of its own and must
//! use the same connector: that is [`PgTls`].

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::Socket;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres_rustls::MakeRustlsConnect;

use roster_store::{StoreError, StoreResult};

use crate::conninfo;

/// libpq's `sslmode`, the subset of it that makes sense here (`allow`,
/// plaintext first then TLS, is refused: use `prefer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err("sslmode=allow is not supported: use prefer or disable".to_owned());
            }
            other => {
                return Err(format!(
                    "unknown sslmode `{other}` in the database URL: use disable, prefer, \
                     require, verify-ca or verify-full"
                ));
            }
        })
    }
}

impl SslMode {
    /// What the driver is told: whether to ask for TLS and insist on it.
    fn driver(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Driver;
        match self {
            SslMode::Disable => Driver::Disable,
            SslMode::Prefer => Driver::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Driver::Require,
        }
    }
}

/// The TLS connector for the configured `sslmode`: what the pool's
/// connections use, and what a query cancel
/// (`cancel_token().cancel_query(tls)`) must be given.
#[derive(Clone)]
pub struct PgTls {
    mode: SslMode,
    connect: MakeRustlsConnect,
}

impl std::fmt::Debug for PgTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTls").field("mode", &self.mode).finish_non_exhaustive()
    }
}

impl PgTls {
    pub fn mode(&self) -> SslMode {
        self.mode
    }
}

type Inner = MakeRustlsConnect;

impl MakeTlsConnect<Socket> for PgTls {
    type Stream = <Inner as MakeTlsConnect<Socket>>::Stream;
    type TlsConnect = <Inner as MakeTlsConnect<Socket>>::TlsConnect;
    type Error = <Inner as MakeTlsConnect<Socket>>::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Self::TlsConnect, Self::Error> {
        MakeTlsConnect::<Socket>::make_tls_connect(&mut self.connect, domain)
    }
}

/// Parses a connection string (`postgres://…` or `key=value …`): the
/// driver's config and the connector its `sslmode` and `sslrootcert` call
/// for. An unknown `sslmode` or an unreadable `sslrootcert` is an error
/// here, at startup, not at the first connection.
pub fn connect_config(conn: &str) -> StoreResult<(tokio_postgres::Config, PgTls)> {
    let split = conninfo::split(conn);
    let invalid = |e: String| StoreError::Internal(format!("invalid PostgreSQL URL: {e}"));
    let root = split.sslrootcert.as_deref().filter(|r| !r.is_empty());
    let mode = match (split.sslmode.as_deref(), root) {
        (Some(mode), _) => mode.parse().map_err(invalid)?,
        (None, Some("system")) => SslMode::VerifyFull,
        (None, _) => SslMode::Prefer,
    };
    if root == Some("system") && mode != SslMode::VerifyFull {
        return Err(invalid("sslrootcert=system needs sslmode=verify-full".to_owned()));
    }
    let mut config: tokio_postgres::Config =
        split.rest.parse().map_err(|e| invalid(format!("{e}")))?;
    config.ssl_mode(mode.driver());
    let client = client_config(mode, root).map_err(invalid)?;
    Ok((config, PgTls { mode, connect: MakeRustlsConnect::new(client) }))
}

fn client_config(mode: SslMode, root: Option<&str>) -> Result<ClientConfig, String> {
    // ring, not aws-lc-rs: no C toolchain beyond cc, a much lighter build.
    // Its deprecation is for lacking post-quantum key exchange, which the
    // database link can adopt by switching providers here alone.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, root) {
        (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => {
            Arc::new(AnyCertificate(provider.clone()))
        }
        (SslMode::Require | SslMode::VerifyCa, _) => {
            Arc::new(ChainOnly(webpki(trusted_roots(root)?, provider.clone())?))
        }
        (SslMode::VerifyFull, _) => webpki(trusted_roots(root)?, provider.clone())?,
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn webpki(
    roots: RootCertStore,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("TLS setup: {e}"))
}

/// The certificates a verifying mode trusts (see the module comment).
fn trusted_roots(root: Option<&str>) -> Result<RootCertStore, String> {
    match root {
        Some("system") => system_roots(),
        Some(path) => roots_from_file(Path::new(path)),
        None => match default_root_file() {
            Some(path) => roots_from_file(&path),
            None => system_roots(),
        },
    }
}

fn default_root_file() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".postgresql").join("root.crt")).filter(|p| p.is_file())
}

fn roots_from_file(path: &Path) -> Result<RootCertStore, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {shown} holds no usable PEM certificate"));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(format!(
            "no trusted certificates in the system's trust store ({} errors): give sslrootcert",
            found.errors.len()
        ));
    }
    Ok(roots)
}

/// `prefer`, and `require` without `sslrootcert`: encrypted, but the
/// server is whoever answers (libpq's behaviour). The handshake's
/// signatures are still checked, so the session key is the certificate
/// holder's.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the full WebPKI check but for the host name. WebPKI checks
/// the chain (and validity, usage) before the name, so a name mismatch
/// means everything else passed.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(url: &str) -> String {
        match connect_config(url) {
            Ok(_) => panic!("{url} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn an_unknown_sslmode_is_a_clear_error() {
        let e = error("postgres://h/db?sslmode=verify_full");
        assert!(e.contains("unknown sslmode `verify_full`"), "{e}");
        assert!(e.contains("verify-full"), "{e}");
        assert!(error("host=h sslmode=allow").contains("sslmode=allow is not supported"));
    }

    #[test]
    fn an_unreadable_sslrootcert_is_an_error_at_startup() {
        let e = error("postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem");
        assert!(e.contains("cannot read sslrootcert /nonexistent/ca.pem"), "{e}");
        let e = error("postgres://h/db?sslrootcert=system&sslmode=require");
        assert!(e.contains("sslrootcert=system needs sslmode=verify-full"), "{e}");
    }

    #[test]
    fn modes_map_to_what_the_driver_asks_for() {
        use tokio_postgres::config::SslMode as Driver;
        for (query, mode, driver) in [
            ("", SslMode::Prefer, Driver::Prefer),
            ("?sslmode=disable", SslMode::Disable, Driver::Disable),
            ("?sslmode=prefer", SslMode::Prefer, Driver::Prefer),
            ("?sslmode=require", SslMode::Require, Driver::Require),
        ] {
            let (config, tls) = connect_config(&format!("postgres://h/db{query}"))
                .unwrap_or_else(|e| panic!("{query}: {e}"));
            assert_eq!(tls.mode(), mode, "{query}");
            assert_eq!(config.get_ssl_mode(), driver, "{query}");
        }
    }
}
