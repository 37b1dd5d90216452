use roster_scim::{AttrPath, CompareOp, Filter, PatchPath};
use serde_json::json;

use crate::{path, sub_path};

fn patch_path(text: &str) -> PatchPath {
    text.parse().unwrap_or_else(|e| panic!("{text:?} did not parse: {e}"))
}

fn patch_path_err(text: &str) -> String {
    match text.parse::<PatchPath>() {
        Ok(p) => panic!("{text:?} parsed as {p:?}"),
        Err(e) => e.to_string(),
    }
}

/// The paths of RFC 7644 §3.5.2's examples, and the forms its ABNF allows.
const EXAMPLES: &[&str] = &[
    "userName",
    "members",
    "name.familyName",
    "name.givenName",
    r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
    r#"emails[type eq "work"].value"#,
    r#"addresses[type eq "work"].streetAddress"#,
    r#"emails[type eq "work" and value ew "example.com"]"#,
    r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
    "members.$ref",
];

#[test]
fn every_rfc_patch_path_example_parses_and_comes_back_from_its_display() {
    for text in EXAMPLES {
        let parsed = patch_path(text);
        assert_eq!(parsed.to_string(), *text);
        assert_eq!(patch_path(&parsed.to_string()), parsed);
    }
}

#[test]
fn an_attribute_path_is_a_patch_path_without_filter() {
    assert_eq!(
        patch_path("userName"),
        PatchPath { attr: path("userName"), filter: None, sub: None }
    );
    assert_eq!(
        patch_path(" name.givenName "),
        PatchPath { attr: sub_path("name", "givenName"), filter: None, sub: None }
    );
    let ext = patch_path("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName");
    assert_eq!(ext.attr.uri.as_deref(), Some("urn:ietf:params:scim:schemas:core:2.0:User"));
    assert_eq!(ext.attr.dotted(), "name.familyname");
}

#[test]
fn a_value_path_with_a_sub_attribute_splits_into_attribute_filter_and_sub() {
    assert_eq!(
        patch_path(r#"emails[type eq "work"].value"#),
        PatchPath {
            attr: path("emails"),
            filter: Some(Filter::Compare {
                path: path("type"),
                op: CompareOp::Eq,
                value: json!("work")
            }),
            sub: Some("value".to_owned()),
        }
    );
    let members = patch_path(r#"members[value eq "2819c223"]"#);
    assert_eq!(members.attr, AttrPath { uri: None, name: "members".to_owned(), sub: None });
    assert!(members.filter.is_some());
    assert_eq!(members.sub, None);
}

#[test]
fn malformed_patch_paths_are_errors() {
    let cases = [
        ("", "expected an attribute name at 0"),
        ("emails[", "expected an attribute name, \"(\" or \"not (\" at 7"),
        (r#"emails[type eq "work""#, "expected \"]\""),
        (r#"emails[type eq "work"]value"#, "expected the end of the path, found \"value\" at 22"),
        (r#"emails[type eq "work"]."#, "expected an attribute name at 23"),
        (r#"emails[type eq "work"].a.b"#, "expected one sub-attribute name after \"].\" at 23"),
        (r#"emails[type eq "work"].x:a"#, "expected one sub-attribute name"),
        ("name.givenName[x pr]", "not to the sub-attribute \"name.givenName\""),
        (r#"userName eq "x""#, "expected the end of the path, found \"eq \\\"x\\\"\" at 9"),
        ("emails]", "found \"]\" at 6"),
        ("name.", "expected an attribute name at 5"),
        (r#"emails[value[x pr]]"#, "cannot contain another value filter"),
    ];
    for (text, message) in cases {
        let err = patch_path_err(text);
        assert!(err.contains(message), "{text:?}: {err:?} does not contain {message:?}");
    }
    assert!(patch_path_err(&"a".repeat(10_000)).contains("the path is longer than the limit"));
}

#[test]
fn attribute_paths_parse_alone_for_sort_by_and_attributes() {
    assert_eq!("meta.lastModified".parse::<AttrPath>().unwrap(), sub_path("meta", "lastModified"));
    assert!("emails[type pr]".parse::<AttrPath>().is_err());
    assert!("".parse::<AttrPath>().is_err());
    assert!(
        "a b".parse::<AttrPath>().unwrap_err().to_string().contains("end of the attribute path")
    );
}
