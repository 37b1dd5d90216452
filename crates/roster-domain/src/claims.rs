//! A new user from an identity provider's claims (OpenID Connect's
//! standard names), held to the same rules as a user created over the API.

use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::fields::Email;
use crate::ids::ProviderId;
use crate::user::{Identifier, Link, Name, UserFields};

/// The fields of the user a first sign-in creates. A null claim counts as
/// absent; an error names the claim (`claims.given_name`), not the field.
pub fn user_fields(
    claims: &Map<String, Value>,
    identifier_claim: Option<&str>,
) -> Result<UserFields, ValidationError> {
    let email_verified = match claims.get("email_verified") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(refuse("email_verified", "must be a boolean".into())),
    };
    let mut fields = UserFields {
        email: claim(claims, "email", Email::parse)?,
        email_verified,
        first_name: claim(claims, "given_name", Name::parse)?,
        last_name: claim(claims, "family_name", Name::parse)?,
        name: claim(claims, "name", Name::parse)?,
        ..UserFields::default()
    };
    if let Some(name) = identifier_claim {
        fields.identifier = claim(claims, name, Identifier::parse)?;
    }
    Ok(fields)
}

fn refuse(claim: &str, detail: String) -> ValidationError {
    ValidationError::new(format!("claims.{claim}"), detail)
}

/// A string claim held to `parse`'s rule; a null claim is absent.
fn claim<T>(
    claims: &Map<String, Value>,
    name: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ValidationError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse(s).map(Some).map_err(|d| refuse(name, d)),
        Some(_) => Err(refuse(name, "must be a string".into())),
    }
}

/// Links the fields to the provider and the subject it vouched for.
pub fn link(
    fields: &mut UserFields,
    provider: ProviderId,
    issuer: &str,
    subject: &str,
) -> Result<(), ValidationError> {
    let link = |field: &str, s: &str| Link::parse(s).map_err(|d| ValidationError::new(field, d));
    fields.issuer = Some(Some(link("issuer", issuer)?));
    fields.subject = Some(Some(link("subject", subject)?));
    fields.provider_id = Some(Some(provider));
    Ok(())
}
