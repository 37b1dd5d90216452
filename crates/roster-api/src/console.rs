//! `/console`: the admin console's files (crate `roster-console`).
//!
//! Every path below `/console` that is not an asset answers the app's page,
//! so a link to a view (`/console/users?status=active`) opens that view.
//! The console signs in with an API key held in the tab's `sessionStorage`
//! and calls the public API like any client: these routes need no key and
//! serve nothing but the same static files to everyone.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use roster_console::Asset;
use sha2::Digest;

use crate::AppState;

/// A strong validator per file, computed once: the files change only with
/// the binary, and `no-cache` + `ETag` makes a new binary's files reach a
/// browser on its next load while an unchanged one costs a 304.
static ETAGS: LazyLock<HashMap<&'static str, HeaderValue>> = LazyLock::new(|| {
    roster_console::ASSETS
        .iter()
        .map(|a| {
            let digest = sha2::Sha256::digest(a.body);
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            let tag = HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or(HeaderValue::from_static("\"0\""));
            (a.path, tag)
        })
        .collect()
});

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(page))
        .route("/console/", get(|| async { Redirect::permanent("/console") }))
        .route("/console/assets/{*path}", get(asset))
        .route("/console/{*view}", get(page))
}

async fn page(headers: HeaderMap) -> Response {
    serve(roster_console::index(), &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match roster_console::asset(&path) {
        Some(a) => serve(a, &headers),
        None => crate::not_found().await.into_response(),
    }
}

fn serve(asset: &'static Asset, headers: &HeaderMap) -> Response {
    let etag = ETAGS.get(asset.path).cloned().unwrap_or(HeaderValue::from_static("\"0\""));
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { asset.body.into_response() };
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(header::ETAG, etag);
    response
}
