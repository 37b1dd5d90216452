//! Helpers shared by the conformance tests.

#![allow(dead_code)]

use serde_json::{Value, json};

use roster_testkit::TestServer;

/// Creates `n` users with predictable emails `prefix-000@example.com`...
pub async fn seed_users(server: &TestServer, prefix: &str, n: usize) -> Vec<Value> {
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        users.push(
            server
                .create_user(json!({
                    "email": format!("{prefix}-{i:03}@example.com"),
                    "first_name": format!("First{i:03}"),
                    "last_name": format!("Last{i:03}"),
                }))
                .await,
        );
    }
    users
}

/// The ids of a list page's `data`.
pub fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}
