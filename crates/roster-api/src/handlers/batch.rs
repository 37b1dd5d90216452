//! `POST /v1/users/batch`: up to 1 000 creates, updates and deletes in one
//! transaction, each with its own result, or all or nothing.

use axum::response::Response;
use http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::Scope;
use roster_service::ServiceError;
use roster_service::batch::BatchDone;

use super::tenant::Tenant;
use super::{BodyErrors, CommonErrors, json_response_sized};
use crate::body::{BodyKind, Payload, parse_json};
use crate::input::batch::{BatchRequest, read_batch};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::query::{NoParams, Params};
use crate::views::UserView;

/// One operation's result: its status, and the user or the problem.
#[derive(Serialize, ToSchema)]
#[schema(as = BatchResult)]
pub struct BatchResultView<'a> {
    /// What the operation alone would have answered: 201, 200, 204, or an
    /// error's status.
    pub status: u16,
    /// The user created or updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<UserView<'a>>,
    /// Why the operation failed; `param` is named from the batch's root
    /// (`operations[2].body.email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// Every operation's result, in order.
#[derive(Serialize, ToSchema)]
#[schema(as = BatchResponse)]
pub struct BatchResponseView<'a> {
    pub results: Vec<BatchResultView<'a>>,
}

async fn batch(_: Params<NoParams>, t: Tenant, payload: Payload) -> ApiResult<Response> {
    t.principal.require(Scope::UsersWrite)?;
    let value = parse_json(&payload.headers, &payload.bytes, BodyKind::Json)?;
    let body = read_batch(value)?;
    let outcomes = t.service().batch_users(&t.principal, &t.scope, body.items, body.atomic).await?;
    let metadata = t.metadata();
    let results = outcomes
        .iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(BatchDone::Created(user)) => BatchResultView {
                status: 201,
                body: Some(UserView::new(user, metadata)),
                problem: None,
            },
            Ok(BatchDone::Updated(user)) => BatchResultView {
                status: 200,
                body: Some(UserView::new(user, metadata)),
                problem: None,
            },
            Ok(BatchDone::Deleted) => BatchResultView { status: 204, body: None, problem: None },
            Err(e) => {
                let cause = Box::new(e.clone());
                let problem =
                    ApiError::Service(ServiceError::BatchFailed { index, cause }).problem();
                BatchResultView { status: problem.status, body: None, problem: Some(problem) }
            }
        })
        .collect();
    let view = BatchResponseView { results };
    Ok(json_response_sized(StatusCode::OK, &view, 1024 * (1 + outcomes.len())))
}

zoned!(post batch,
    ("Create, update and delete users of the key's default zone in one request.",
        "Create, update and delete users of a zone in one request."),
    tag = "users",
    default = (batch_users, "/v1/users/batch", "users.batch"),
    zoned = (batch_zone_users, "/v1/zones/{zone}/users/batch", "zones.users.batch"),
    params = [("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$",
        description = "Retries with the same key and body replay the first response for 24 h")],
    body = [content = BatchRequest, content_type = "application/json"],
    responses = [(status = 200, description = "Each operation's result, in order",
        body = BatchResponseView),
        (status = 409, description = "An atomic batch failed on a conflict (its problem's param names the operation)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "An atomic batch failed on a stale if_match",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors]);
