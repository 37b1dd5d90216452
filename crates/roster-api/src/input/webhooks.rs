//! Bodies of `POST /v1/webhook-endpoints` and `PATCH …/{id}`.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaFormat};

use roster_domain::events::EventType;
use roster_domain::webhooks::{
    MAX_EVENT_TYPES, check_event_types, check_webhook_description, check_webhook_url,
};
use roster_service::webhooks::WebhookFields;

use super::RequestBody;
use super::field::{Field, FieldValue, Nullable, Refused, described, schema};

fn rule(e: roster_domain::ValidationError) -> Refused {
    Refused::Rule(e.detail)
}

fn strings(value: Value, max: usize) -> Result<Vec<String>, Refused> {
    let Value::Array(items) = value else { return Err(Refused::WrongType) };
    if items.len() > max {
        return Err(Refused::Rule(format!("must hold at most {max} items")));
    }
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            _ => Err(Refused::Rule("must hold only strings".into())),
        })
        .collect()
}

/// An endpoint URL: http or https, checked again where it points.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookUrl(pub String);

impl FieldValue for WebhookUrl {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        let Value::String(url) = value else { return Err(Refused::WrongType) };
        check_webhook_url("url", &url).map_err(rule)?;
        Ok(Self(url))
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("uri".into())))
            .max_length(Some(2048))
            // http or https, a host, no credentials, no spaces or controls.
            .pattern(Some(r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"))
            .into()
    }
}

/// Event types and `<resource>.*` forms.
#[derive(Debug, Clone, PartialEq)]
pub struct EventTypes(pub Vec<String>);

impl FieldValue for EventTypes {
    const EXPECTS: &'static str = "an array of event types";
    fn from_json(value: Value) -> Result<Self, Refused> {
        let types = strings(value, MAX_EVENT_TYPES)?;
        check_event_types("event_types", &types).map_err(rule)?;
        Ok(Self(types))
    }
    fn schema() -> RefOr<Schema> {
        let mut one: Vec<String> =
            EventType::ALL.iter().map(|t| t.as_str().replace('.', r"\.")).collect();
        let mut resources: Vec<&str> = EventType::ALL.iter().map(|t| t.resource()).collect();
        resources.dedup();
        one.extend(resources.iter().map(|r| format!(r"{r}\.\*")));
        let item = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^(?:{})$", one.join("|"))));
        RefOr::T(Schema::Array(
            ArrayBuilder::new().items(item).max_items(Some(MAX_EVENT_TYPES)).build(),
        ))
    }
}

/// Zones by id or identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneNames(pub Vec<String>);

impl FieldValue for ZoneNames {
    const EXPECTS: &'static str = "an array of zone ids or identifiers";
    fn from_json(value: Value) -> Result<Self, Refused> {
        strings(value, 100).map(Self)
    }
    fn schema() -> RefOr<Schema> {
        let item = ObjectBuilder::new().schema_type(Type::String);
        RefOr::T(Schema::Array(ArrayBuilder::new().items(item).max_items(Some(100)).build()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Description(pub String);

impl FieldValue for Description {
    const EXPECTS: &'static str = "a string";
    fn from_json(value: Value) -> Result<Self, Refused> {
        let Value::String(d) = value else { return Err(Refused::WrongType) };
        check_webhook_description("description", &d).map_err(rule)?;
        Ok(Self(d))
    }
    fn schema() -> RefOr<Schema> {
        // check_text's rule: anything but NUL.
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(1024))
            .pattern(Some("^[^\\u0000]*$"))
            .into()
    }
}

const FIELDS: &[&str] = &["url", "event_types", "zones", "enabled", "description"];
const READ_ONLY: &[&str] =
    &["id", "secret", "created_at", "updated_at", "disabled_reason", "organization_id"];
const NOT_AN_OBJECT: (Option<&str>, &str) = (None, "the body must be a JSON object");

fn url_described() -> RefOr<Schema> {
    described::<Field<WebhookUrl>>(
        "Where events are POSTed: http or https, resolving to public addresses unless the \
         server allows private ones.",
    )
}

fn types_described() -> RefOr<Schema> {
    described::<Field<EventTypes>>(
        "Event types (`user.created`) and resources (`user.*`); empty or absent: every type.",
    )
}

fn zones_described() -> RefOr<Schema> {
    described::<Nullable<ZoneNames>>(
        "Only these zones' events (ids or identifiers); null: every zone.",
    )
}

/// The fields of an endpoint body, declared once for create and update:
/// the two differ only in whether `url` is required.
macro_rules! webhook_body {
    ($(#[$meta:meta])* $name:ident { url: $url:path, required: $required:literal }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(default)]
            #[schema(schema_with = $url, required = $required)]
            pub url: Field<WebhookUrl>,
            #[serde(default)]
            #[schema(schema_with = types_described)]
            pub event_types: Field<EventTypes>,
            #[serde(default)]
            #[schema(schema_with = zones_described)]
            pub zones: Nullable<ZoneNames>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<bool>>)]
            pub enabled: Field<bool>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<Description>>)]
            pub description: Nullable<Description>,
        }

        impl RequestBody for $name {
            const FIELDS: &'static [&'static str] = FIELDS;
            const READ_ONLY: &'static [&'static str] = READ_ONLY;
            const NOT_AN_OBJECT: (Option<&'static str>, &'static str) = NOT_AN_OBJECT;
        }

        impl From<$name> for WebhookFields {
            fn from(b: $name) -> Self {
                WebhookFields {
                    url: b.url.into_option().map(|u| u.0),
                    event_types: b.event_types.into_option().map(|t| t.0),
                    zones: b.zones.into_option().map(|z| z.map(|z| z.0)),
                    enabled: b.enabled.into_option(),
                    description: b.description.into_option().map(|d| d.map(|d| d.0)),
                }
            }
        }
    };
}

webhook_body!(
    /// Body of `POST /v1/webhook-endpoints`.
    CreateWebhookEndpoint { url: url_described, required: true }
);
webhook_body!(
    /// Body of `PATCH /v1/webhook-endpoints/{id}`.
    UpdateWebhookEndpoint { url: schema::<Field<WebhookUrl>>, required: false }
);
