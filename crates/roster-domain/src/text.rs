//! Text rules shared by every string field.
//!
//! Case-insensitivity in Roster means ASCII case folding (`A`–`Z` to
//! `a`–`z`), the same in SQLite (`lower()`) and PostgreSQL (`lower()` under
//! `COLLATE "C"`), so both backends agree byte for byte on uniqueness, sort
//! order and search. No string may hold U+0000: PostgreSQL cannot store it.

use serde_json::{Map, Value};

use crate::error::ValidationError;

pub fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The total order of sortable strings: folded value, then raw bytes.
pub fn cmp_folded(a: &str, b: &str) -> std::cmp::Ordering {
    let fa = a.bytes().map(|c| c.to_ascii_lowercase());
    let fb = b.bytes().map(|c| c.to_ascii_lowercase());
    fa.cmp(fb).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

fn check_len(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    let n = s.chars().count();
    if n > max {
        return Err(ValidationError::new(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// Free text: any characters but NUL, up to `max` characters.
pub fn check_text(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    check_len(field, s, max)?;
    if s.contains('\0') {
        return Err(ValidationError::new(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// Identifiers: 1..=max characters, no control characters, not blank.
pub fn check_identifier(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    check_len(field, s, max)?;
    if s.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// A pragmatic address check: `local@domain`, no spaces or control
/// characters, a domain of non-empty dot-separated labels. Deliverability is
/// the application's business; this only keeps obvious garbage out.
pub fn check_email(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    let invalid = || ValidationError::new(field, "must be an email address like name@example.com");
    check_len(field, s, max)?;
    let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return Err(invalid());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    if domain.contains('@') || domain.split('.').any(str::is_empty) {
        return Err(invalid());
    }
    Ok(())
}

/// Custom attributes: a JSON object of at most `max_bytes` serialized and
/// `max_depth` levels of nesting, with no NUL in any key or string.
pub fn check_attributes(
    field: &str,
    attrs: &Map<String, Value>,
    max_bytes: usize,
    max_depth: usize,
) -> Result<(), ValidationError> {
    // `attributes` itself is level 1; each object or array inside it is one
    // level deeper. Scalars add no level.
    fn walk(v: &Value, depth: usize, max_depth: usize) -> Result<(), &'static str> {
        match v {
            Value::String(s) if s.contains('\0') => Err("must not contain NUL characters"),
            Value::Array(_) | Value::Object(_) if depth > max_depth => Err("nests too deeply"),
            Value::Array(items) => items.iter().try_for_each(|i| walk(i, depth + 1, max_depth)),
            Value::Object(map) => map.iter().try_for_each(|(k, v)| {
                if k.contains('\0') {
                    Err("must not contain NUL characters")
                } else {
                    walk(v, depth + 1, max_depth)
                }
            }),
            _ => Ok(()),
        }
    }
    let as_value = Value::Object(attrs.clone());
    walk(&as_value, 1, max_depth).map_err(|why| {
        ValidationError::new(field, format!("{why} (at most {max_depth} levels)"))
    })?;
    let size = serde_json::to_vec(&as_value).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > max_bytes {
        return Err(ValidationError::new(
            field,
            format!("must serialize to at most {max_bytes} bytes (got {size})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn email_check_accepts_ordinary_addresses_and_refuses_garbage() {
        for ok in ["a@b.co", "Jane.Doe+tag@Example.COM", "x@localhost", "ü@bücher.de"] {
            assert!(check_email("email", ok, 254).is_ok(), "{ok}");
        }
        for bad in ["", "a", "@b.co", "a@", "a b@c.d", "a@b..c", "a@.b", "a@b.", "a@b@c", "a\0@b.c"]
        {
            assert!(check_email("email", bad, 254).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn attributes_may_nest_eight_levels_counting_themselves_and_no_deeper() {
        let nested = |levels: usize| {
            let mut v = serde_json::json!(1);
            for _ in 0..levels {
                v = serde_json::json!({ "k": v });
            }
            v.as_object().unwrap().clone()
        };
        assert!(check_attributes("attributes", &nested(8), 16384, 8).is_ok());
        assert!(check_attributes("attributes", &nested(9), 16384, 8).is_err());
    }

    proptest! {
        #[test]
        fn folded_order_is_a_total_order_consistent_with_equality(a in ".{0,6}", b in ".{0,6}") {
            let ab = cmp_folded(&a, &b);
            prop_assert_eq!(ab, cmp_folded(&b, &a).reverse());
            prop_assert_eq!(ab == std::cmp::Ordering::Equal, a == b);
        }
    }
}
