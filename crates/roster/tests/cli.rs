//! The command line: `migrate`, `keys create|list|revoke`, `openapi`,
//! `completions` and `man`, the product flags filling `/docs`, and a bad
//! bootstrap key stopping `serve` with a clear message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Command;

use support::{Node, roster};

#[test]
fn keys_are_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let migrate = roster(&["migrate"], &db);
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    assert!(dir.path().join("cli.db").exists());

    let created = roster(&["keys", "create", "--name", "ci", "--scope", "users:read"], &db);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let key: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(key["name"], "ci");
    assert_eq!(key["scopes"], serde_json::json!(["users:read"]));
    assert!(key["key"].as_str().unwrap().starts_with("rk_live_"));
    let id = key["id"].as_str().unwrap().to_owned();

    let listed = roster(&["keys", "list"], &db);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains(&id), "{text}");
    assert!(!text.contains(key["key"].as_str().unwrap()), "secrets are never listed");

    let revoked = roster(&["keys", "revoke", &id], &db);
    assert!(revoked.status.success());
    let listed = roster(&["keys", "list"], &db);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&id));
    assert!(!roster(&["keys", "revoke", &id], &db).status.success(), "revoking twice fails");
}

#[test]
fn roster_openapi_prints_the_checked_in_document() {
    let out = roster(&["openapi"], "sqlite::memory:");
    assert!(out.status.success());
    let on_disk = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), on_disk);
}

#[test]
fn a_bootstrap_key_of_the_wrong_length_stops_the_server_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", "sqlite::memory:"])
        .env("ROSTER_BOOTSTRAP_API_KEY", "too-short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ROSTER_BOOTSTRAP_API_KEY must be 20-256 characters"), "{stderr}");
}

#[tokio::test]
async fn the_product_flags_fill_the_docs_page_like_the_seed_template() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("docs.db").display());
    let node = Node::start_with(
        &db,
        &[
            ("ROSTER_PRODUCT_NAME", "DataFlow"),
            ("ROSTER_PRODUCT_VERSION", "2.1"),
            ("ROSTER_RELEASE_DATE", "2026-12-01"),
        ],
    )
    .await;
    let page = node.client.get(format!("{}/docs", node.base)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>DataFlow 2.1 — Users API</title>"), "{}", &html[..300]);
    assert!(html.contains("The DataFlow 2.1 Users API lets you"));
    assert!(html.contains("DataFlow 2.1 — Released 2026-12-01"));
    // Unset: the binary's own name and version, and no release line.
    let plain = Node::start(&format!("sqlite://{}", dir.path().join("plain.db").display())).await;
    let html = plain
        .client
        .get(format!("{}/docs", plain.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("Roster {}", env!("CARGO_PKG_VERSION"))));
    assert!(!html.contains("Released"));
}

#[test]
fn a_release_date_that_is_not_a_date_stops_the_server() {
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", "sqlite::memory:"])
        .args(["--release-date", "December 1st"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn completions_and_the_man_page_are_printed_for_installing() {
    let bash = roster(&["completions", "bash"], "sqlite::memory:");
    assert!(bash.status.success());
    let text = String::from_utf8_lossy(&bash.stdout);
    assert!(text.contains("complete -F") && text.contains("roster"), "{text}");
    let man = roster(&["man"], "sqlite::memory:");
    assert!(man.status.success());
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH roster 1"));
    assert!(!roster(&["completions", "cmd.exe"], "sqlite::memory:").status.success());
}
