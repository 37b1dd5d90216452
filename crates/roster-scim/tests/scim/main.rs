//! The crate's promises, each test named after the one it checks, over the
//! public API only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod evaluation;
mod hostile;
mod parsing;
mod patch_paths;
mod patching;
mod users;

use roster_scim::{AttrPath, Filter, FilterError};

pub fn parse(text: &str) -> Filter {
    text.parse().unwrap_or_else(|e: FilterError| panic!("{text:?} did not parse: {e}"))
}

pub fn parse_err(text: &str) -> String {
    match text.parse::<Filter>() {
        Ok(f) => panic!("{text:?} parsed as {f:?}"),
        Err(e) => e.to_string(),
    }
}

pub fn path(name: &str) -> AttrPath {
    AttrPath { uri: None, name: name.to_owned(), sub: None }
}

pub fn sub_path(name: &str, sub: &str) -> AttrPath {
    AttrPath { uri: None, name: name.to_owned(), sub: Some(sub.to_owned()) }
}

/// Every example filter of RFC 7644 §3.4.2.2 (Figure 2), verbatim.
pub const RFC_EXAMPLES: &[&str] = &[
    r#"userName Eq "john""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

/// A User after RFC 7643 §8.2's full example, trimmed, with some edge cases
/// added (an empty string, an empty list, simple multi-valued values).
pub fn sample_user() -> serde_json::Value {
    serde_json::json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "Bjensen@Example.com",
        "name": { "familyName": "O'Malley", "givenName": "Barbara" },
        "title": "Tour Guide",
        "userType": "Employee",
        "nickName": "",
        "profileUrl": null,
        "active": true,
        "loginCount": 42,
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
        ],
        "ims": [ { "value": "someaimhandle", "type": "aim" } ],
        "phoneNumbers": [],
        "x509Certificates": {},
        "groups": ["admins", "Staff"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d" }
        },
        "meta": {
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        }
    })
}

/// Evaluates with every attribute case-insensitive.
pub fn holds(text: &str) -> bool {
    roster_scim::matches(&parse(text), &sample_user(), &|_| false)
}
