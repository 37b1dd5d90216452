//! `/v1/events`: the change feed.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use http::StatusCode;

use roster_service::Principal;
use roster_service::events::EventFeedRequest;

use super::{CommonErrors, json_response_sized};
use crate::AppState;
use crate::problem::ApiResult;
use crate::query::{EventParams, Params};
use crate::views::EventListView;

/// Page through the change feed in commit order. A walk from any cursor
/// sees each event exactly once; an empty page's `end_cursor` is where to
/// poll again.
#[utoipa::path(get, path = "/v1/events", tag = "events", operation_id = "events.list",
    params(EventParams),
    responses((status = 200, description = "A page of events", body = EventListView),
        (status = 410, description = "The cursor points before the oldest event kept \
            (`cursor_expired`)", body = crate::problem::Problem,
            content_type = "application/problem+json"),
        CommonErrors))]
pub async fn list_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Arc<Principal>>,
    Params(request): Params<EventParams>,
) -> ApiResult<Response> {
    let feed = state.inner.service.list_events(&principal, &request).await?;
    let view = EventListView::new(&feed, after(&request), principal.sees_metadata());
    Ok(json_response_sized(StatusCode::OK, &view, 1024 * (1 + feed.events.len())))
}

fn after(request: &EventFeedRequest) -> Option<&str> {
    request.after.as_deref()
}
