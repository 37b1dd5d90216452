//! The body of `POST /v1/users/batch`: `{"atomic"?, "operations": [...]}`,
//! each operation `{"op": "create", "body"}`, `{"op": "update", "id",
//! "body", "if_match"?}` or `{"op": "delete", "id", "if_match"?}`.
//!
//! A malformed batch (not an object, an unknown key, an unknown `op`, a
//! missing `id` or `body`) is refused whole. An operation's `body` that
//! does not read is that operation's failure, named
//! `operations[i].body.<field>`.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use roster_service::ServiceError;
use roster_service::batch::{BatchItem, MAX_BATCH};

use super::typed;
use super::users::{CreateUser, UpdateUser};
use crate::problem::{ApiError, ApiResult};

/// The batch as read: whether it is atomic, and each operation or the
/// error its body got.
pub struct BatchBody {
    pub atomic: bool,
    pub items: Vec<Result<BatchItem, ServiceError>>,
}

/// Its schema (the reading is `read_batch`'s).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct BatchRequest {
    /// All or nothing: the first failure undoes every operation and
    /// answers its problem. Default false: each operation stands alone.
    #[serde(default)]
    atomic: bool,
    /// 1 to 1000 operations, run in order.
    #[schema(min_items = 1, max_items = 1000)]
    operations: Vec<BatchOperation>,
}

/// One operation of a batch.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct BatchOperation {
    /// `create`, `update` or `delete`.
    #[schema(pattern = "^(create|update|delete)$")]
    op: String,
    /// The user (`update`, `delete`).
    id: Option<String>,
    /// A create body (`create`) or a merge patch (`update`).
    #[schema(value_type = Option<Object>)]
    body: Option<Value>,
    /// Only if the user is still at this ETag (`update`, `delete`).
    if_match: Option<String>,
}

fn refuse(param: impl Into<String>, detail: impl Into<String>) -> ApiError {
    ApiError::invalid_body(Some(param.into()), detail)
}

fn text(op: &Map<String, Value>, key: &str, at: &str) -> ApiResult<Option<String>> {
    match op.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(refuse(format!("{at}.{key}"), format!("{at}.{key} must be a string"))),
    }
}

/// An operation's body error, named from the batch's root.
fn body_error(at: &str, e: ApiError) -> ServiceError {
    match e {
        ApiError::Service(ServiceError::InvalidBody { param, detail }) => {
            let param = match param {
                Some(p) => format!("{at}.body.{p}"),
                None => format!("{at}.body"),
            };
            ServiceError::InvalidBody { detail: format!("{param}: {detail}"), param: Some(param) }
        }
        ApiError::Service(other) => other,
        other => ServiceError::invalid_body(format!("{at}.body"), format!("{other:?}")),
    }
}

fn need<T>(what: Option<T>, at: &str, key: &str, kind: &str) -> ApiResult<T> {
    what.ok_or_else(|| refuse(format!("{at}.{key}"), format!("{at}.{key} is required for {kind}")))
}

pub fn read_batch(value: Value) -> ApiResult<BatchBody> {
    let Value::Object(map) = value else {
        return Err(ApiError::invalid_body(None, "the body must be a JSON object"));
    };
    if let Some(key) = map.keys().find(|k| !["atomic", "operations"].contains(&k.as_str())) {
        return Err(refuse(key.clone(), format!("{key} is not a known field")));
    }
    let atomic = match map.get("atomic") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(refuse("atomic", "atomic must be a boolean")),
    };
    let Some(Value::Array(ops)) = map.get("operations") else {
        return Err(refuse("operations", "operations must be an array of 1 to 1000 operations"));
    };
    if ops.is_empty() || ops.len() > MAX_BATCH {
        return Err(refuse("operations", "operations must be an array of 1 to 1000 operations"));
    }
    let mut items = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let at = format!("operations[{i}]");
        let Value::Object(op) = op else {
            return Err(refuse(at.clone(), format!("{at} must be an object")));
        };
        let kind = text(op, "op", &at)?.unwrap_or_default();
        let allowed: &[&str] = match kind.as_str() {
            "create" => &["op", "body"],
            "update" => &["op", "id", "body", "if_match"],
            "delete" => &["op", "id", "if_match"],
            _ => {
                return Err(refuse(
                    format!("{at}.op"),
                    format!("{at}.op must be create, update or delete"),
                ));
            }
        };
        if let Some(key) = op.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(refuse(
                format!("{at}.{key}"),
                format!("{at}.{key} is not a field of a {kind}"),
            ));
        }
        let id = text(op, "id", &at)?;
        let if_match = text(op, "if_match", &at)?;
        let body = op.get("body").cloned();
        items.push(match kind.as_str() {
            "create" => {
                let body = need(body, &at, "body", &kind)?;
                typed::<CreateUser>(body)
                    .map(|b| BatchItem::Create(b.into()))
                    .map_err(|e| body_error(&at, e))
            }
            "update" => {
                let id = need(id, &at, "id", &kind)?;
                let body = need(body, &at, "body", &kind)?;
                typed::<UpdateUser>(body)
                    .map(|b| BatchItem::Update { id, fields: b.into(), if_match })
                    .map_err(|e| body_error(&at, e))
            }
            _ => Ok(BatchItem::Delete { id: need(id, &at, "id", &kind)?, if_match }),
        });
    }
    Ok(BatchBody { atomic, items })
}
