//! Bodies of `…/users/{id}/sessions` and `…/users/{id}/grants`.

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use roster_domain::access::{ForeignIdent, GrantFields, GrantRequest, GrantScope, SessionFields};

use super::{Expiry, expiry};
use crate::input::field::{Field, List, Nullable, SessionProvider, array, described, schema};

/// Body of `POST …/sessions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    #[serde(default)]
    #[schema(schema_with = schema::<Nullable<SessionProvider>>)]
    pub provider_id: Nullable<SessionProvider>,
    #[serde(default)]
    #[schema(schema_with = docs::expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateSession["provider_id", "expires_at"]);

impl From<CreateSession> for SessionFields {
    fn from(b: CreateSession) -> Self {
        SessionFields {
            provider_id: b.provider_id.into_option().flatten().map(|p| p.0),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Body of `POST …/grants`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    #[serde(default)]
    #[schema(schema_with = schema::<Field<ForeignIdent>>, required = true)]
    pub client_id: Field<ForeignIdent>,
    #[serde(default)]
    #[schema(schema_with = schema::<Field<ForeignIdent>>, required = true)]
    pub resource: Field<ForeignIdent>,
    // Null is as absent: both are told `scopes is required`.
    #[serde(default)]
    #[schema(schema_with = docs::scopes, required = true)]
    pub scopes: Option<List<GrantScope>>,
    #[serde(default)]
    #[schema(schema_with = docs::expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateGrant["client_id", "resource", "scopes", "expires_at"]);

impl From<CreateGrant> for GrantFields {
    fn from(b: CreateGrant) -> Self {
        GrantFields {
            client_id: b.client_id.into_option(),
            resource: b.resource.into_option(),
            scopes: b.scopes.map(|s| s.0),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Descriptions and examples (`schema_with` drops doc comments).
mod docs {
    use super::*;

    pub fn scopes() -> RefOr<Schema> {
        let one = described::<Field<GrantScope>>("One scope of a grant.");
        array(one, 1, GrantRequest::MAX_SCOPES)
    }

    pub fn expires_at() -> RefOr<Schema> {
        described::<Expiry>("Must be in the future.")
    }
}
