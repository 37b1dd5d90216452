//! Operations in a zone exist twice: on the key's default zone
//! (`/v1/users`, `/v1/roles`) and on a named zone (`/v1/zones/{zone}/…`).
//! `zoned!` declares both routes and both OpenAPI entries around one
//! handler; the handler's `Tenant` extractor tells them apart by the
//! `{zone}` path parameter, so the handler is written once.

/// `zoned!(method handler, docs, tag = …, default = (fn, path, operation),
/// zoned = (fn, path, operation), params = [...], body = [...]?,
/// responses = [...])`. `docs` is one description, or a pair (default
/// zone, named zone).
macro_rules! zoned {
    (
        @ $method:ident $inner:ident, ($ddoc:literal, $zdoc:literal),
        tag = $tag:literal,
        default = ($dfn:ident, $dpath:literal, $dop:literal),
        zoned = ($zfn:ident, $zpath:literal, $zop:literal),
        params = [$($param:tt)*],
        $(body = [$($body:tt)*],)?
        responses = [$($resp:tt)*]
    ) => {
        #[doc = $ddoc]
        #[utoipa::path($method, path = $dpath, tag = $tag, operation_id = $dop,
            params($($param)*),
            $(request_body($($body)*),)?
            responses($($resp)*))]
        pub async fn $dfn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            request: axum::extract::Request,
        ) -> axum::response::Response {
            axum::handler::Handler::call($inner, request, state).await
        }

        #[doc = $zdoc]
        #[utoipa::path($method, path = $zpath, tag = $tag, operation_id = $zop,
            params(("zone" = String, Path, description = "Zone id or identifier"), $($param)*),
            $(request_body($($body)*),)?
            responses($($resp)*))]
        pub async fn $zfn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            request: axum::extract::Request,
        ) -> axum::response::Response {
            axum::handler::Handler::call($inner, request, state).await
        }
    };
    ($method:ident $inner:ident, ($ddoc:literal, $zdoc:literal), $($rest:tt)*) => {
        zoned!(@ $method $inner, ($ddoc, $zdoc), $($rest)*);
    };
    ($method:ident $inner:ident, $doc:literal, $($rest:tt)*) => {
        zoned!(@ $method $inner, ($doc, $doc), $($rest)*);
    };
}
