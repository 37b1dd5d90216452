//! Two zones, each holding one of every id-bearing resource, for the
//! cross-tenant matrix: what exists, how to name it, and a snapshot of
//! everything a zone holds, read with the org-wide key.

use serde_json::{Value, json};

use roster_testkit::TestServer;

use crate::support::{create_zone, get_ok, key};

/// One zone's resources, by id and (where the API takes one) identifier.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub zone_id: String,
    pub zone_identifier: String,
    pub user: String,
    pub email: String,
    pub role_id: String,
    pub role_identifier: String,
    pub assignment: String,
    pub session: String,
    pub grant: String,
    pub provider_id: String,
    pub provider_identifier: String,
    /// An API key limited to this zone: a resource, never used to call.
    pub resident_key: String,
    /// A key with every scope, limited to this zone: the caller.
    pub caller: String,
}

impl Tenant {
    /// Every string that would betray this tenant's data in another
    /// tenant's response.
    pub fn secrets(&self) -> Vec<&str> {
        vec![
            &self.zone_id,
            &self.zone_identifier,
            &self.user,
            &self.email,
            &self.role_id,
            &self.role_identifier,
            &self.assignment,
            &self.session,
            &self.grant,
            &self.provider_id,
            &self.provider_identifier,
            &self.resident_key,
        ]
    }
}

async fn created(server: &TestServer, path: &str, body: Value) -> Value {
    let r = server.post(path, body.clone()).await;
    assert!(r.status == 201, "POST {path} {body}: {} {}", r.status, r.text());
    r.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// Builds a zone `identifier` holding a provider, a user signed in through
/// it (the provider link and a first session), a role assigned to that user,
/// a second session, a grant, and a key limited to the zone; and a caller
/// key holding every scope but limited to the zone.
pub async fn tenant(server: &TestServer, identifier: &str) -> Tenant {
    let zone_id = id(&create_zone(server, identifier).await);
    let base = format!("/v1/zones/{zone_id}");
    // Identifiers unique to the zone, so that naming another zone's role or
    // provider by identifier cannot land on a namesake of one's own.
    let role_identifier = format!("role-of-{identifier}");
    let provider_identifier = format!("idp-of-{identifier}");
    let email = format!("resident@{identifier}.example.com");
    let provider = created(
        server,
        &format!("{base}/providers"),
        json!({"identifier": provider_identifier, "issuer": format!("https://{identifier}.example.com")}),
    )
    .await;
    let signed = created(
        server,
        &format!("{base}/providers/{provider_identifier}/sign-ins"),
        json!({"subject": format!("sub-{identifier}"), "claims": {"email": email}}),
    )
    .await;
    let user = id(&signed["user"]);
    assert_eq!(signed["user"]["provider_id"], json!(id(&provider)), "the sign-in links the user");
    let role =
        created(server, &format!("{base}/roles"), json!({"identifier": role_identifier})).await;
    let assignment = created(
        server,
        &format!("{base}/users/{user}/role-assignments"),
        json!({"role_id": id(&role)}),
    )
    .await;
    let session = created(server, &format!("{base}/users/{user}/sessions"), json!({})).await;
    let grant = created(
        server,
        &format!("{base}/users/{user}/grants"),
        json!({"client_id": "client", "resource": "resource", "scopes": ["read"]}),
    )
    .await;
    let (_, resident_key) = key(server, &["users:read"], Some(&[zone_id.as_str()])).await;
    let (caller, _) = key(server, &["admin"], Some(&[zone_id.as_str()])).await;
    Tenant {
        zone_id,
        zone_identifier: identifier.to_owned(),
        user,
        email,
        role_id: id(&role),
        role_identifier,
        assignment: id(&assignment),
        session: id(&session),
        grant: id(&grant),
        provider_id: id(&provider),
        provider_identifier,
        resident_key,
        caller,
    }
}

/// Everything a zone holds, as the org-wide key reads it: the zone, its
/// users (with assignments and live counts), roles, providers, the user's
/// assignments, sessions and grants, the zone's resident key, and the
/// organization's zone list (a created or deleted zone shows there).
pub async fn snapshot(server: &TestServer, t: &Tenant) -> Vec<(String, Value)> {
    let z = &t.zone_id;
    let u = &t.user;
    let paths = [
        format!("/v1/zones/{z}"),
        format!(
            "/v1/zones/{z}/users?limit=1000&expand[]=role_assignments&expand[]=session_count&expand[]=grant_count"
        ),
        format!("/v1/zones/{z}/roles?limit=1000"),
        format!("/v1/zones/{z}/providers?limit=1000"),
        format!("/v1/zones/{z}/users/{u}/role-assignments?limit=1000"),
        format!("/v1/zones/{z}/users/{u}/sessions?limit=1000"),
        format!("/v1/zones/{z}/users/{u}/grants?limit=1000"),
        format!("/v1/api-keys/{}", t.resident_key),
        "/v1/zones?limit=1000".to_owned(),
    ];
    let mut out = Vec::new();
    for path in paths {
        let body = get_ok(server, &path).await;
        out.push((path, body));
    }
    out
}

/// Asserts two snapshots are equal, naming the first read that differs.
pub fn assert_unchanged(before: &[(String, Value)], after: &[(String, Value)]) {
    for ((path, b), (_, a)) in before.iter().zip(after) {
        assert_eq!(b, a, "GET {path} changed under calls that all answered 404");
    }
}
