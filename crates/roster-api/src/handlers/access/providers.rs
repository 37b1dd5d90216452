//! Identity providers and sign-ins through them.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use roster_domain::Scope;

use crate::body::{BodyKind, Payload};
use crate::handlers::tenant::Tenant;
use crate::handlers::{BodyErrors, CommonErrors, json_response};
use crate::input::access::{CreateProvider, CreateSignIn, UpdateProvider};
use crate::problem::{ApiResult, Problem};
use crate::query::{IdPageParams, NoParams, Params};
use crate::views::{ListView, ProviderList, ProviderView, SessionView, SignInView, UserView};

// Providers and sign-ins.

async fn list_providers_in(
    t: Tenant,
    Params(request): Params<IdPageParams>,
) -> ApiResult<Response> {
    let page = t.service().list_providers(&t.principal, &t.scope, &request).await?;
    Ok(json_response(StatusCode::OK, &ListView::new(&page, ProviderView::new)))
}

async fn create_provider_in(
    t: Tenant,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    let body: CreateProvider = t.body(Scope::ZonesWrite, BodyKind::Json, &payload)?;
    let p = t.service().create_provider(&t.principal, &t.scope, body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &ProviderView::new(&p)))
}

async fn get_provider_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    let p = t.service().get_provider(&t.principal, &t.scope, t.id(0)?).await?;
    Ok(json_response(StatusCode::OK, &ProviderView::new(&p)))
}

async fn update_provider_in(
    t: Tenant,
    _: Params<NoParams>,
    payload: Payload,
) -> ApiResult<Response> {
    let body: UpdateProvider = t.body(Scope::ZonesWrite, BodyKind::MergePatch, &payload)?;
    let p = t.service().update_provider(&t.principal, &t.scope, t.id(0)?, body.into()).await?;
    Ok(json_response(StatusCode::OK, &ProviderView::new(&p)))
}

async fn delete_provider_in(t: Tenant, _: Params<NoParams>) -> ApiResult<Response> {
    t.service().delete_provider(&t.principal, &t.scope, t.id(0)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sign_in_in(t: Tenant, _: Params<NoParams>, payload: Payload) -> ApiResult<Response> {
    let body: CreateSignIn = t.body(Scope::UsersWrite, BodyKind::Json, &payload)?;
    let signed = t.service().sign_in(&t.principal, &t.scope, t.id(0)?, body.into()).await?;
    let now = t.service().now();
    let view = SignInView {
        user: UserView::new(&signed.user, t.metadata()),
        session: SessionView::new(&signed.session, t.metadata(), now),
        created: signed.created,
    };
    let status = if signed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json_response(status, &view))
}

zoned!(get list_providers_in, "List the zone's identity providers.", tag = "providers",
    default = (list_providers, "/v1/providers", "providers.list"),
    zoned = (list_zone_providers, "/v1/zones/{zone}/providers", "zones.providers.list"),
    params = [IdPageParams],
    responses = [(status = 200, description = "A page of providers", body = ProviderList), CommonErrors]);

zoned!(post create_provider_in, "Register an identity provider.", tag = "providers",
    default = (create_provider, "/v1/providers", "providers.create"),
    zoned = (create_zone_provider, "/v1/zones/{zone}/providers", "zones.providers.create"),
    params = [],
    body = [content = CreateProvider, content_type = "application/json"],
    responses = [(status = 201, description = "The provider", body = ProviderView), CommonErrors, BodyErrors]);

zoned!(get get_provider_in, "Retrieve a provider by id or identifier.", tag = "providers",
    default = (get_provider, "/v1/providers/{idp}", "providers.retrieve"),
    zoned = (get_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.retrieve"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    responses = [(status = 200, description = "The provider", body = ProviderView), CommonErrors]);

zoned!(patch update_provider_in, "Update a provider.", tag = "providers",
    default = (update_provider, "/v1/providers/{idp}", "providers.update"),
    zoned = (update_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.update"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    body = [content = UpdateProvider, content_type = "application/json"],
    responses = [(status = 200, description = "The provider", body = ProviderView), CommonErrors, BodyErrors]);

zoned!(delete delete_provider_in,
    "Delete a provider; its users stay, with `provider_id` null.", tag = "providers",
    default = (delete_provider, "/v1/providers/{idp}", "providers.delete"),
    zoned = (delete_zone_provider, "/v1/zones/{zone}/providers/{idp}", "zones.providers.delete"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    responses = [(status = 204, description = "Deleted"), CommonErrors]);

zoned!(post sign_in_in,
    "Sign a subject in through a provider: finds the user by (issuer, subject) or creates it from the claims, records a session. 201 when it created the user, 200 when it found one.",
    tag = "providers",
    default = (create_sign_in, "/v1/providers/{idp}/sign-ins", "providers.sign_ins.create"),
    zoned = (create_zone_sign_in, "/v1/zones/{zone}/providers/{idp}/sign-ins",
        "zones.providers.sign_ins.create"),
    params = [("idp" = String, Path, description = "Provider id or identifier")],
    body = [content = CreateSignIn, content_type = "application/json"],
    responses = [(status = 201, description = "Created the user", body = SignInView),
        (status = 200, description = "Found the user", body = SignInView),
        (status = 409, description = "The user is disabled (`user_disabled`) or a claim clashes",
            body = Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors]);
