//! The cross-tenant matrix: a key with every scope but limited to its own
//! zone calls every id-bearing route, with every method, on another zone's
//! ids. Each call answers 404 `not_found`, byte for byte what an id that
//! never existed answers, with none of the other zone's data in it, and
//! nothing anywhere changes. The matrix is one table (`ROUTES`), held to the
//! served OpenAPI document so that a new route without a row fails here.

use std::collections::BTreeSet;

use serde_json::Value;

use roster_testkit::TestServer;

use crate::support::problem;
use crate::tenant_world::{Tenant, assert_unchanged, snapshot, tenant};

/// Every id-bearing (method, route template) of the API, with a valid body
/// for writes (so a 404 is about the id, not the body). Templates are the
/// OpenAPI paths; placeholders are filled by `fill`. `{own_role}` in a body
/// is always the caller's own role: the body names something the caller may
/// use, only the path's ids belong to the other zone.
pub const ROUTES: &[(&str, &str, Option<&str>)] = &[
    ("GET", "/v1/users/{id}", None),
    ("PATCH", "/v1/users/{id}", Some(r#"{"first_name": "Hijacked"}"#)),
    ("DELETE", "/v1/users/{id}", None),
    ("GET", "/v1/users/{id}/role-assignments", None),
    ("POST", "/v1/users/{id}/role-assignments", Some(r#"{"role_identifier": "{own_role}"}"#)),
    ("GET", "/v1/users/{id}/role-assignments/{ra}", None),
    ("DELETE", "/v1/users/{id}/role-assignments/{ra}", None),
    ("GET", "/v1/users/{id}/sessions", None),
    ("POST", "/v1/users/{id}/sessions", Some("{}")),
    ("GET", "/v1/users/{id}/sessions/{sess}", None),
    ("DELETE", "/v1/users/{id}/sessions/{sess}", None),
    ("GET", "/v1/users/{id}/grants", None),
    ("POST", "/v1/users/{id}/grants", Some(GRANT)),
    ("GET", "/v1/users/{id}/grants/{grant}", None),
    ("DELETE", "/v1/users/{id}/grants/{grant}", None),
    ("GET", "/v1/roles/{role}", None),
    ("PATCH", "/v1/roles/{role}", Some(r#"{"name": "Hijacked"}"#)),
    ("DELETE", "/v1/roles/{role}", None),
    ("GET", "/v1/providers/{idp}", None),
    ("PATCH", "/v1/providers/{idp}", Some(r#"{"issuer": "https://evil.example"}"#)),
    ("DELETE", "/v1/providers/{idp}", None),
    ("POST", "/v1/providers/{idp}/sign-ins", Some(SIGN_IN)),
    ("GET", "/v1/api-keys/{id}", None),
    ("DELETE", "/v1/api-keys/{id}", None),
    ("GET", "/v1/zones/{zone}", None),
    ("PATCH", "/v1/zones/{zone}", Some(r#"{"name": "Hijacked"}"#)),
    ("DELETE", "/v1/zones/{zone}", None),
    ("GET", "/v1/zones/{zone}/users", None),
    ("POST", "/v1/zones/{zone}/users", Some(r#"{"email": "intruder@example.com"}"#)),
    ("GET", "/v1/zones/{zone}/users/{id}", None),
    ("PATCH", "/v1/zones/{zone}/users/{id}", Some(r#"{"first_name": "Hijacked"}"#)),
    ("DELETE", "/v1/zones/{zone}/users/{id}", None),
    ("GET", "/v1/zones/{zone}/users/{id}/role-assignments", None),
    (
        "POST",
        "/v1/zones/{zone}/users/{id}/role-assignments",
        Some(r#"{"role_identifier": "{own_role}"}"#),
    ),
    ("GET", "/v1/zones/{zone}/users/{id}/role-assignments/{ra}", None),
    ("DELETE", "/v1/zones/{zone}/users/{id}/role-assignments/{ra}", None),
    ("GET", "/v1/zones/{zone}/users/{id}/sessions", None),
    ("POST", "/v1/zones/{zone}/users/{id}/sessions", Some("{}")),
    ("GET", "/v1/zones/{zone}/users/{id}/sessions/{sess}", None),
    ("DELETE", "/v1/zones/{zone}/users/{id}/sessions/{sess}", None),
    ("GET", "/v1/zones/{zone}/users/{id}/grants", None),
    ("POST", "/v1/zones/{zone}/users/{id}/grants", Some(GRANT)),
    ("GET", "/v1/zones/{zone}/users/{id}/grants/{grant}", None),
    ("DELETE", "/v1/zones/{zone}/users/{id}/grants/{grant}", None),
    ("GET", "/v1/zones/{zone}/roles", None),
    ("POST", "/v1/zones/{zone}/roles", Some(r#"{"identifier": "intruder"}"#)),
    ("GET", "/v1/zones/{zone}/roles/{role}", None),
    ("PATCH", "/v1/zones/{zone}/roles/{role}", Some(r#"{"name": "Hijacked"}"#)),
    ("DELETE", "/v1/zones/{zone}/roles/{role}", None),
    ("GET", "/v1/zones/{zone}/providers", None),
    (
        "POST",
        "/v1/zones/{zone}/providers",
        Some(r#"{"identifier": "intruder", "issuer": "https://evil.example"}"#),
    ),
    ("GET", "/v1/zones/{zone}/providers/{idp}", None),
    ("PATCH", "/v1/zones/{zone}/providers/{idp}", Some(r#"{"issuer": "https://evil.example"}"#)),
    ("DELETE", "/v1/zones/{zone}/providers/{idp}", None),
    ("POST", "/v1/zones/{zone}/providers/{idp}/sign-ins", Some(SIGN_IN)),
    ("POST", "/v1/zones/{zone}/users/batch", Some(BATCH)),
    ("GET", "/v1/webhook-endpoints/{id}", None),
    ("PATCH", "/v1/webhook-endpoints/{id}", Some(r#"{"enabled": false}"#)),
    ("DELETE", "/v1/webhook-endpoints/{id}", None),
    ("POST", "/v1/webhook-endpoints/{id}/rotate-secret", Some("{}")),
    ("GET", "/v1/webhook-endpoints/{id}/deliveries", None),
    ("POST", "/v1/webhook-endpoints/{id}/deliveries/{delivery}/retry", Some("{}")),
];

const BATCH: &str =
    r#"{"operations": [{"op": "create", "body": {"email": "intruder@example.com"}}]}"#;

/// Routes of organization-wide resources (webhook endpoints): a key limited
/// to a zone may not use them at all, so every call, whatever ids it names,
/// answers the same 403 `insufficient_scope`; nothing tells an id that
/// exists from one that never did.
const ORG_WIDE: &str = "/v1/webhook-endpoints";

const GRANT: &str = r#"{"client_id": "intruder", "resource": "all", "scopes": ["read"]}"#;
const SIGN_IN: &str = r#"{"subject": "intruder", "claims": {"email": "intruder@example.com"}}"#;

/// Ids of the right shapes that no resource ever had.
fn never_existed() -> Tenant {
    let ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    Tenant {
        zone_id: format!("zone_{ulid}"),
        zone_identifier: "never-existed".into(),
        user: format!("user_{ulid}"),
        email: "never@example.com".into(),
        role_id: format!("role_{ulid}"),
        role_identifier: "never-existed".into(),
        assignment: format!("ra_{ulid}"),
        session: format!("sess_{ulid}"),
        grant: format!("grant_{ulid}"),
        provider_id: format!("idp_{ulid}"),
        provider_identifier: "never-existed".into(),
        resident_key: format!("key_{ulid}"),
        caller: String::new(),
    }
}

/// Which tenant fills each placeholder of a template.
#[derive(Clone, Copy)]
struct Fill<'a> {
    zone: &'a Tenant,
    user: &'a Tenant,
    child: &'a Tenant,
    /// Zones, roles and providers by identifier instead of id.
    by_identifier: bool,
}

fn fill(template: &str, f: Fill<'_>) -> String {
    let pick =
        |id: &str, ident: &str| if f.by_identifier { ident.to_owned() } else { id.to_owned() };
    // `{id}` is the user, except under /v1/api-keys where it is the key and
    // under the organization-wide routes, whose ids no zone holds.
    let endpoint = "we_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned();
    let id = if template.starts_with("/v1/api-keys") {
        &f.user.resident_key
    } else if template.starts_with(ORG_WIDE) {
        &endpoint
    } else {
        &f.user.user
    };
    template
        .replace("{zone}", &pick(&f.zone.zone_id, &f.zone.zone_identifier))
        .replace("{id}", id)
        .replace("{role}", &pick(&f.child.role_id, &f.child.role_identifier))
        .replace("{idp}", &pick(&f.child.provider_id, &f.child.provider_identifier))
        .replace("{ra}", &f.child.assignment)
        .replace("{sess}", &f.child.session)
        .replace("{grant}", &f.child.grant)
        .replace("{delivery}", "whd_01ARZ3NDEKTSV4RRFFQ69G5FAV")
}

/// The ways a caller of zone `own` can point a row at zone `theirs`.
fn variants<'a>(
    template: &str,
    own: &'a Tenant,
    theirs: &'a Tenant,
) -> Vec<(&'static str, Fill<'a>)> {
    let all = |t| Fill { zone: t, user: t, child: t, by_identifier: false };
    let mut out = vec![("their ids", all(theirs))];
    let named = ["{zone}", "{role}", "{idp}"].iter().any(|p| template.contains(p));
    if named {
        out.push(("their identifiers", Fill { by_identifier: true, ..all(theirs) }));
    }
    let zoned = template.contains("{zone}");
    if zoned && template.matches('{').count() > 1 {
        out.push(("my zone, their ids", Fill { zone: own, ..all(theirs) }));
    }
    let child = ["{ra}", "{sess}", "{grant}"].iter().any(|p| template.contains(p));
    if child {
        out.push(("my zone and user, their child", Fill { child: theirs, ..all(own) }));
    }
    out
}

async fn call(
    server: &TestServer,
    caller: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    own: &Tenant,
) -> roster_testkit::Resp {
    let body = body.map(|b| {
        serde_json::from_str::<Value>(&b.replace("{own_role}", &own.role_identifier))
            .unwrap_or_else(|e| panic!("matrix body {b}: {e}"))
    });
    server.call_as(caller, method, path, body).await
}

/// Runs every row, every variant, from `own`'s caller at `theirs`.
async fn matrix(server: &TestServer, own: &Tenant, theirs: &Tenant) -> usize {
    let missing = never_existed();
    let mut calls = 0;
    for &(method, template, body) in ROUTES {
        for (variant, f) in variants(template, own, theirs) {
            let path = fill(template, f);
            let context = format!("{method} {template} ({variant}): {path}");
            let r = call(server, &own.caller, method, &path, body, own).await;
            let (status, code) = if template.starts_with(ORG_WIDE) {
                (403, "insufficient_scope")
            } else {
                (404, "not_found")
            };
            let p = problem(&r, status, code);
            let text = r.text();
            for secret in theirs.secrets() {
                assert!(!text.contains(secret), "{context} leaks {secret:?}: {text}");
            }
            // The same row, with ids that never existed where theirs were.
            let gone = Fill {
                zone: if std::ptr::eq(f.zone, theirs) { &missing } else { f.zone },
                user: if std::ptr::eq(f.user, theirs) { &missing } else { f.user },
                child: if std::ptr::eq(f.child, theirs) { &missing } else { f.child },
                by_identifier: f.by_identifier,
            };
            let never = call(server, &own.caller, method, &fill(template, gone), body, own).await;
            problem(&never, status, code);
            assert_eq!(
                p,
                never.json(),
                "{context}: another zone's id answers unlike a missing one"
            );
            calls += 2;
        }
    }
    calls
}

/// The caller's own ids do work on every read: the 404s above are about
/// whose ids they are, not a key that can do nothing. (Organization-wide
/// routes are no zone's: a zone's key reads none of them.)
async fn reads_of_own_ids_succeed(server: &TestServer, own: &Tenant) {
    let zone_reads = ROUTES.iter().filter(|(m, t, _)| *m == "GET" && !t.starts_with(ORG_WIDE));
    for &(method, template, _) in zone_reads {
        for by_identifier in [false, true] {
            let path = fill(template, Fill { zone: own, user: own, child: own, by_identifier });
            let r = server.call_as(&own.caller, method, &path, None).await;
            assert_eq!(r.status, 200, "GET {path} with the zone's own key: {}", r.text());
        }
    }
}

pub async fn cross_tenant_calls_on_every_id_bearing_route_answer_404_like_a_missing_id_and_change_nothing(
    server: &TestServer,
) {
    let a = tenant(server, "tenant-a").await;
    let b = tenant(server, "tenant-b").await;
    reads_of_own_ids_succeed(server, &a).await;
    reads_of_own_ids_succeed(server, &b).await;
    let before = (snapshot(server, &a).await, snapshot(server, &b).await);
    let calls = matrix(server, &a, &b).await + matrix(server, &b, &a).await;
    // Every row ran in at least its main variant, both ways.
    assert!(calls >= ROUTES.len() * 2 * 2, "only {calls} calls");
    println!("cross-tenant matrix: {} rows, {calls} calls, every one 404", ROUTES.len());
    assert_unchanged(&before.0, &snapshot(server, &a).await);
    assert_unchanged(&before.1, &snapshot(server, &b).await);
    // And the other zone's resources still answer their own key.
    reads_of_own_ids_succeed(server, &b).await;
}

pub async fn the_cross_tenant_matrix_covers_every_id_bearing_route_of_the_openapi_document(
    server: &TestServer,
) {
    let r = server.get("/openapi.json").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    let paths = doc["paths"].as_object().unwrap_or_else(|| panic!("no paths in {doc}"));
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        if !path.contains('{') {
            continue;
        }
        for method in ["get", "put", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    let rows: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(rows.len(), ROUTES.len(), "a row is listed twice");
    let unmatrixed: Vec<_> = documented.difference(&rows).collect();
    assert!(unmatrixed.is_empty(), "id-bearing routes without a cross-tenant row: {unmatrixed:?}");
    let undocumented: Vec<_> = rows.difference(&documented).collect();
    assert!(undocumented.is_empty(), "rows that are not routes of the document: {undocumented:?}");
    assert!(!documented.is_empty(), "the document has no id-bearing routes");
}
