//! Promises schemathesis (`scripts/schemathesis`) held the server to.

use serde_json::json;

use roster_testkit::TestServer;

use crate::support::{create_zone, id_of, invalid_body};

/// A role assignment on a user that does not exist (never created, deleted,
/// or in a zone that is gone) answers 404, whatever role or scope its body
/// names: the path is judged before the body's references, as everywhere.
pub async fn a_role_assignment_on_a_missing_user_answers_404_before_its_body_is_judged(
    server: &TestServer,
) {
    assert_eq!(server.post("/v1/roles", json!({"identifier": "admin"})).await.status, 201);
    let user = id_of(&server.create_user(json!({"email": "gone@example.com"})).await);
    assert_eq!(server.delete(&format!("/v1/users/{user}")).await.status, 204);
    let never = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    for id in [user.as_str(), never] {
        let path = format!("/v1/users/{id}/role-assignments");
        for body in [
            json!({"role_identifier": "admin"}),
            json!({"role_identifier": "no-such-role"}),
            json!({"role_id": "role_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            json!({"role_identifier": "admin", "scope": {"type": "zone", "id": "no-such-zone"}}),
        ] {
            let r = server.post(&path, body.clone()).await;
            assert_eq!(r.status, 404, "{path} {body}: {}", r.text());
            assert_eq!(r.json()["code"], "not_found");
        }
    }
    // A zone that is gone takes its users with it: 404 as well.
    let zone = create_zone(server, "brief").await;
    let zone_id = zone["id"].as_str().unwrap();
    assert_eq!(server.delete(&format!("/v1/zones/{zone_id}")).await.status, 204);
    let path = format!("/v1/zones/{zone_id}/users/{never}/role-assignments");
    let r = server.post(&path, json!({"role_identifier": "admin"})).await;
    assert_eq!(r.status, 404, "{}", r.text());
    // An existing user still hears which reference of the body is wrong.
    let user = id_of(&server.create_user(json!({"email": "here@example.com"})).await);
    let path = format!("/v1/users/{user}/role-assignments");
    invalid_body(
        &server.post(&path, json!({"role_identifier": "no-such-role"})).await,
        "role_identifier",
    );
    let body = json!({"role_identifier": "admin", "scope": {"type": "zone", "id": "no-such-zone"}});
    invalid_body(&server.post(&path, body).await, "scope.id");
}
