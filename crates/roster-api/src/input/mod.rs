//! Typed requests: each body is a struct of typed fields, parsed once at
//! the edge, whose derive is also its OpenAPI schema. What reaches the
//! service is a domain value that has passed its rules.

pub mod field;
pub mod users;
pub mod zones;

use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::body::{BodyKind, parse_json};
use crate::problem::ApiError;

/// A JSON object body.
pub trait RequestBody: DeserializeOwned {
    /// The keys it may hold.
    const FIELDS: &'static [&'static str];
    /// Keys the server owns: refused as read-only rather than unknown.
    const READ_ONLY: &'static [&'static str] = &[];
    /// What a body that is not an object is told: (param, detail).
    const NOT_AN_OBJECT: (Option<&'static str>, &'static str);
}

/// Checks the media type, reads the JSON and types it.
pub fn parse_body<T: RequestBody>(
    headers: &HeaderMap,
    body: &[u8],
    kind: BodyKind,
) -> Result<T, ApiError> {
    typed(parse_json(headers, body, kind)?)
}

/// Types a JSON value as the body `T`, or names the first field at fault.
pub fn typed<T: RequestBody>(value: Value) -> Result<T, ApiError> {
    let Value::Object(map) = &value else {
        let (param, detail) = T::NOT_AN_OBJECT;
        return Err(ApiError::invalid_body(param.map(str::to_owned), detail));
    };
    // Named here rather than by serde's `deny_unknown_fields`, whose words
    // are serde's and which cannot tell a read-only field from a typo.
    if let Some(key) = map.keys().find(|k| !T::FIELDS.contains(&k.as_str())) {
        let why = if T::READ_ONLY.contains(&key.as_str()) {
            "is read-only"
        } else {
            "is not a known field"
        };
        return Err(ApiError::invalid_body(Some(key.clone()), format!("{key} {why}")));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let param = e.path().to_string();
        // Built from a `Value`, serde_json's error is the field's own words,
        // without a line and column.
        let detail = format!("{param} {}", e.inner());
        ApiError::invalid_body(Some(param), detail)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::PartialSchema;
    use utoipa::openapi::{RefOr, Schema};

    use super::RequestBody;
    use super::users::{CreateUser, UpdateUser};
    use super::zones::{CreateZone, UpdateZone};

    /// The keys a body's schema documents.
    fn documented<T: PartialSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    fn accepts_what_it_documents<T: PartialSchema + RequestBody>() {
        let accepted = T::FIELDS.iter().map(|f| f.to_string()).collect();
        assert_eq!(documented::<T>(), accepted, "{}", std::any::type_name::<T>());
    }

    #[test]
    fn every_body_accepts_exactly_the_fields_its_schema_documents() {
        accepts_what_it_documents::<CreateUser>();
        accepts_what_it_documents::<UpdateUser>();
        accepts_what_it_documents::<CreateZone>();
        accepts_what_it_documents::<UpdateZone>();
    }
}
