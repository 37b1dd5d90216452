//! An independent, in-memory model of the user list: which users a query
//! returns and in which order, written from API.md alone (it shares no code
//! with the server). Users are the JSON objects the API returns.

#![allow(dead_code)]

use std::cmp::Ordering;

use serde_json::Value;

use crate::support::{enc, normalized_time};

pub const SORT_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "email",
    "name",
    "identifier",
    "first_name",
    "last_name",
    "status",
    "user_type",
];

pub const STATUSES: &[&str] =
    &["active", "onboarding", "inactive", "suspended", "risky", "disabled"];

pub const USER_TYPES: &[&str] = &["saas_admin", "saas_user", "saas_user_client"];

/// ASCII case folding: what "case-insensitive" means in Roster.
pub fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// How the list is ordered.
#[derive(Debug, Clone, PartialEq)]
pub enum SortSpec {
    /// No sort parameter: `created_at` ascending, or rank order when
    /// searching.
    Default,
    /// `sort_by` (None: omitted) and `sort_order` (None: omitted).
    SortBy(Option<String>, Option<bool>),
    /// `sort=a,-b`: (field, descending).
    Multi(Vec<(String, bool)>),
}

impl SortSpec {
    /// (field, descending) keys, or None for the default/ranked order.
    fn keys(&self) -> Option<Vec<(String, bool)>> {
        match self {
            SortSpec::Default => None,
            SortSpec::SortBy(field, desc) => Some(vec![(
                field.clone().unwrap_or_else(|| "created_at".into()),
                desc.unwrap_or(false),
            )]),
            SortSpec::Multi(keys) => Some(keys.clone()),
        }
    }

    /// Whether `sort_by` was given (ranking applies only without it).
    fn has_sort(&self) -> bool {
        !matches!(self, SortSpec::Default)
    }
}

/// A list query, in model terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub ids: Option<Vec<String>>,
    pub email: Option<String>,
    pub identifier: Option<String>,
    pub user_types: Option<Vec<String>>,
    pub statuses: Option<Vec<String>>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    pub attributes: Vec<(String, Value)>,
    pub search: Vec<String>,
    pub sort: SortSpec,
    /// Use the Keycard spellings (`filter[x]`, `query[]`).
    pub keycard: bool,
    /// Spell a single search term `q` instead of `search`.
    pub alias_q: bool,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            ids: None,
            email: None,
            identifier: None,
            user_types: None,
            statuses: None,
            created_from: None,
            created_to: None,
            updated_from: None,
            updated_to: None,
            attributes: Vec::new(),
            search: Vec::new(),
            sort: SortSpec::Default,
            keycard: false,
            alias_q: false,
        }
    }
}

fn s<'a>(u: &'a Value, field: &str) -> &'a str {
    u[field].as_str().unwrap_or("")
}

/// JSON equality with numbers compared by value (`3` equals `3.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// The text of an `attributes.<key>` query value that means `v`.
pub fn attribute_query_text(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let reads_as_json = matches!(
                serde_json::from_str::<Value>(s),
                Ok(Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_))
            );
            if reads_as_json { Value::String(s.clone()).to_string() } else { s.clone() }
        }
        other => other.to_string(),
    }
}

/// Rank of a user for a folded term: 0 whole field, 1 prefix, 2 substring.
pub fn rank(u: &Value, folded_term: &str) -> Option<u8> {
    let fields = [s(u, "id"), s(u, "email"), s(u, "name"), s(u, "identifier"), s(u, "description")];
    fields
        .iter()
        .filter_map(|f| {
            let f = fold(f);
            if f == folded_term {
                Some(0)
            } else if f.starts_with(folded_term) {
                Some(1)
            } else if f.contains(folded_term) {
                Some(2)
            } else {
                None
            }
        })
        .min()
}

