//! Evaluating a filter over a SCIM resource's JSON (RFC 7644 §3.4.2.2).
//!
//! This is the reference semantics: a backend that translates a filter into
//! its own query language must select exactly the resources `matches`
//! accepts.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::filter::{AttrPath, CompareOp, Filter};

/// Schema URIs whose attributes sit at the top level of a resource; any
/// other URI names an extension object keyed by that URI (RFC 7643 §3.3).
const CORE_SCHEMAS: [&str; 2] =
    ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"];

/// Whether `resource` satisfies `filter`.
///
/// `case_exact` gets the lowercased dotted path of a string attribute
/// (`"username"`, `"emails.value"`, `"id"`; no schema URI) and answers
/// whether comparisons on it are case-exact (RFC 7643 §2.2 `caseExact`);
/// otherwise strings compare ignoring ASCII case.
pub fn matches(filter: &Filter, resource: &Value, case_exact: &dyn Fn(&str) -> bool) -> bool {
    Eval { case_exact }.filter(filter, resource, "")
}

struct Eval<'c> {
    case_exact: &'c dyn Fn(&str) -> bool,
}

impl Eval<'_> {
    /// `prefix` is the multi-valued attribute a value filter is inside of,
    /// so `emails[value eq "x"]` asks `case_exact` about `emails.value`.
    fn filter(&self, filter: &Filter, res: &Value, prefix: &str) -> bool {
        match filter {
            // Flattened, so a long chain of `and`s costs no stack depth.
            Filter::And(..) => filter.conjuncts().into_iter().all(|f| self.filter(f, res, prefix)),
            Filter::Or(..) => filter.disjuncts().into_iter().any(|f| self.filter(f, res, prefix)),
            Filter::Not(inner) => !self.filter(inner, res, prefix),
            Filter::Present(path) => is_present(res, path),
            Filter::Compare { path, op, value } => self.compare(res, path, *op, value, prefix),
            Filter::ValuePath { path, filter } => {
                let prefix = qualified(prefix, &path.name.to_ascii_lowercase());
                elements(res, path).iter().any(|el| match el {
                    Value::Object(_) => self.filter(filter, el, &prefix),
                    // A simple multi-valued attribute (`schemas`, or members
                    // stored as bare ids): its values answer to `value`.
                    scalar => {
                        let wrapped = Value::Object(
                            [("value".to_owned(), scalar.clone())].into_iter().collect(),
                        );
                        self.filter(filter, &wrapped, &prefix)
                    }
                })
            }
        }
    }

    fn compare(
        &self,
        res: &Value,
        path: &AttrPath,
        op: CompareOp,
        value: &Value,
        prefix: &str,
    ) -> bool {
        match (op, value) {
            (CompareOp::Eq, Value::Null) => return !is_present(res, path),
            (CompareOp::Ne, Value::Null) => return is_present(res, path),
            // Negating `eq` makes `ne` hold for an absent attribute, and for
            // a multi-valued one only when no value equals.
            (CompareOp::Ne, _) => return !self.compare(res, path, CompareOp::Eq, value, prefix),
            _ => {}
        }
        let (found, via_value) = values(res, path, true);
        let exact = match value {
            Value::String(_) => {
                let mut key = qualified(prefix, &path.dotted());
                if via_value {
                    key.push_str(".value");
                }
                (self.case_exact)(&key)
            }
            _ => false,
        };
        found.into_iter().any(|v| test(v, op, value, exact))
    }
}

fn qualified(prefix: &str, dotted: &str) -> String {
    if prefix.is_empty() { dotted.to_owned() } else { format!("{prefix}.{dotted}") }
}

/// An object's member, by exact key first, then ignoring ASCII case
/// (attribute names are case-insensitive, RFC 7643 §2.1).
fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object
        .get(key)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The attribute `path` names, before any sub-attribute.
fn attribute<'a>(res: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let base = match &path.uri {
        Some(uri) if !CORE_SCHEMAS.iter().any(|core| core.eq_ignore_ascii_case(uri)) => {
            get(res, uri)?
        }
        _ => res,
    };
    get(base, &path.name)
}

/// A multi-valued attribute's values; a single value is a list of one.
fn items(value: &Value) -> &[Value] {
    match value {
        Value::Array(values) => values,
        other => std::slice::from_ref(other),
    }
}

/// What a value filter ranges over: a multi-valued attribute's values, or
/// a single complex value.
fn elements<'a>(res: &'a Value, path: &AttrPath) -> &'a [Value] {
    match attribute(res, path) {
        Some(Value::Array(values)) => values,
        Some(object @ Value::Object(_)) => std::slice::from_ref(object),
        _ => &[],
    }
}

/// The values `path` names in `res`, multi-valued attributes spread out.
/// With `complex_as_value`, the values of a multi-valued complex attribute
/// compared as a whole stand for their `value` sub-attribute (`emails co
/// "x"` means `emails.value co "x"`); the flag in the answer says so.
fn values<'a>(res: &'a Value, path: &AttrPath, complex_as_value: bool) -> (Vec<&'a Value>, bool) {
    let Some(attr) = attribute(res, path) else {
        return (Vec::new(), false);
    };
    match (&path.sub, attr) {
        (Some(sub), _) => {
            let found = items(attr).iter().filter_map(|el| get(el, sub)).flat_map(items).collect();
            (found, false)
        }
        (None, Value::Array(els)) if complex_as_value && els.iter().any(Value::is_object) => {
            let found = els
                .iter()
                .filter_map(|el| if el.is_object() { get(el, "value") } else { Some(el) });
            (found.collect(), true)
        }
        (None, _) => (items(attr).iter().collect(), false),
    }
}

/// `pr`: some value is there and not null, "", [] or {}.
fn is_present(res: &Value, path: &AttrPath) -> bool {
    values(res, path, false).0.into_iter().any(|v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    })
}

/// One attribute value against the filter's value. Values of different
/// JSON types never match; booleans only compare for equality.
fn test(attr: &Value, op: CompareOp, value: &Value, exact: bool) -> bool {
    match (attr, value) {
        (Value::String(a), Value::String(b)) if exact => text(a, op, b),
        (Value::String(a), Value::String(b)) => {
            text(&a.to_ascii_lowercase(), op, &b.to_ascii_lowercase())
        }
        (Value::Number(a), Value::Number(b)) => numbers(a, b).is_some_and(|ord| holds(op, ord)),
        (Value::Bool(a), Value::Bool(b)) => op == CompareOp::Eq && a == b,
        _ => false,
    }
}

/// Strings order by code point, which orders ISO-8601 timestamps written
/// in one format (as `meta.lastModified` is) chronologically.
fn text(a: &str, op: CompareOp, b: &str) -> bool {
    match op {
        CompareOp::Co => a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        _ => holds(op, a.cmp(b)),
    }
}

fn holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Integers compare exactly (an i64 and a u64 beyond f64's precision
/// included); anything with a fraction compares as f64.
fn numbers(a: &Number, b: &Number) -> Option<Ordering> {
    fn int(n: &Number) -> Option<i128> {
        n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
    }
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}
