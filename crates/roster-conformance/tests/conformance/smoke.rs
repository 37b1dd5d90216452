use serde_json::json;

use roster_testkit::TestServer;

pub async fn the_server_answers_health_and_serves_a_created_user(server: &TestServer) {
    let health = server.get("/healthz").await;
    assert_eq!(health.status, 200);
    let user = server.create_user(json!({"email": "jane@example.com"})).await;
    let id = user["id"].as_str().unwrap();
    let fetched = server.get(&format!("/v1/users/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json()["email"], "jane@example.com");
}