/// Strings: by ASCII-lowercased value, then raw bytes.
pub fn cmp_text(a: &str, b: &str) -> Ordering {
    fold(a).as_bytes().cmp(fold(b).as_bytes()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

pub fn cmp_field(a: &Value, b: &Value, field: &str) -> Ordering {
    match field {
        "created_at" | "updated_at" => {
            normalized_time(s(a, field)).cmp(&normalized_time(s(b, field)))
        }
        "status" | "user_type" => s(a, field).as_bytes().cmp(s(b, field).as_bytes()),
        _ => cmp_text(s(a, field), s(b, field)),
    }
}

fn dir(o: Ordering, desc: bool) -> Ordering {
    if desc { o.reverse() } else { o }
}

impl Query {
    pub fn ranked(&self) -> bool {
        !self.search.is_empty() && !self.sort.has_sort()
    }

    pub fn matches(&self, u: &Value) -> bool {
        let id = s(u, "id");
        let in_list = |list: &Option<Vec<String>>, v: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x == v))
        };
        if !in_list(&self.ids, id)
            || !in_list(&self.user_types, s(u, "user_type"))
            || !in_list(&self.statuses, s(u, "status"))
            || self.email.as_ref().is_some_and(|e| fold(s(u, "email")) != fold(e))
            || self.identifier.as_ref().is_some_and(|i| fold(s(u, "identifier")) != fold(i))
        {
            return false;
        }
        let c = normalized_time(s(u, "created_at"));
        let up = normalized_time(s(u, "updated_at"));
        if self.created_from.as_ref().is_some_and(|t| c < normalized_time(t))
            || self.created_to.as_ref().is_some_and(|t| c >= normalized_time(t))
            || self.updated_from.as_ref().is_some_and(|t| up < normalized_time(t))
            || self.updated_to.as_ref().is_some_and(|t| up >= normalized_time(t))
        {
            return false;
        }
        for (k, v) in &self.attributes {
            match u["attributes"].get(k) {
                Some(have) if json_equal(have, v) => {}
                _ => return false,
            }
        }
        self.search.iter().all(|t| rank(u, &fold(t)).is_some())
    }

    pub fn compare(&self, a: &Value, b: &Value) -> Ordering {
        let by_id = |desc: bool| dir(s(a, "id").as_bytes().cmp(s(b, "id").as_bytes()), desc);
        if self.ranked() {
            let term = fold(&self.search[0]);
            return rank(a, &term)
                .cmp(&rank(b, &term))
                .then_with(|| cmp_field(a, b, "created_at"))
                .then_with(|| by_id(false));
        }
        let keys = self.sort.keys().unwrap_or_else(|| vec![("created_at".into(), false)]);
        for (field, desc) in &keys {
            let o = dir(cmp_field(a, b, field), *desc);
            if o != Ordering::Equal {
                return o;
            }
        }
        by_id(keys.last().is_some_and(|k| k.1))
    }

    /// The users this query returns, in order.
    pub fn apply(&self, users: &[Value]) -> Vec<Value> {
        let mut out: Vec<Value> = users.iter().filter(|u| self.matches(u)).cloned().collect();
        out.sort_by(|a, b| self.compare(a, b));
        out
    }

    fn name(&self, plain: &str) -> String {
        if self.keycard { enc(&format!("filter[{plain}]")) } else { plain.to_owned() }
    }

    /// The query string (without paging parameters).
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(ids) = &self.ids {
            parts.push(format!("{}={}", self.name("id"), enc(&ids.join(","))));
        }
        if let Some(e) = &self.email {
            parts.push(format!("{}={}", self.name("email"), enc(e)));
        }
        if let Some(i) = &self.identifier {
            parts.push(format!("{}={}", self.name("identifier"), enc(i)));
        }
        if let Some(t) = &self.user_types {
            parts.push(format!("{}={}", self.name("user_type"), enc(&t.join(","))));
        }
        if let Some(st) = &self.statuses {
            parts.push(format!("{}={}", self.name("status"), enc(&st.join(","))));
        }
        for (p, v) in [
            ("created_at_from", &self.created_from),
            ("created_at_to", &self.created_to),
            ("updated_at_from", &self.updated_from),
            ("updated_at_to", &self.updated_to),
        ] {
            if let Some(v) = v {
                parts.push(format!("{}={}", self.name(p), enc(v)));
            }
        }
        for (k, v) in &self.attributes {
            parts.push(format!(
                "{}={}",
                self.name(&format!("attributes.{k}")),
                enc(&attribute_query_text(v))
            ));
        }
        for t in &self.search {
            let name = if self.keycard || self.search.len() > 1 {
                enc("query[]")
            } else if self.alias_q {
                "q".to_owned()
            } else {
                "search".to_owned()
            };
            parts.push(format!("{name}={}", enc(t)));
        }
        match &self.sort {
            SortSpec::Default => {}
            SortSpec::SortBy(field, desc) => {
                if let Some(f) = field {
                    parts.push(format!("sort_by={f}"));
                }
                if let Some(d) = desc {
                    parts.push(format!("sort_order={}", if *d { "desc" } else { "asc" }));
                }
            }
            SortSpec::Multi(keys) => {
                let spec: Vec<String> = keys
                    .iter()
                    .map(|(f, d)| if *d { format!("-{f}") } else { f.clone() })
                    .collect();
                parts.push(format!("sort={}", enc(&spec.join(","))));
            }
        }
        parts.join("&")
    }
}
