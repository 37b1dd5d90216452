//! Response headers that keep browsers and caches from mishandling what
//! Roster answers: no content sniffing anywhere, no caching of `/v1`
//! responses (they carry personal data, and key secrets), and a
//! Content-Security-Policy on `/docs` that allows nothing but its own
//! inline stylesheet; on `/console`, one that allows the console's own
//! files and calls to this origin only (no inline script or style, no
//! framing, no third party).

use std::sync::LazyLock;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderName, HeaderValue, header};
use sha2::Digest;

/// `/docs` has no script and fetches nothing: its one `<style>` element is
/// allowed by hash, everything else is refused.
static DOCS_CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = STANDARD.encode(sha2::Sha256::digest(crate::docs::STYLE.as_bytes()));
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'none'"))
});

/// The console loads its own scripts, styles and icon and calls this
/// origin's API; nothing inline, nothing from elsewhere, never framed.
const CONSOLE_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'",
);

/// Outermost layer of every router, so errors, 404s and 405s carry the
/// headers too.
pub async fn headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let personal = path == "/v1" || path.starts_with("/v1/");
    let docs = path == "/docs";
    let console = path == "/console" || path.starts_with("/console/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(header::CONTENT_SECURITY_POLICY, DOCS_CSP.clone());
    }
    if console {
        headers.insert(header::CONTENT_SECURITY_POLICY, CONSOLE_CSP);
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}
