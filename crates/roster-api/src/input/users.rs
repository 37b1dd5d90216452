//! Bodies of `POST /v1/users` and `PATCH /v1/users/{id}`.

use serde::Deserialize;
use utoipa::ToSchema;

use roster_domain::user::{
    Description, ExternalId, Identifier, Link, Name, READ_ONLY_FIELDS, WRITABLE_FIELDS,
};
use roster_domain::{Email, ProviderId, Timestamp, UserFields, UserStatus, UserType};

use super::RequestBody;
use super::field::{Field, Nullable, Object, schema};

/// The fields of a user body, declared once for create and update: the
/// two differ only in what is required and in their documentation.
macro_rules! user_body {
    ($(#[$meta:meta])* $name:ident {
        $(#[$email_meta:meta])* email: $email:path,
        identifier: $identifier:path,
        name: $name_schema:path,
        attributes: $attributes:path,
    } not_an_object: $not_object:expr) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(#[$email_meta])*
            #[serde(default)]
            #[schema(schema_with = $email)]
            pub email: Field<Email>,
            #[serde(default)]
            #[schema(schema_with = $identifier)]
            pub identifier: Field<Identifier>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<bool>>)]
            pub email_verified: Field<bool>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<Name>>)]
            pub first_name: Field<Name>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<Name>>)]
            pub last_name: Field<Name>,
            #[serde(default)]
            #[schema(schema_with = $name_schema)]
            pub name: Field<Name>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<Description>>)]
            pub description: Nullable<Description>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<UserType>>)]
            pub user_type: Field<UserType>,
            #[serde(default)]
            #[schema(schema_with = schema::<Field<UserStatus>>)]
            pub status: Field<UserStatus>,
            #[serde(default)]
            #[schema(schema_with = $attributes)]
            pub attributes: Nullable<Object>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<Link>>)]
            pub issuer: Nullable<Link>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<ProviderId>>)]
            pub provider_id: Nullable<ProviderId>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<Link>>)]
            pub subject: Nullable<Link>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<Timestamp>>)]
            pub authenticated_at: Nullable<Timestamp>,
            #[serde(default)]
            #[schema(schema_with = schema::<Nullable<ExternalId>>)]
            pub external_id: Nullable<ExternalId>,
        }

        impl RequestBody for $name {
            const FIELDS: &'static [&'static str] = WRITABLE_FIELDS;
            const READ_ONLY: &'static [&'static str] = READ_ONLY_FIELDS;
            const NOT_AN_OBJECT: (Option<&'static str>, &'static str) = (None, $not_object);
        }

        impl From<$name> for UserFields {
            fn from(b: $name) -> Self {
                UserFields {
                    identifier: b.identifier.into_option(),
                    email: b.email.into_option(),
                    email_verified: b.email_verified.into_option(),
                    first_name: b.first_name.into_option(),
                    last_name: b.last_name.into_option(),
                    name: b.name.into_option(),
                    description: b.description.into_option(),
                    user_type: b.user_type.into_option(),
                    status: b.status.into_option(),
                    attributes: b.attributes.into_option().map(|o| o.map(|o| o.0)),
                    issuer: b.issuer.into_option(),
                    provider_id: b.provider_id.into_option(),
                    subject: b.subject.into_option(),
                    authenticated_at: b.authenticated_at.into_option(),
                    external_id: b.external_id.into_option(),
                }
            }
        }
    };
}

user_body!(
    /// Body of `POST /v1/users`. Unknown fields are refused.
    CreateUser {
        #[schema(required = true)]
        email: create_docs::email,
        identifier: create_docs::identifier,
        name: create_docs::name,
        attributes: create_docs::attributes,
    } not_an_object: "the body must be a JSON object"
);

user_body!(
    /// Body of `PATCH /v1/users/{id}`: a JSON merge patch (RFC 7396). `null`
    /// clears nullable fields; `attributes` is merged key by key.
    UpdateUser {
        email: schema::<Field<Email>>,
        identifier: schema::<Field<Identifier>>,
        name: schema::<Field<Name>>,
        attributes: schema::<Nullable<Object>>,
    } not_an_object: "a merge patch must be a JSON object"
);

/// What a create says about its defaults.
mod create_docs {
    use utoipa::openapi::{RefOr, Schema};

    use super::super::field::{Field, Nullable, Object, described, example, schema};
    use super::{Email, Identifier, Name};

    pub fn email() -> RefOr<Schema> {
        example(schema::<Field<Email>>(), "jane.doe@example.com")
    }

    pub fn identifier() -> RefOr<Schema> {
        described::<Field<Identifier>>("Defaults to the user's id.")
    }

    pub fn name() -> RefOr<Schema> {
        described::<Field<Name>>("Defaults to `first_name last_name`.")
    }

    pub fn attributes() -> RefOr<Schema> {
        described::<Nullable<Object>>("Custom attributes (null: none).")
    }
}
