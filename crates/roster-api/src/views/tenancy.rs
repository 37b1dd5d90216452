//! Zones and API keys as the API returns them.

use serde::Serialize;
use utoipa::ToSchema;

use roster_domain::{ApiKey, Timestamp, Zone};

#[derive(Serialize, ToSchema)]
#[schema(as = Zone)]
pub struct ZoneView<'a> {
    #[schema(value_type = String, example = "zone_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    #[schema(value_type = String)]
    pub organization_id: String,
    #[schema(value_type = String, example = "default")]
    pub identifier: &'a str,
    #[schema(value_type = String, example = "Default")]
    pub name: &'a str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl<'a> ZoneView<'a> {
    pub fn new(zone: &'a Zone) -> Self {
        Self {
            id: zone.id.to_string(),
            organization_id: zone.organization_id.to_string(),
            identifier: &zone.identifier,
            name: &zone.name,
            created_at: zone.created_at,
            updated_at: zone.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = ApiKey)]
pub struct ApiKeyView {
    #[schema(example = "key_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    pub id: String,
    pub name: String,
    #[schema(example = json!(["users:read"]))]
    pub scopes: Vec<String>,
    /// Zone ids the key is limited to; null for every zone.
    pub zones: Option<Vec<String>>,
    pub default_zone_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    /// The secret; present only in the response that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl ApiKeyView {
    pub fn new(key: &ApiKey, secret: Option<String>) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.clone(),
            scopes: key.scopes.granted_strings(),
            zones: key.zones.as_ref().map(|z| z.iter().map(ToString::to_string).collect()),
            default_zone_id: key.default_zone_id.map(|z| z.to_string()),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            key: secret,
        }
    }
}
