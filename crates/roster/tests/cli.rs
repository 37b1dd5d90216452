//! The command line: `migrate`, `keys create|list|revoke`, `openapi`, and a
//! bad bootstrap key stopping `serve` with a clear message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Command;

use support::roster;

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
