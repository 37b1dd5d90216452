//! Discovery (RFC 7644 §4): what this service provider supports, its
//! resource types and its schemas. Everything here is the published
//! schema data (`roster_scim::schema`) with each document's `meta`.

use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use roster_scim::ScimError;
use roster_scim::schema::{self, ENTERPRISE, GROUP, LIST, ROSTER, USER};
use roster_service::scim::SCIM_SCAN_MAX;

use super::{ScimResult, base_url, scim_response};
use crate::AppState;

pub async fn service_provider_config(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let base = base_url(&state, &uri);
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": format!("{}/docs", state.inner.config.public_url.trim_end_matches('/')),
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": super::bulk::MAX_OPERATIONS,
            "maxPayloadSize": crate::body::MAX_BODY_BYTES,
        },
        "filter": {"supported": true, "maxResults": 1000},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API key",
            "description": format!("A Roster API key with the scim scope, as `Authorization: Bearer <key>`. A filter no index answers looks at {SCIM_SCAN_MAX} users at most."),
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    });
    scim_response(StatusCode::OK, &body)
}

fn user_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A Roster user of the zone",
        "schema": USER,
        "schemaExtensions": [
            {"schema": ENTERPRISE, "required": false},
            {"schema": ROSTER, "required": false},
        ],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })
}

fn group_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A Roster role of the zone; its members hold it for the whole zone",
        "schema": GROUP,
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
    })
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

pub async fn resource_types(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let base = base_url(&state, &uri);
    scim_response(StatusCode::OK, &list(vec![user_type(&base), group_type(&base)]))
}

pub async fn resource_type(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(params): Path<Vec<(String, String)>>,
) -> ScimResult<Response> {
    let base = base_url(&state, &uri);
    let found = match last(&params) {
        "User" => user_type(&base),
        "Group" => group_type(&base),
        id => return Err(ScimError::not_found(format!("no resource type {id}")).into()),
    };
    Ok(scim_response(StatusCode::OK, &found))
}

fn with_meta(schema: &Value, base: &str) -> Value {
    let mut s = schema.clone();
    if let Some(map) = s.as_object_mut() {
        let id = map.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        map.insert("schemas".into(), json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"]));
        map.insert(
            "meta".into(),
            json!({"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")}),
        );
    }
    s
}

/// The schemas a resource type uses: `/Schemas` lists no others.
fn published() -> impl Iterator<Item = &'static Value> {
    [USER, ENTERPRISE, ROSTER, GROUP].into_iter().filter_map(schema::by_id)
}

pub async fn schemas(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Response {
    let base = base_url(&state, &uri);
    scim_response(StatusCode::OK, &list(published().map(|s| with_meta(s, &base)).collect()))
}

pub async fn schema(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(params): Path<Vec<(String, String)>>,
) -> ScimResult<Response> {
    let id = last(&params);
    let found = published().find(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)));
    let found = found.ok_or_else(|| ScimError::not_found(format!("no schema {id}")))?;
    Ok(scim_response(StatusCode::OK, &with_meta(found, &base_url(&state, &uri))))
}

/// The last path parameter (after an optional `{zone}`).
fn last(params: &[(String, String)]) -> &str {
    params.last().map(|(_, v)| v.as_str()).unwrap_or("")
}
