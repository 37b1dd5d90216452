//! `POST /Bulk` (RFC 7644 §3.7): up to `MAX_OPERATIONS` operations on
//! Users and Groups, run in order, each exactly as its own request would
//! run (the same routes, called in-process with the caller's key), with
//! `bulkId:` references to resources created earlier in the request
//! replaced by their ids, and `failOnErrors` stopping after that many
//! errors. Operations are not one transaction: each is applied (or
//! refused) on its own, as RFC 7644 describes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{OriginalUri, Request};
use axum::response::Response;
use http::{HeaderValue, Method, StatusCode, Uri, header};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use roster_scim::ScimError;
use roster_scim::schema::{BULK_REQUEST, BULK_RESPONSE};
use roster_service::Principal;

use super::{SCIM_JSON, ScimResult, json_body, scim_response};
use crate::AppState;
use crate::body::Payload;

pub const MAX_OPERATIONS: usize = 1000;
/// The largest response of one operation read back (a group's members).
const OPERATION_RESPONSE_MAX: usize = 4 * 1024 * 1024;

pub async fn bulk(
    axum::extract::State(state): axum::extract::State<AppState>,
    OriginalUri(uri): OriginalUri,
    principal: axum::Extension<Arc<Principal>>,
    payload: Payload,
) -> ScimResult<Response> {
    let body = json_body(&payload)?;
    let is_bulk = body["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(BULK_REQUEST)));
    if !is_bulk {
        return Err(ScimError::invalid_syntax(format!(
            "a bulk request's schemas must hold {BULK_REQUEST}"
        ))
        .into());
    }
    let ops = body
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a bulk request needs Operations, a list"))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::too_many(format!(
            "at most {MAX_OPERATIONS} operations per bulk request"
        ))
        .into());
    }
    let fail_on_errors = body.get("failOnErrors").and_then(Value::as_u64).filter(|n| *n > 0);
    // The SCIM root this request came through: `/scim/v2` or its zone form.
    let root = uri.path().trim_end_matches("/Bulk").to_owned();
    // Each operation's failure answers as a SCIM error, as its own request would.
    // Answered before the request's deadline would cut it off: operations
    // past this point are not run, and not in the response (RFC 7644 §3.7.3
    // lets a service provider stop early; the client sends them again).
    let budget = state.inner.config.request_timeout.map(|d| d * 2 / 3);
    let started = std::time::Instant::now();
    let routes = super::routes_without_auth()
        .fallback(|| async { super::Failure::Scim(ScimError::not_found("no such resource")) })
        .layer(axum::middleware::from_fn(super::scim_errors))
        .with_state(state);
    let mut created: HashMap<String, String> = HashMap::new();
    let (mut results, mut errors) = (Vec::new(), 0u64);
    for op in ops {
        if budget.is_some_and(|b| started.elapsed() > b) {
            break;
        }
        let result = one(&routes, &root, &principal, op, &mut created).await;
        if result["status"].as_str().is_some_and(|s| !s.starts_with('2')) {
            errors += 1;
        }
        results.push(result);
        if fail_on_errors.is_some_and(|n| errors >= n) {
            break;
        }
    }
    Ok(scim_response(StatusCode::OK, &json!({"schemas": [BULK_RESPONSE], "Operations": results})))
}

fn op_error(method: &str, bulk_id: Option<&Value>, e: ScimError) -> Value {
    let mut out = Map::new();
    out.insert("method".into(), json!(method));
    if let Some(id) = bulk_id {
        out.insert("bulkId".into(), id.clone());
    }
    out.insert("status".into(), json!(e.status.to_string()));
    out.insert("response".into(), e.body());
    Value::Object(out)
}

