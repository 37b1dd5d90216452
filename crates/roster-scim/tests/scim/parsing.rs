use roster_scim::{AttrPath, CompareOp, Filter, MAX_FILTER_DEPTH, MAX_FILTER_LEN};
use serde_json::json;

use crate::{RFC_EXAMPLES, parse, parse_err, path, sub_path};

fn present(name: &str) -> Filter {
    Filter::Present(path(name))
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn cmp(path: AttrPath, op: CompareOp, value: serde_json::Value) -> Filter {
    Filter::Compare { path, op, value }
}

#[test]
fn every_rfc_example_filter_parses() {
    for text in RFC_EXAMPLES {
        parse(text);
    }
}

#[test]
fn every_rfc_example_comes_back_from_its_display() {
    for text in RFC_EXAMPLES {
        let filter = parse(text);
        assert_eq!(parse(&filter.to_string()), filter, "{text}");
    }
}

#[test]
fn a_comparison_parses_to_path_operator_and_json_value() {
    assert_eq!(parse(r#"userName Eq "john""#), cmp(path("userName"), CompareOp::Eq, json!("john")));
    assert_eq!(
        parse(r#"name.familyName co "O'Malley""#),
        cmp(sub_path("name", "familyName"), CompareOp::Co, json!("O'Malley"))
    );
    assert_eq!(parse("title pr"), present("title"));
}

#[test]
fn operators_and_keywords_are_case_insensitive() {
    for op in CompareOp::ALL {
        for word in [op.as_str().to_owned(), op.as_str().to_uppercase(), {
            let mut w = op.as_str().to_owned();
            w[..1].make_ascii_uppercase();
            w
        }] {
            assert_eq!(parse(&format!("a {word} 1")), cmp(path("a"), op, json!(1)));
        }
    }
    assert_eq!(
        parse("a PR AND b Pr OR NOT (c pR) aNd Not(d pr)"),
        or(and(present("a"), present("b")), and(not(present("c")), not(present("d"))))
    );
    assert_eq!(parse("a eq TRUE"), cmp(path("a"), CompareOp::Eq, json!(true)));
    assert_eq!(parse("a eq Null"), cmp(path("a"), CompareOp::Eq, json!(null)));
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(parse("a pr or b pr and c pr"), or(present("a"), and(present("b"), present("c"))));
    assert_eq!(parse("a pr and b pr or c pr"), or(and(present("a"), present("b")), present("c")));
}

#[test]
fn parentheses_group_before_and_and_or() {
    assert_eq!(parse("(a pr or b pr) and c pr"), and(or(present("a"), present("b")), present("c")));
    assert_eq!(parse("((a pr))"), present("a"));
}

#[test]
fn not_negates_only_its_parenthesised_filter() {
    assert_eq!(parse("not (a pr) and b pr"), and(not(present("a")), present("b")));
    assert_eq!(parse("not(a pr or b pr)"), not(or(present("a"), present("b"))));
}

#[test]
fn and_and_or_associate_to_the_left() {
    assert_eq!(parse("a pr and b pr and c pr"), and(and(present("a"), present("b")), present("c")));
    assert_eq!(parse("a pr or b pr or c pr"), or(or(present("a"), present("b")), present("c")));
    // Display keeps a grouping that differs from the default.
    for text in ["a pr and (b pr and c pr)", "a pr or (b pr or c pr)", "(a pr or b pr) and c pr"] {
        let filter = parse(text);
        assert_eq!(filter.to_string(), text);
        assert_eq!(parse(&filter.to_string()), filter);
    }
}

#[test]
fn a_value_path_parses_with_its_inner_filter() {
    assert_eq!(
        parse(r#"emails[type eq "work" and value co "@example.com"]"#),
        Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(and(
                cmp(path("type"), CompareOp::Eq, json!("work")),
                cmp(path("value"), CompareOp::Co, json!("@example.com"))
            )),
        }
    );
    assert!(matches!(parse(r#"members[value eq "abc"]"#), Filter::ValuePath { .. }));
}

#[test]
fn a_value_path_can_be_followed_and_preceded_by_more_logic() {
    let filter = parse(r#"emails[type eq "work"] or not (userName pr)"#);
    let Filter::Or(l, r) = filter else { panic!("{filter:?}") };
    assert!(matches!(*l, Filter::ValuePath { .. }));
    assert_eq!(*r, not(present("userName")));
    let filter =
        parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#);
    let parts = filter.conjuncts();
    assert_eq!(parts.len(), 2);
    assert!(matches!(parts[1], Filter::ValuePath { .. }));
}

#[test]
fn schema_uris_with_dots_split_at_the_last_colon() {
    let cases = [
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "userName",
            None,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "employeeNumber",
            None,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "manager",
            Some("value"),
        ),
    ];
    for (text, uri, name, sub) in cases {
        let expected = AttrPath {
            uri: Some(uri.to_owned()),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        };
        assert_eq!(parse(&format!("{text} pr")), Filter::Present(expected.clone()), "{text}");
        assert_eq!(text.parse::<AttrPath>().unwrap(), expected);
        assert_eq!(expected.to_string(), text);
    }
}

#[test]
fn names_keep_their_case_and_helpers_ignore_it() {
    let p: AttrPath = "Name.FamilyName".parse().unwrap();
    assert_eq!((p.name.as_str(), p.sub.as_deref()), ("Name", Some("FamilyName")));
    assert_eq!(p.dotted(), "name.familyname");
    assert!(p.matches_name("name"));
    assert!(p.matches_name("NAME.familyname"));
    assert!(!p.matches_name("name.givenName"));
    assert!(!p.matches_name("nickName"));
    assert_eq!(path("userName").dotted(), "username");
    assert!(!path("name").matches_name("name.familyName"));
}

#[test]
fn ref_is_a_sub_attribute_name() {
    assert_eq!(
        parse(r#"members.$ref eq "https://example.com/v2/Users/1""#),
        cmp(sub_path("members", "$ref"), CompareOp::Eq, json!("https://example.com/v2/Users/1"))
    );
}

#[test]
fn values_are_json_literals() {
    let cases = [
        ("a eq true", json!(true)),
        ("a eq false", json!(false)),
        ("a eq null", json!(null)),
        ("a eq 42", json!(42)),
        ("a eq -1.5e3", json!(-1500.0)),
        ("a eq 18446744073709551615", json!(u64::MAX)),
        (r#"a eq "say \"hi\"\\ \u00e9 \n""#, json!("say \"hi\"\\ é \n")),
        (r#"a eq "é😀""#, json!("é😀")),
        (r#"a eq """#, json!("")),
    ];
    for (text, value) in cases {
        assert_eq!(parse(text), cmp(path("a"), CompareOp::Eq, value), "{text}");
    }
}

#[test]
fn whitespace_is_lenient() {
    assert_eq!(
        parse("  userName   eq\t\"a\"   and  (  title   pr  )  "),
        and(cmp(path("userName"), CompareOp::Eq, json!("a")), present("title"))
    );
    assert_eq!(parse("emails[ type eq \"w\" ]"), parse("emails[type eq \"w\"]"));
}

#[test]
fn keywords_are_whole_words_so_attributes_may_start_with_them() {
    assert_eq!(parse("android pr or notes pr"), or(present("android"), present("notes")));
    assert_eq!(parse("orders pr and nothing pr"), and(present("orders"), present("nothing")));
    assert_eq!(parse(r#"not eq "x""#), cmp(path("not"), CompareOp::Eq, json!("x")));
    assert_eq!(parse("prime pr"), present("prime"));
}

#[test]
fn conjuncts_flatten_the_top_level_ands() {
    let filter = parse(r#"a eq 1 and (b pr and c pr) and (d pr or e pr)"#);
    let parts = filter.conjuncts();
    assert_eq!(parts.len(), 4);
    assert_eq!(*parts[0], cmp(path("a"), CompareOp::Eq, json!(1)));
    assert_eq!(*parts[1], present("b"));
    assert_eq!(*parts[2], present("c"));
    assert_eq!(*parts[3], or(present("d"), present("e")));
    let single = parse("a pr or b pr");
    assert_eq!(single.conjuncts(), vec![&single]);
    assert_eq!(single.disjuncts().len(), 2);
}

#[test]
fn malformed_filters_are_errors_that_say_what_and_where() {
    let cases = [
        (
            "userName eq",
            "expected a value (a string in double quotes, a number, true, false or null) after \"eq\" at 11",
        ),
        (
            "userName zz \"a\"",
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or \"pr\" after \"userName\", found \"zz\" at 9",
        ),
        ("userName", "or \"pr\" after \"userName\" at 8"),
        ("(userName pr", "expected \")\" (to close the \"(\" at 0) at 12"),
        ("userName pr)", "expected \"and\", \"or\" or the end of the filter, found \")\" at 11"),
        ("userName eq \"abc", "unterminated string starting at 12"),
        ("\"a\" eq userName", "expected an attribute name, \"(\" or \"not (\" at 0"),
        ("", "expected an attribute name, \"(\" or \"not (\" at 0"),
        ("   ", "expected an attribute name, \"(\" or \"not (\" at 3"),
        ("userName eq john", "found \"john\" at 12"),
        ("userName eq 'john'", "after \"eq\" at 12"),
        ("not userName pr", "expected \"(\" after \"not\" at 4"),
        ("not", "expected \"(\" after \"not\" at 3"),
        ("title pr and", "expected an attribute name, \"(\" or \"not (\" at 12"),
        ("title pr or ()", "expected an attribute name, \"(\" or \"not (\" at 13"),
        ("emails[type eq \"work\"", "expected \"]\" (to close the \"[\" at 6) at 21"),
        ("emails[type eq \"work\"]]", "found \"]\" at 22"),
        ("emails[value[x pr]]", "a value filter cannot contain another value filter at 12"),
        ("name.givenName[x pr]", "not to the sub-attribute \"name.givenName\" at 14"),
        ("a.b.c pr", "\"b.c\" is not an attribute name"),
        ("1abc pr", "\"1abc\" is not an attribute name"),
        ("a_b-c pr and _a pr", "\"_a\" is not an attribute name"),
        (":userName pr", "expected a schema URI before \":\" at 0"),
        ("urn:foo: pr", "expected an attribute name at 8"),
        (
            "userName eq \"a\\q\"",
            "invalid string (a bad escape or a raw control character) starting at 12",
        ),
        ("userName eq 01", "expected a JSON number, found \"01\" at 12"),
        ("userName eq 1e999", "expected a JSON number"),
        ("userName eq -", "expected a JSON number"),
        ("userName eq \"a\" \"b\"", "found \"\\\"b\\\"\" at 16"),
        ("userName pr pr", "found \"pr\" at 12"),
        ("userName eq\"a\"x", "found \"x\" at 14"),
        ("userName co", "after \"co\" at 11"),
        ("userName\"eq\" \"a\"", "after \"userName\" at 8"),
        ("émail pr", "expected an attribute name, \"(\" or \"not (\" at 0"),
    ];
    for (text, message) in cases {
        let err = parse_err(text);
        assert!(err.contains(message), "{text:?}: {err:?} does not contain {message:?}");
    }
}

#[test]
fn error_offsets_count_characters_not_bytes() {
    assert!(parse_err(r#"displayName eq "é😀" zz"#).ends_with(" at 20"));
}

#[test]
fn error_messages_do_not_grow_with_the_input() {
    let long = "x".repeat(5000);
    let err = parse_err(&format!("{long} zz"));
    assert!(err.len() < 200, "{err}");
}

#[test]
fn a_filter_nested_too_deep_is_an_error_not_a_crash() {
    let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    parse(&nested(MAX_FILTER_DEPTH));
    assert!(parse_err(&nested(MAX_FILTER_DEPTH + 1)).contains("nests deeper than 32 levels"));
    assert!(parse_err(&nested(4000)).contains("nests deeper"));
    let nots = format!("{}a pr{}", "not (".repeat(1000), ")".repeat(1000));
    assert!(parse_err(&nots).contains("nests deeper"));
    let brackets = format!("{}a pr{}", "a[".repeat(2000), "]".repeat(2000));
    assert!(parse_err(&brackets).contains("value filter"));
    let in_brackets =
        format!("a[{}b pr{}]", "(".repeat(MAX_FILTER_DEPTH), ")".repeat(MAX_FILTER_DEPTH));
    assert!(parse_err(&in_brackets).contains("nests deeper"));
}

#[test]
fn a_filter_longer_than_the_limit_is_an_error() {
    let text = format!("a eq \"{}\"", "x".repeat(MAX_FILTER_LEN));
    assert_eq!(parse_err(&text), "the filter is longer than the limit of 8192 bytes");
    let nested = format!("{}a pr{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(parse_err(&nested).contains("longer than the limit"));
}

#[test]
fn the_longest_chain_of_ands_parses_evaluates_and_prints() {
    let mut text = String::from("a pr");
    while text.len() + 16 < MAX_FILTER_LEN {
        text.push_str(" and b pr or c pr");
    }
    let filter = parse(&text);
    assert!(filter.disjuncts().len() > 400);
    assert!(!roster_scim::matches(&filter, &json!({}), &|_| false));
    assert!(roster_scim::matches(&filter, &json!({"c": 1}), &|_| false));
    assert_eq!(parse(&filter.to_string()), filter);
    let ands = format!("a pr{}", " and a pr".repeat((MAX_FILTER_LEN - 8) / 9));
    let filter = parse(&ands);
    assert_eq!(filter.conjuncts().len(), (MAX_FILTER_LEN - 8) / 9 + 1);
    assert!(roster_scim::matches(&filter, &json!({"a": 1}), &|_| false));
}
