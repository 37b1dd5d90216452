//! `sqlite::memory:` serves like a file database, and leaves nothing behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use roster_testkit::{Backend, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_database_serves_the_api_and_is_gone_after_stop() {
    let before = memory_files();
    let server = TestServer::builder(Backend::Sqlite).database_url("sqlite::memory:").start().await;
    let created = server.create_user(json!({ "email": "m@example.com" })).await;
    let listed = server.get("/v1/users?search=m%40example").await.json();
    assert_eq!(listed["data"][0]["id"], created["id"]);
    assert_eq!(listed["total_count"], 1);
    server.stop().await;
    assert_eq!(memory_files(), before, "the private file of sqlite::memory: is removed on stop");
}

fn memory_files() -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("roster-memory-"))
        })
        .collect();
    found.sort();
    found
}