async fn one(
    routes: &Router,
    root: &str,
    principal: &Arc<Principal>,
    op: &Value,
    created: &mut HashMap<String, String>,
) -> Value {
    let method_name = op["method"].as_str().unwrap_or("").to_ascii_uppercase();
    let bulk_id = op.get("bulkId");
    let fail = |e: ScimError| op_error(&method_name, bulk_id, e);
    let method = match method_name.as_str() {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => return fail(ScimError::invalid_syntax("method must be POST, PUT, PATCH or DELETE")),
    };
    let path = op["path"].as_str().unwrap_or("");
    let path = match resolve(path, created) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let allowed =
        ["/Users", "/Groups"].iter().any(|r| path == *r || path.starts_with(&format!("{r}/")));
    let collection = path == "/Users" || path == "/Groups";
    if !allowed || (method == Method::POST) != collection || path.contains("/.search") {
        return fail(ScimError::invalid_path(format!(
            "{method_name} {path:?} is not a bulk operation on Users or Groups"
        )));
    }
    if method == Method::POST && bulk_id.and_then(Value::as_str).is_none_or(str::is_empty) {
        return fail(ScimError::invalid_syntax("a POST operation needs a bulkId"));
    }
    let data = match op.get("data").map(|d| substitute(d, created)) {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => return fail(e),
        None if method == Method::DELETE => None,
        None => return fail(ScimError::invalid_syntax("the operation needs data")),
    };
    // The routes are matched below `/scim/v2`; handlers see the full path.
    let inner = format!("{}{path}", root.strip_prefix("/scim/v2").unwrap_or(""));
    let (Ok(uri), Ok(full)) = (inner.parse::<Uri>(), format!("{root}{path}").parse::<Uri>()) else {
        return fail(ScimError::invalid_path(path.to_owned()));
    };
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(version) = op["version"].as_str() {
        request = request.header(header::IF_MATCH, version);
    }
    let body = data.map(|d| serde_json::to_vec(&d).unwrap_or_default()).unwrap_or_default();
    let Ok(mut request) = request
        .header(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))
        .body(Body::from(body))
    else {
        return fail(ScimError::invalid_syntax("the operation could not be built"));
    };
    request.extensions_mut().insert(Arc::clone(principal));
    request.extensions_mut().insert(OriginalUri(full));
    let Ok(response) = routes.clone().oneshot(request).await;
    let status = response.status();
    let location =
        response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let version =
        response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = to_bytes(response.into_body(), OPERATION_RESPONSE_MAX).await.unwrap_or_default();
    let mut out = Map::new();
    out.insert("method".into(), json!(method_name));
    if let Some(id) = bulk_id {
        out.insert("bulkId".into(), id.clone());
    }
    if let Some(v) = version {
        out.insert("version".into(), json!(v));
    }
    if status.is_success() {
        let resource: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let (Some(bid), Some(id)) = (bulk_id.and_then(Value::as_str), resource["id"].as_str()) {
            created.insert(bid.to_owned(), id.to_owned());
        }
        let location =
            location.or_else(|| resource["meta"]["location"].as_str().map(str::to_owned));
        if let Some(l) = location {
            out.insert("location".into(), json!(l));
        }
    } else {
        out.insert("response".into(), serde_json::from_slice(&bytes).unwrap_or(Value::Null));
    }
    out.insert("status".into(), json!(status.as_u16().to_string()));
    Value::Object(out)
}

/// `bulkId:X` where a path's id goes.
fn resolve(path: &str, created: &HashMap<String, String>) -> Result<String, ScimError> {
    match path.split_once("bulkId:") {
        Some((head, id)) => created.get(id).map(|real| format!("{head}{real}")).ok_or_else(|| {
            ScimError::invalid_value(format!(
                "bulkId:{id} names no resource created earlier in this request"
            ))
        }),
        None => Ok(path.to_owned()),
    }
}

/// The data with every `"bulkId:X"` string replaced by X's id.
fn substitute(data: &Value, created: &HashMap<String, String>) -> Result<Value, ScimError> {
    Ok(match data {
        Value::String(s) => match s.strip_prefix("bulkId:") {
            Some(id) => Value::String(created.get(id).cloned().ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "bulkId:{id} names no resource created earlier in this request"
                ))
            })?),
            None => data.clone(),
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, created)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, created)?)))
                .collect::<Result<_, ScimError>>()?,
        ),
        other => other.clone(),
    })
}
