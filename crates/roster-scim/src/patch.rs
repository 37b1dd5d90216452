//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the operations
//! change the resource as the client reads it, and the result is then
//! taken as a whole (`user::fields` in replace mode), so a PATCH is held
//! to exactly the rules of a PUT.
//!
//! Also the forms identity providers send beyond the RFC's examples:
//! operation names in any case (`Replace`), a `value` object without a
//! path whose keys are themselves paths (`"name.givenName"`, an extension's
//! `urn:…:employeeNumber`), booleans as strings, and a value-path write
//! that matches nothing (`emails[type eq "work"].value`) adding the item
//! its `eq` conditions describe.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::eval::matches;
use crate::filter::{CompareOp, Filter};
use crate::path::PatchPath;
use crate::schema;

/// Operations per request: each one walks the resource.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies a PatchOp request body to `resource` (whose core schema is
/// `core`, and whose extensions are `extensions`).
pub fn apply(
    resource: &mut Value,
    body: &Value,
    core: &str,
    extensions: &[&str],
) -> Result<(), ScimError> {
    let schemas_ok = body["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(schema::PATCH_OP)));
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "a PATCH body's schemas must hold {}",
            schema::PATCH_OP
        )));
    }
    let ops = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a PATCH body needs Operations, a list"))?;
    if ops.is_empty() || ops.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_syntax(format!(
            "Operations must hold 1 to {MAX_OPERATIONS} operations"
        )));
    }
    let ctx = Ctx { core, extensions };
    for (i, op) in ops.iter().enumerate() {
        ctx.one(resource, op).map_err(|mut e| {
            e.detail = format!("Operations[{i}]: {}", e.detail);
            e
        })?;
    }
    Ok(())
}

struct Ctx<'a> {
    core: &'a str,
    extensions: &'a [&'a str],
}

impl Ctx<'_> {
    fn one(&self, resource: &mut Value, op: &Value) -> Result<(), ScimError> {
        let name = op["op"].as_str().unwrap_or("");
        let op_kind = match name.to_ascii_lowercase().as_str() {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            _ => {
                return Err(ScimError::invalid_syntax(format!(
                    "op must be add, replace or remove, not {name:?}"
                )));
            }
        };
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match op["path"].as_str().map(str::trim).filter(|p| !p.is_empty()) {
            Some(path) => self.at_path(resource, op_kind, path, value, true),
            None if op_kind == Op::Remove => Err(ScimError::no_target("remove needs a path")),
            None => {
                let Value::Object(map) = value else {
                    return Err(ScimError::invalid_value(
                        "an operation without a path needs an object value",
                    ));
                };
                for (key, v) in map {
                    self.at_path(resource, op_kind, &key, v, false)?;
                }
                Ok(())
            }
        }
    }

    /// The extension a whole path names (`urn:…:enterprise:2.0:User`).
    fn extension_named(&self, path: &str) -> Option<&str> {
        self.extensions.iter().copied().find(|e| e.eq_ignore_ascii_case(path))
    }

    fn at_path(
        &self,
        resource: &mut Value,
        op: Op,
        path: &str,
        value: Value,
        named: bool,
    ) -> Result<(), ScimError> {
        let root =
            resource.as_object_mut().ok_or_else(|| ScimError::invalid_syntax("not an object"))?;
        if let Some(ext) = self.extension_named(path) {
            return write(root, ext, op, value, None);
        }
        let parsed: PatchPath =
            path.parse().map_err(|e: crate::FilterError| ScimError::invalid_path(e.message))?;
        let container = match &parsed.attr.uri {
            Some(uri) if uri.eq_ignore_ascii_case(self.core) => root,
            Some(uri) => {
                let ext = self.extension_named(uri).ok_or_else(|| {
                    ScimError::invalid_path(format!("no schema {uri} on this resource"))
                })?;
                let slot = root.entry(ext.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                match slot.as_object_mut() {
                    Some(m) => m,
                    None => return Err(ScimError::invalid_path(path)),
                }
            }
            None => root,
        };
        let attr = parsed.attr.name.as_str();
        let schema =
            parsed.attr.uri.as_deref().and_then(|u| self.extension_named(u)).unwrap_or(self.core);
        if read_only(schema, attr) {
            // A path-less value's read-only keys (Okta sends the `id`) are
            // left out, as a PUT's are; a path that names one is refused.
            return match named {
                true => Err(ScimError::mutability(format!("{attr} is read-only"))),
                false => Ok(()),
            };
        }
        match (&parsed.filter, &parsed.attr.sub, &parsed.sub) {
            (None, None, _) => write(container, attr, op, value, None),
            (None, Some(sub), _) => write(container, attr, op, value, Some(sub)),
            (Some(filter), _, sub) => filtered(container, attr, filter, op, value, sub.as_deref()),
        }
    }
}

/// Whether `attr` of `schema` is the server's: the common `id` and `meta`,
/// or an attribute published read-only (a user's `groups`).
fn read_only(schema: &str, attr: &str) -> bool {
    ["id", "meta", "schemas"].iter().any(|a| a.eq_ignore_ascii_case(attr))
        || crate::schema::find(crate::schema::attributes(schema), attr)
            .is_some_and(|def| def["mutability"].as_str() == Some("readOnly"))
}

/// The key of `map` spelled `name` in any case, or `name` itself.
fn key_of(map: &Map<String, Value>, name: &str) -> String {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned())
}

