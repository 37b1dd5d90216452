//! Typed requests: each body is a struct of typed fields, parsed once at
//! the edge, whose derive is also its OpenAPI schema. What reaches the
//! service is a domain value that has passed its rules.

pub mod access;
pub mod batch;
mod compound;
pub mod field;
pub mod keys;
pub mod users;
mod values;
pub mod webhooks;
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

impl crate::body::Payload {
    /// Checks the media type, reads the JSON and types it.
    pub fn typed<T: RequestBody>(&self, kind: BodyKind) -> Result<T, ApiError> {
        parse_body(&self.headers, &self.bytes, kind)
    }
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
        let words = e.inner().to_string();
        let detail = match words.strip_prefix(field::WHOLE_DETAIL) {
            Some(whole) => whole.to_owned(),
            None => format!("{param} {words}"),
        };
        ApiError::invalid_body(Some(param), detail)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::ToSchema;
    use utoipa::openapi::{RefOr, Schema};

    use super::RequestBody;
    use super::access::{
        CreateGrant, CreateProvider, CreateRole, CreateRoleAssignment, CreateSession, CreateSignIn,
        UpdateProvider, UpdateRole,
    };
    use super::keys::CreateApiKey;
    use super::users::{CreateUser, UpdateUser};
    use super::zones::{CreateZone, UpdateZone};

    /// The keys a body's schema documents: an object's, or those of every
    /// object a `oneOf` names.
    fn documented<T: ToSchema>() -> BTreeSet<String> {
        let mut named = Vec::new();
        T::schemas(&mut named);
        let resolve = |schema: &RefOr<Schema>| match schema {
            RefOr::Ref(r) => {
                let name = r.ref_location.rsplit('/').next().unwrap_or_default();
                named.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone())
            }
            other => Some(other.clone()),
        };
        let keys = |schema: Option<RefOr<Schema>>| match schema {
            Some(RefOr::T(Schema::Object(o))) => o.properties.into_keys().collect(),
            _ => panic!("not an object schema"),
        };
        match T::schema() {
            RefOr::T(Schema::OneOf(one_of)) => {
                one_of.items.iter().flat_map(|item| keys(resolve(item))).collect()
            }
            object => keys(Some(object)),
        }
    }

    fn accepts_what_it_documents<T: ToSchema + RequestBody>() {
        let accepted = T::FIELDS.iter().map(|f| f.to_string()).collect();
        assert_eq!(documented::<T>(), accepted, "{}", std::any::type_name::<T>());
    }

    #[test]
    fn every_body_accepts_exactly_the_fields_its_schema_documents() {
        macro_rules! each {
            ($($body:ty),*) => { $(accepts_what_it_documents::<$body>();)* };
        }
        each!(CreateUser, UpdateUser, CreateZone, UpdateZone, CreateRole, UpdateRole);
        each!(CreateRoleAssignment, CreateSession, CreateGrant, CreateProvider, UpdateProvider);
        each!(CreateSignIn, CreateApiKey);
    }
}
