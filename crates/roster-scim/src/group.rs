//! A Roster role as a SCIM Group, and back: `displayName` ↔ the role's
//! `name` (a new group's identifier too), `externalId` ↔ `external_id`,
//! `members` ↔ the users holding the role for the whole zone (assignments
//! without a scope). Roster groups hold users only.

use serde_json::{Map, Value, json};

use roster_domain::UserId;
use roster_domain::access::{Role, RoleIdentifier, RoleName};
use roster_domain::user::ExternalId;

use crate::error::ScimError;
use crate::schema::{self, GROUP};

/// The group; `members` when the response carries them (they cost a
/// read), and then its weak ETag too, which covers them.
pub fn render(role: &Role, members: Option<&[UserId]>, base: &str) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([GROUP]));
    out.insert("id".into(), json!(role.id.to_string()));
    if let Some(e) = &role.external_id {
        out.insert("externalId".into(), json!(e));
    }
    out.insert("displayName".into(), json!(role.name));
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        let list: Vec<Value> = members
            .iter()
            .map(|id| json!({"value": id.to_string(), "$ref": format!("{base}/Users/{id}"), "type": "User"}))
            .collect();
        out.insert("members".into(), Value::Array(list));
    }
    let mut meta = Map::new();
    meta.insert("resourceType".into(), json!("Group"));
    meta.insert("created".into(), json!(role.created_at));
    meta.insert("lastModified".into(), json!(role.updated_at));
    meta.insert("location".into(), json!(format!("{base}/Groups/{}", role.id)));
    if members.is_some() {
        meta.insert("version".into(), json!(etag(&out)));
    }
    out.insert("meta".into(), Value::Object(meta));
    Value::Object(out)
}

/// A weak ETag of the group's content: a role has no version of its own,
/// and its members change without touching it.
pub fn etag(content: &Map<String, Value>) -> String {
    // FNV-1a: stable across builds, so every node computes the same tag.
    let text = serde_json::to_string(content).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("W/\"{hash:016x}\"")
}

/// What a POST, PUT or PATCH result says of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFields {
    pub name: RoleName,
    pub identifier: RoleIdentifier,
    pub external_id: Option<ExternalId>,
    pub members: Vec<UserId>,
}

pub fn fields(resource: &Value) -> Result<GroupFields, ScimError> {
    let Value::Object(object) = resource else {
        return Err(ScimError::invalid_syntax("a Group must be a JSON object"));
    };
    let core = schema::canonical(object, schema::attributes(GROUP), "")?;
    let display = core
        .get("displayName")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let name = RoleName::parse(display)
        .map_err(|e| ScimError::invalid_value(format!("displayName {e}")))?;
    let identifier = RoleIdentifier::parse(display)
        .map_err(|e| ScimError::invalid_value(format!("displayName {e}")))?;
    let external =
        object.iter().find(|(k, _)| k.eq_ignore_ascii_case("externalId")).map(|(_, v)| v);
    let external_id = match external.filter(|v| !v.is_null()) {
        Some(Value::String(e)) => Some(
            ExternalId::parse(e)
                .map_err(|e| ScimError::invalid_value(format!("externalId {e}")))?,
        ),
        Some(_) => return Err(ScimError::invalid_value("externalId must be a string")),
        None => None,
    };
    let (mut members, mut seen) = (Vec::new(), std::collections::HashSet::new());
    for m in core.get("members").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        if m["type"].as_str().is_some_and(|t| !t.eq_ignore_ascii_case("User")) {
            return Err(ScimError::invalid_value("members: Roster groups hold users only"));
        }
        let value = m["value"].as_str().unwrap_or("");
        let id = UserId::parse(value).ok_or_else(|| {
            ScimError::invalid_value(format!("members: {value:?} is not a user id"))
        })?;
        if seen.insert(id) {
            members.push(id);
        }
    }
    Ok(GroupFields { name, identifier, external_id, members })
}

/// The members a PATCH adds and removes when each of its operations is on
/// `members` alone (Okta's and Entra ID's membership changes): applied as
/// such, a change to a large group never reads all of its members. `None`
/// when any operation is something else, or is malformed (the whole
/// PATCH path answers those).
pub fn member_delta(body: &Value) -> Option<(Vec<UserId>, Vec<UserId>)> {
    let is_patch = body["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(crate::schema::PATCH_OP)));
    let ops = body.get("Operations").or_else(|| body.get("operations"))?.as_array()?;
    if !is_patch || ops.is_empty() || ops.len() > crate::patch::MAX_OPERATIONS {
        return None;
    }
    let ids = |value: &Value| -> Option<Vec<UserId>> {
        let items = match value {
            Value::Array(items) => items.as_slice(),
            one @ Value::Object(_) => std::slice::from_ref(one),
            _ => return None,
        };
        items.iter().map(|m| UserId::parse(m.get("value")?.as_str()?)).collect()
    };
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for op in ops {
        let path = op["path"].as_str()?.trim();
        let value = op.get("value").unwrap_or(&Value::Null);
        match (op["op"].as_str()?.to_ascii_lowercase().as_str(), path) {
            ("add", p) if p.eq_ignore_ascii_case("members") => add.extend(ids(value)?),
            ("remove", p) if p.eq_ignore_ascii_case("members") && !value.is_null() => {
                remove.extend(ids(value)?)
            }
            ("remove", p) => {
                let parsed: crate::PatchPath = p.parse().ok()?;
                let one = match (&parsed.filter, &parsed.sub, &parsed.attr.sub) {
                    (
                        Some(crate::Filter::Compare { path, op: crate::CompareOp::Eq, value }),
                        None,
                        None,
                    ) if parsed.attr.name.eq_ignore_ascii_case("members")
                        && path.name.eq_ignore_ascii_case("value")
                        && path.sub.is_none() =>
                    {
                        UserId::parse(value.as_str()?)?
                    }
                    _ => return None,
                };
                remove.push(one);
            }
            _ => return None,
        }
    }
    // In order: a member added then removed (or the reverse) ends as the
    // last operation left it.
    let removed: std::collections::HashSet<UserId> = remove.iter().copied().collect();
    if add.iter().any(|a| removed.contains(a)) {
        return None;
    }
    Some((add, remove))
}