fn write(
    map: &mut Map<String, Value>,
    attr: &str,
    op: Op,
    value: Value,
    sub: Option<&str>,
) -> Result<(), ScimError> {
    let key = key_of(map, attr);
    if let Some(sub) = sub {
        if op == Op::Remove {
            if let Some(Value::Object(inner)) = map.get_mut(&key) {
                let k = key_of(inner, sub);
                inner.remove(&k);
            }
            return Ok(());
        }
        let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(inner) = slot {
            let k = key_of(inner, sub);
            inner.insert(k, value);
        }
        return Ok(());
    }
    match op {
        // Entra ID removes members as `{"op": "Remove", "path": "members",
        // "value": [{"value": "…"}]}`: the items named, not the list.
        Op::Remove if !value.is_null() => {
            if let Some(Value::Array(items)) = map.get_mut(&key) {
                let named = match value {
                    Value::Array(v) => v,
                    v => vec![v],
                };
                let values: HashSet<String> =
                    named.iter().filter_map(|n| n.get("value")).map(Value::to_string).collect();
                let wholes: HashSet<String> = named
                    .iter()
                    .filter(|n| n.get("value").is_none())
                    .map(Value::to_string)
                    .collect();
                items.retain(|item| {
                    let by_value =
                        item.get("value").is_some_and(|v| values.contains(&v.to_string()));
                    !by_value && !wholes.contains(&item.to_string())
                });
            }
        }
        // Removing what is not there leaves the resource as asked.
        Op::Remove => {
            map.remove(&key);
        }
        Op::Add => match (map.get_mut(&key), value) {
            // A group's members run to thousands: one set, not a scan per item.
            (Some(Value::Array(items)), new) => {
                let new = match new {
                    Value::Array(new) => new,
                    v => vec![v],
                };
                let mut seen: HashSet<String> = items.iter().map(Value::to_string).collect();
                for v in new {
                    if seen.insert(v.to_string()) {
                        items.push(v);
                    }
                }
            }
            (Some(Value::Object(old)), Value::Object(new)) => {
                for (k, v) in new {
                    let k = key_of(old, &k);
                    old.insert(k, v);
                }
            }
            (_, v) => {
                map.insert(key, v);
            }
        },
        Op::Replace => match (map.get_mut(&key), value) {
            // A complex attribute's sub-attributes not in the value are
            // left as they are (RFC 7644 §3.5.2.3).
            (Some(Value::Object(old)), Value::Object(new)) if !new.contains_key("schemas") => {
                for (k, v) in new {
                    let k = key_of(old, &k);
                    old.insert(k, v);
                }
            }
            (_, v) => {
                map.insert(key, v);
            }
        },
    }
    Ok(())
}

/// A write through a value filter: `emails[type eq "work"].value`,
/// `members[value eq "…"]`.
fn filtered(
    map: &mut Map<String, Value>,
    attr: &str,
    filter: &Filter,
    op: Op,
    value: Value,
    sub: Option<&str>,
) -> Result<(), ScimError> {
    let key = key_of(map, attr);
    let exact = |_: &str| false;
    let items = match map.get_mut(&key) {
        Some(Value::Array(items)) => items,
        _ if op == Op::Remove => return Ok(()),
        _ => {
            map.insert(key.clone(), Value::Array(Vec::new()));
            match map.get_mut(&key) {
                Some(Value::Array(items)) => items,
                _ => return Err(ScimError::invalid_path(attr)),
            }
        }
    };
    let hits: Vec<usize> =
        (0..items.len()).filter(|i| matches(filter, &items[*i], &exact)).collect();
    let hit: HashSet<usize> = hits.iter().copied().collect();
    match (op, sub) {
        (Op::Remove, None) => {
            let mut i = 0;
            items.retain(|_| {
                let keep = !hit.contains(&i);
                i += 1;
                keep
            });
        }
        (Op::Remove, Some(sub)) => {
            for i in hits {
                if let Some(Value::Object(item)) = items.get_mut(i) {
                    let k = key_of(item, sub);
                    item.remove(&k);
                }
            }
        }
        (_, _) if hits.is_empty() => {
            // Nothing matched: add the item the filter's `eq` conditions
            // describe, as Entra ID expects of `emails[type eq "work"].value`.
            let mut item = described_by(filter).ok_or_else(|| {
                ScimError::no_target(format!("no {attr} value matches the filter"))
            })?;
            match sub {
                Some(sub) => {
                    item.insert(sub.to_owned(), value);
                }
                None => match value {
                    Value::Object(v) => item.extend(v),
                    _ => return Err(ScimError::invalid_value("the value must be an object")),
                },
            }
            items.push(Value::Object(item));
        }
        (_, Some(sub)) => {
            for i in hits {
                if let Some(Value::Object(item)) = items.get_mut(i) {
                    let k = key_of(item, sub);
                    item.insert(k, value.clone());
                }
            }
        }
        (_, None) => {
            for i in hits {
                match (items.get_mut(i), &value) {
                    (Some(Value::Object(item)), Value::Object(v)) => {
                        for (k, v) in v {
                            let k = key_of(item, k);
                            item.insert(k, v.clone());
                        }
                    }
                    (Some(slot), v) => *slot = v.clone(),
                    (None, _) => {}
                }
            }
        }
    }
    Ok(())
}

/// The item a filter made only of `attr eq value` joined by `and` names.
fn described_by(filter: &Filter) -> Option<Map<String, Value>> {
    let mut item = Map::new();
    for part in filter.conjuncts() {
        match part {
            Filter::Compare { path, op: CompareOp::Eq, value }
                if path.sub.is_none() && path.uri.is_none() =>
            {
                item.insert(path.name.clone(), value.clone());
            }
            _ => return None,
        }
    }
    Some(item)
}
