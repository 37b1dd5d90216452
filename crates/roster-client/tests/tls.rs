//! The SDK reaches `https://` servers: it speaks TLS (rustls on ring) on
//! its own, not only when another crate of the program enables reqwest's
//! TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use roster_client::Client;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn an_https_base_url_is_spoken_to_in_tls() {
    // A listener that records the first byte a client sends: 0x16 opens a
    // TLS handshake record; a client without TLS refuses the URL and
    // sends nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.unwrap();
        byte[0]
    });
    let client = Client::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .api_key("rk_tls_0123456789abcdef")
        .max_retries(0)
        .build()
        .unwrap();
    let outcome = client.users().retrieve("user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert!(outcome.is_err(), "no server answered");
    let byte =
        tokio::time::timeout(std::time::Duration::from_secs(5), first).await.unwrap().unwrap();
    assert_eq!(byte, 0x16, "a TLS ClientHello");
}

#[test]
fn the_sdk_asks_reqwest_for_tls_itself() {
    // The test above passes in this workspace even without the feature
    // (roster-webhooks enables it in the same build); the manifest is what
    // a program depending on the SDK alone gets.
    let manifest = include_str!("../Cargo.toml");
    let line = manifest.lines().find(|l| l.starts_with("reqwest")).expect("a reqwest dependency");
    assert!(line.contains("rustls"), "{line}");
}
