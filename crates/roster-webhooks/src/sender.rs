//! The outbound side: POSTing a signed delivery under the address policy.
//!
//! Every address a host resolves to is checked, and the connection goes
//! only to checked addresses (the resolver below is the client's, so a
//! second lookup cannot answer differently: DNS rebinding). An address
//! written in the URL is checked before anything is sent. Redirects are
//! not followed: a 3xx is a failed delivery, not a way around the policy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Client, Url};

use crate::address::refused_because;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why there is no status (refused address, timeout, connection).
    pub error: Option<String>,
    pub duration: Duration,
}

impl Outcome {
    /// A 2xx answer within the timeout.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Resolves with the system resolver and drops refused addresses; no
/// address left is an error naming why.
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = checked(&found, allow_private).map_err(|why| format!("{host}: {why}"))?;
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The addresses the policy lets through, or why none is.
fn checked(found: &[SocketAddr], allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    if allow_private {
        return Ok(found.to_vec());
    }
    let kept: Vec<SocketAddr> =
        found.iter().copied().filter(|a| refused_because(a.ip()).is_none()).collect();
    match (kept.is_empty(), found.first()) {
        (false, _) => Ok(kept),
        (true, Some(a)) => Err(format!(
            "resolves to a {} address ({}), which webhooks may not reach",
            refused_because(a.ip()).unwrap_or("refused"),
            a.ip()
        )),
        (true, None) => Err("resolves to no address".into()),
    }
}

/// Checks where a URL points, as it is set: its host must resolve, and
/// (unless private addresses are allowed) only to public addresses.
pub async fn check_destination(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| format!("is not a valid URL ({e})"))?;
    let host = parsed.host_str().ok_or("must name a host")?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return checked(&[SocketAddr::new(ip, port)], allow_private).map(drop);
    }
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("host {host} does not resolve ({e})"))?
        .collect();
    checked(&found, allow_private).map(drop)
}

/// Sends deliveries. One per process: it holds the connection pool.
#[derive(Clone)]
pub struct Sender {
    client: Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Self, String> {
        // Webhook URLs may be https: rustls on ring, as the PostgreSQL
        // connection uses (no OpenSSL, no cmake).
        // ring is deprecated for lacking post-quantum key exchange; it is
        // what the PostgreSQL link uses too (see roster-store-postgres tls.rs).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would resolve and connect past
            // the address policy.
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver { allow_private }))
            .user_agent(concat!("Roster-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("building the webhook client: {e}"))?;
        Ok(Self { client, allow_private })
    }

    /// POSTs `body` with the Standard Webhooks headers.
    pub async fn post(
        &self,
        url: &str,
        id: &str,
        timestamp: i64,
        signature: &str,
        body: Vec<u8>,
    ) -> Outcome {
        let start = Instant::now();
        let failed =
            |error: String| Outcome { status: None, error: Some(error), duration: start.elapsed() };
        let Ok(parsed) = Url::parse(url) else {
            return failed("the URL does not parse".into());
        };
        if let Some(host) = parsed.host_str()
            && let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>()
            && let Err(why) = checked(&[SocketAddr::new(ip, 0)], self.allow_private)
        {
            return failed(format!("{ip}: {why}"));
        }
        let sent = self
            .client
            .post(parsed)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                // The body is not kept; reading it frees the connection.
                let _ = response.bytes().await;
                Outcome { status: Some(status), error: None, duration: start.elapsed() }
            }
            Err(e) if e.is_timeout() => failed("timed out".into()),
            Err(e) => failed(error_chain(&e)),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_loopback_destination_is_refused_unless_private_addresses_are_allowed() {
        let why = check_destination("http://127.0.0.1:9/hook", false).await.unwrap_err();
        assert!(why.contains("loopback"), "{why}");
        assert!(check_destination("http://127.0.0.1:9/hook", true).await.is_ok());
        let why = check_destination("http://[::1]:9/", false).await.unwrap_err();
        assert!(why.contains("loopback"), "{why}");
        let why = check_destination("http://localhost:9/", false).await.unwrap_err();
        assert!(why.contains("loopback"), "{why}");
        let why = check_destination("http://169.254.169.254/latest", false).await.unwrap_err();
        assert!(why.contains("link-local"), "{why}");
    }

    #[tokio::test]
    async fn a_delivery_to_a_refused_address_fails_without_being_sent() {
        let sender = Sender::new(Duration::from_secs(2), false).unwrap();
        let out = sender.post("http://127.0.0.1:9/", "evt_x", 1, "v1,x", b"{}".to_vec()).await;
        assert_eq!(out.status, None);
        assert!(out.error.as_deref().unwrap_or_default().contains("loopback"), "{out:?}");
        let out = sender.post("http://localhost:9/", "evt_x", 1, "v1,x", b"{}".to_vec()).await;
        assert!(out.error.as_deref().unwrap_or_default().contains("loopback"), "{out:?}");
    }
}
