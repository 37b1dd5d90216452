//! Bodies of `POST /v1/zones` and `PATCH /v1/zones/{zone}`.

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use roster_domain::tenancy::{ZoneFields, ZoneName, ZoneSlug};

use super::RequestBody;
use super::field::{Field, NullIsWrongType, described, example, schema};

type Slug = Field<NullIsWrongType<ZoneSlug>>;
type Name = Field<NullIsWrongType<ZoneName>>;

const FIELDS: &[&str] = &["identifier", "name"];
const NOT_AN_OBJECT: (Option<&str>, &str) = (None, "the body must be a JSON object");

/// Body of `POST /v1/zones`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateZone {
    #[serde(default)]
    #[schema(schema_with = slug_described, required = true)]
    pub identifier: Slug,
    #[serde(default)]
    #[schema(schema_with = name_defaults)]
    pub name: Name,
}

/// Body of `PATCH /v1/zones/{zone}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateZone {
    #[serde(default)]
    #[schema(schema_with = schema::<Slug>)]
    pub identifier: Slug,
    #[serde(default)]
    #[schema(schema_with = schema::<Name>)]
    pub name: Name,
}

fn slug_described() -> RefOr<Schema> {
    let slug = described::<Slug>("A slug: 1-63 of `a-z 0-9 - _`, starting with a letter or digit.");
    example(slug, "eu-west")
}

fn name_defaults() -> RefOr<Schema> {
    described::<Name>("Defaults to the identifier.")
}

macro_rules! zone_body {
    ($name:ident) => {
        impl RequestBody for $name {
            const FIELDS: &'static [&'static str] = FIELDS;
            const NOT_AN_OBJECT: (Option<&'static str>, &'static str) = NOT_AN_OBJECT;
        }

        impl From<$name> for ZoneFields {
            fn from(b: $name) -> Self {
                ZoneFields {
                    identifier: b.identifier.into_option().map(|s| s.0),
                    name: b.name.into_option().map(|n| n.0),
                }
            }
        }
    };
}

zone_body!(CreateZone);
zone_body!(UpdateZone);
