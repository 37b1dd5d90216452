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
    let refuse =
        |claim: &str, detail: String| ValidationError::new(format!("claims.{claim}"), detail);
    let string = |claim: &str| match claims.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(refuse(claim, "must be a string".into())),
    };
    let name = |claim: &str| -> Result<Option<Name>, ValidationError> {
        string(claim)?.map(|s| Name::parse(s).map_err(|d| refuse(claim, d))).transpose()
    };
    let email = string("email")?.map(|s| Email::parse(s).map_err(|d| refuse("email", d)));
    let email_verified = match claims.get("email_verified") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(refuse("email_verified", "must be a boolean".into())),
    };
    let mut fields = UserFields {
        email: email.transpose()?,
        email_verified,
        first_name: name("given_name")?,
        last_name: name("family_name")?,
        name: name("name")?,
        ..UserFields::default()
    };
    if let Some(claim) = identifier_claim {
        fields.identifier = string(claim)?
            .map(|s| Identifier::parse(s).map_err(|d| refuse(claim, d)))
            .transpose()?;
    }
    Ok(fields)
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
