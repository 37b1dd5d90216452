//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which
//! attributes of a resource a response carries. `id` and `schemas` are
//! always returned.

use serde_json::{Map, Value};

use crate::filter::AttrPath;

const ALWAYS: &[&str] = &["id", "schemas"];
/// Paths per `attributes` or `excludedAttributes`: more than a schema has.
pub const MAX_PATHS: usize = 100;

/// The attributes a client listed (comma-separated, or a JSON list).
#[derive(Debug, Clone, Default)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

impl Projection {
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, crate::FilterError> {
        let list = |s: Option<&str>| -> Result<Vec<AttrPath>, crate::FilterError> {
            s.unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::parse)
                .collect()
        };
        let (attributes, excluded) = (list(attributes)?, list(excluded)?);
        // Each path is compared with each attribute of each resource.
        if attributes.len() > MAX_PATHS || excluded.len() > MAX_PATHS {
            return Err(crate::FilterError {
                message: format!("at most {MAX_PATHS} attribute paths per list"),
            });
        }
        Ok(Self { attributes, excluded })
    }

    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(map) = resource else { return resource };
        let map = if self.attributes.is_empty() { map } else { keep(map, &self.attributes) };
        Value::Object(drop(map, &self.excluded))
    }
}

/// The map of the extension `uri` names, or the resource's top level.
fn is_extension_key(key: &str) -> bool {
    key.contains(':')
}

fn keep(map: Map<String, Value>, paths: &[AttrPath]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        if ALWAYS.contains(&key.as_str()) {
            out.insert(key, value);
            continue;
        }
        let wanted: Vec<&AttrPath> = paths
            .iter()
            .filter(|p| {
                if is_extension_key(&key) {
                    p.uri.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(&key))
                        || format!("{}", p).eq_ignore_ascii_case(&key)
                        || p.uri
                            .as_deref()
                            .zip(Some(p.name.as_str()))
                            .is_some_and(|(u, n)| format!("{u}:{n}").eq_ignore_ascii_case(&key))
                } else {
                    p.name.eq_ignore_ascii_case(&key)
                        && p.uri.as_deref().is_none_or(|u| !u.contains("extension"))
                }
            })
            .collect();
        if wanted.is_empty() {
            continue;
        }
        if is_extension_key(&key) {
            let whole = wanted.iter().any(|p| {
                format!("{p}").eq_ignore_ascii_case(&key)
                    || p.uri
                        .as_deref()
                        .zip(Some(p.name.as_str()))
                        .is_some_and(|(u, n)| format!("{u}:{n}").eq_ignore_ascii_case(&key))
            });
            let value = match value {
                Value::Object(ext) if !whole => {
                    let inner: Vec<AttrPath> = wanted
                        .iter()
                        .map(|p| AttrPath { uri: None, name: p.name.clone(), sub: p.sub.clone() })
                        .collect();
                    Value::Object(keep_plain(ext, &inner))
                }
                v => v,
            };
            out.insert(key, value);
            continue;
        }
        let subs: Vec<&str> = wanted.iter().filter_map(|p| p.sub.as_deref()).collect();
        if wanted.iter().any(|p| p.sub.is_none()) || subs.is_empty() {
            out.insert(key, value);
        } else {
            out.insert(key, only_subs(value, &subs));
        }
    }
    out
}

fn keep_plain(map: Map<String, Value>, paths: &[AttrPath]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        let wanted: Vec<&AttrPath> =
            paths.iter().filter(|p| p.name.eq_ignore_ascii_case(&key)).collect();
        if wanted.is_empty() {
            continue;
        }
        let subs: Vec<&str> = wanted.iter().filter_map(|p| p.sub.as_deref()).collect();
        if wanted.iter().any(|p| p.sub.is_none()) {
            out.insert(key, value);
        } else {
            out.insert(key, only_subs(value, &subs));
        }
    }
    out
}

fn only_subs(value: Value, subs: &[&str]) -> Value {
    let pick = |m: Map<String, Value>| -> Value {
        Value::Object(
            m.into_iter().filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k))).collect(),
        )
    };
    match value {
        Value::Object(m) => pick(m),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    Value::Object(m) => pick(m),
                    v => v,
                })
                .collect(),
        ),
        v => v,
    }
}

fn drop(mut map: Map<String, Value>, paths: &[AttrPath]) -> Map<String, Value> {
    for p in paths {
        let (target, name) = match &p.uri {
            Some(uri) if is_extension_key(uri) && uri.contains("extension") => {
                let whole = format!("{uri}:{}", p.name);
                if let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(&whole)).cloned() {
                    map.remove(&k);
                    continue;
                }
                let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(uri)).cloned() else {
                    continue;
                };
                (Some(k), p.name.as_str())
            }
            _ => (None, p.name.as_str()),
        };
        if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(name)) && target.is_none() {
            continue;
        }
        let scope = match &target {
            Some(k) => match map.get_mut(k) {
                Some(Value::Object(m)) => m,
                _ => continue,
            },
            None => &mut map,
        };
        let Some(key) = scope.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned() else {
            continue;
        };
        match &p.sub {
            None => {
                scope.remove(&key);
            }
            Some(sub) => match scope.get_mut(&key) {
                Some(Value::Object(m)) => {
                    m.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                }
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Value::Object(m) = item {
                            m.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                        }
                    }
                }
                _ => {}
            },
        }
    }
    map
}
