//! Bodies of `…/providers` and their sign-ins.

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use roster_domain::access::{
    ForeignIdent, Issuer, ProviderFields, ProviderIdentifier, ShortIdent, SignInFields,
};

use super::{Expiry, expiry};
use crate::input::field::{Field, Nullable, Object, described, example, schema};

create_and_update! {
    /// Body of `POST …/providers`.
    CreateProvider,
    /// Body of `PATCH …/providers/{idp}`.
    UpdateProvider,
    into ProviderFields {
        identifier: Field<ProviderIdentifier> =
            [schema_with = docs::provider_identifier, required = true]
            [schema_with = schema::<Field<ProviderIdentifier>>],
        issuer: Field<Issuer> =
            [schema_with = docs::issuer, required = true]
            [schema_with = schema::<Field<Issuer>>],
        user_identifier_claim: Nullable<ShortIdent> =
            [schema_with = docs::user_identifier_claim]
            [schema_with = schema::<Nullable<ShortIdent>>],
    }
}

/// Body of `POST …/providers/{idp}/sign-ins`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignIn {
    #[serde(default)]
    #[schema(schema_with = docs::subject, required = true)]
    pub subject: Field<ForeignIdent>,
    #[serde(default)]
    #[schema(schema_with = docs::claims)]
    pub claims: Nullable<Object>,
    #[serde(default)]
    #[schema(schema_with = docs::session_expires_at)]
    pub expires_at: Expiry,
}

request_body!(CreateSignIn["subject", "claims", "expires_at"]);

impl From<CreateSignIn> for SignInFields {
    fn from(b: CreateSignIn) -> Self {
        SignInFields {
            subject: b.subject.into_option(),
            claims: b.claims.into_option().flatten().map(|c| c.0).unwrap_or_default(),
            expires_at: expiry(b.expires_at),
        }
    }
}

/// Descriptions and examples (`schema_with` drops doc comments).
mod docs {
    use super::*;

    pub fn provider_identifier() -> RefOr<Schema> {
        example(schema::<Field<ProviderIdentifier>>(), "okta")
    }

    pub fn issuer() -> RefOr<Schema> {
        example(schema::<Field<Issuer>>(), "https://example.okta.com")
    }

    pub fn user_identifier_claim() -> RefOr<Schema> {
        described::<Nullable<ShortIdent>>("A claim whose value becomes a new user's `identifier`.")
    }

    pub fn subject() -> RefOr<Schema> {
        described::<Field<ForeignIdent>>("The subject the provider vouches for.")
    }

    pub fn claims() -> RefOr<Schema> {
        described::<Nullable<Object>>(
            "Claims of the ID token: `email` (needed to create a user),\n\
             `email_verified`, `given_name`, `family_name`, `name`, and the\n\
             provider's `user_identifier_claim`.",
        )
    }

    pub fn session_expires_at() -> RefOr<Schema> {
        described::<Expiry>("When the recorded session expires; must be in the future.")
    }
}
