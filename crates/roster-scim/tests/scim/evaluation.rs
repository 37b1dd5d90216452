use std::cell::RefCell;

use roster_scim::matches;
use serde_json::json;

use crate::{RFC_EXAMPLES, holds, parse, sample_user};

#[test]
fn every_rfc_example_evaluates_as_its_description_says() {
    let expected = [
        false, // userName Eq "john"
        true,  // name.familyName co "O'Malley"
        false, // userName sw "J"
        false, // urn:…:User:userName sw "J"
        true,  // title pr
        false, // meta.lastModified gt "2011-05-13T04:42:34Z"
        true,  // ge
        false, // lt
        true,  // le
        true,  // title pr and userType eq "Employee"
        true,  // title pr or userType eq "Intern"
        true,  // schemas eq "…enterprise:2.0:User"
        true,  // userType eq "Employee" and (emails co "example.com" or …)
        false, // userType ne "Employee" and not (…)
        true,  // userType eq "Employee" and (emails.type eq "work")
        true,  // userType eq "Employee" and emails[type eq "work" and value co "@example.com"]
        true,  // emails[…] or ims[…]
    ];
    assert_eq!(RFC_EXAMPLES.len(), expected.len());
    for (text, want) in RFC_EXAMPLES.iter().zip(expected) {
        assert_eq!(holds(text), want, "{text}");
    }
    assert!(holds(r#"userName sw "B""#));
    assert!(holds(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj""#));
    assert!(holds(r#"meta.lastModified gt "2011-05-13T04:42:33Z""#));
}

#[test]
fn a_value_path_filters_a_multi_valued_attribute() {
    // Both conditions must hold on the same value…
    assert!(!holds(r#"emails[type eq "home" and value co "@example.com"]"#));
    assert!(holds(r#"emails[type eq "home" and value co "@jensen.org"]"#));
    // …which is what sets it apart from conditions on the whole attribute.
    assert!(holds(r#"emails.type eq "home" and emails.value co "@example.com""#));
    assert!(holds(r#"emails[primary eq true]"#));
    assert!(!holds(r#"emails[type eq "other"]"#));
    assert!(!holds(r#"addresses[type eq "work"]"#));
    assert!(!holds(r#"title[value pr]"#));
}

#[test]
fn a_value_path_over_simple_values_compares_them_as_value() {
    assert!(holds(r#"groups[value eq "staff"]"#));
    assert!(!holds(r#"groups[value eq "guests"]"#));
}

#[test]
fn a_value_path_over_a_single_complex_value_filters_that_value() {
    assert!(holds(r#"name[givenName eq "barbara" and familyName sw "o'"]"#));
    assert!(!holds(r#"name[givenName eq "barbara" and familyName sw "x"]"#));
}

#[test]
fn attribute_names_are_case_insensitive() {
    assert!(holds(r#"USERNAME eq "bjensen@example.com""#));
    assert!(holds(r#"Name.FAMILYNAME eq "o'malley""#));
    assert!(holds(r#"EMAILS[TYPE eq "work"]"#));
    assert!(holds(
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984""#
    ));
}

#[test]
fn strings_compare_case_insensitively_unless_case_exact() {
    let user = sample_user();
    let upper = parse(r#"id eq "2819C223-7F76-453A-919D-413861904646""#);
    assert!(matches(&upper, &user, &|_| false));
    assert!(!matches(&upper, &user, &|p| p == "id"));
    let exact = parse(r#"id eq "2819c223-7f76-453a-919d-413861904646""#);
    assert!(matches(&exact, &user, &|p| p == "id"));
    let email = parse(r#"emails[value sw "BJENSEN"]"#);
    assert!(matches(&email, &user, &|_| false));
    assert!(!matches(&email, &user, &|p| p == "emails.value"));
    assert!(matches(&parse(r#"title co "tour g""#), &user, &|_| false));
    assert!(!matches(&parse(r#"title co "tour g""#), &user, &|_| true));
}

#[test]
fn case_exact_is_asked_about_the_lowercased_dotted_path() {
    let cases = [
        (r#"userName eq "x""#, "username"),
        (r#"name.familyName eq "x""#, "name.familyname"),
        (r#"emails co "x""#, "emails.value"),
        (r#"emails.Value co "x""#, "emails.value"),
        (r#"emails[type eq "x"]"#, "emails.type"),
        (r#"groups[value eq "x"]"#, "groups.value"),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "x""#,
            "employeenumber",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
            "manager.value",
        ),
    ];
    for (text, key) in cases {
        let asked = RefCell::new(Vec::new());
        matches(&parse(text), &sample_user(), &|p| {
            asked.borrow_mut().push(p.to_owned());
            false
        });
        // Asked once per value compared, always about the same path.
        let mut asked = asked.into_inner();
        asked.dedup();
        assert_eq!(asked, vec![key.to_owned()], "{text}");
    }
}

#[test]
fn extension_attributes_are_found_under_their_schema_uri() {
    let uri = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert!(holds(&format!(r#"{uri}:employeeNumber eq "701984""#)));
    assert!(holds(&format!(r#"{uri}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#)));
    assert!(holds(&format!(r#"{uri}:manager[value sw "2611"]"#)));
    assert!(!holds(r#"employeeNumber pr"#));
    assert!(!holds(r#"urn:example:other:1.0:User:employeeNumber pr"#));
    // A core schema's attributes are at the top level, whichever of the two.
    assert!(holds(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara""#));
    assert!(holds(r#"urn:ietf:params:scim:schemas:core:2.0:Group:userType eq "Employee""#));
    assert!(!holds(r#"urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber pr"#));
}

#[test]
fn present_means_there_and_not_null_empty_or_missing() {
    for (name, want) in [
        ("title", true),
        ("active", true),
        ("loginCount", true),
        ("emails", true),
        ("name", true),
        ("emails.primary", true),
        ("nickName", false),
        ("profileUrl", false),
        ("phoneNumbers", false),
        ("x509Certificates", false),
        ("missing", false),
        ("name.middleName", false),
        ("title.value", false),
    ] {
        assert_eq!(holds(&format!("{name} pr")), want, "{name}");
    }
    assert!(!matches(&parse("a pr"), &json!({"a": [null, ""]}), &|_| false));
    assert!(matches(&parse("a pr"), &json!({"a": [null, "x"]}), &|_| false));
}

#[test]
fn eq_null_means_absent_and_ne_holds_for_an_absent_attribute() {
    assert!(holds("nickName eq null"));
    assert!(holds("missing eq null"));
    assert!(!holds("title eq null"));
    assert!(holds("title ne null"));
    assert!(!holds("missing ne null"));
    assert!(holds(r#"missing ne "x""#));
    assert!(!holds(r#"missing eq "x""#));
    assert!(holds(r#"not (missing eq "x")"#));
}

#[test]
fn ne_on_a_multi_valued_attribute_holds_when_no_value_equals() {
    assert!(!holds(r#"emails.type ne "work""#));
    assert!(holds(r#"emails.type ne "other""#));
    assert!(!holds(r#"emails[type ne "work" and type ne "home"]"#));
    assert!(holds(r#"emails[type ne "work"]"#));
}

#[test]
fn numbers_compare_numerically() {
    assert!(holds("loginCount gt 9")); // as text, "42" < "9"
    assert!(holds("loginCount eq 42.0"));
    assert!(holds("loginCount ge 42 and loginCount le 42"));
    assert!(!holds("loginCount lt 42"));
    assert!(holds("loginCount lt 4.2e1 or loginCount ne 41"));
    assert!(!holds(r#"loginCount eq "42""#));
    let big = json!({"n": 9_007_199_254_740_993_u64});
    assert!(matches(&parse("n gt 9007199254740992"), &big, &|_| false));
    assert!(matches(&parse("n gt -1"), &json!({"n": u64::MAX}), &|_| false));
}

#[test]
fn booleans_only_compare_for_equality() {
    assert!(holds("active eq true"));
    assert!(!holds("active eq false"));
    assert!(holds("active ne false"));
    assert!(!holds("active gt false"));
    assert!(!holds("active le true"));
    assert!(!holds(r#"active co "t""#));
    assert!(!holds(r#"active eq "true""#));
    assert!(!holds("profileUrl gt null"));
}

#[test]
fn co_sw_and_ew_apply_to_strings_only() {
    assert!(holds(r#"title sw "tour""#));
    assert!(holds(r#"title ew "GUIDE""#));
    assert!(holds(r#"title co "r g""#));
    assert!(!holds(r#"title co "guides""#));
    assert!(!holds("loginCount co 4"));
    assert!(!holds("loginCount sw 4"));
}

#[test]
fn strings_order_by_code_point_which_orders_iso_timestamps() {
    assert!(holds(r#"meta.created lt "2010-01-23T04:56:23Z""#));
    assert!(holds(r#"meta.created gt "2009-12-31T23:59:59Z""#));
    assert!(holds(r#"userName gt "bj" and userName lt "bk""#));
    assert!(holds(r#"title ge "TOUR GUIDE" and title le "tour guide""#));
}

#[test]
fn a_multi_valued_attribute_matches_when_any_value_does() {
    assert!(holds(r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:User""#));
    assert!(holds(r#"emails.value ew "jensen.org""#));
    assert!(holds(r#"emails co "jensen.org""#));
    assert!(holds(r#"groups eq "admins""#));
    assert!(!holds(r#"groups eq "guests""#));
}

#[test]
fn not_negates() {
    assert!(!holds("not (title pr)"));
    assert!(holds("not (missing pr)"));
    assert!(holds("not (not (title pr))"));
    assert!(holds(r#"userType ne "Employee" or not (emails co "example.org")"#));
}

#[test]
fn a_sub_attribute_of_a_scalar_or_of_a_missing_extension_is_absent() {
    assert!(!holds(r#"title.value eq "Tour Guide""#));
    assert!(holds(r#"title.value ne "Tour Guide""#));
    assert!(!matches(&parse("a.b pr"), &json!({"a": [1, {"b": null}]}), &|_| false));
    assert!(!matches(&parse("urn:x:y:a pr"), &json!({"urn:x:y": 5}), &|_| false));
    assert!(!matches(&parse("a pr"), &json!([{"a": 1}]), &|_| false));
}
