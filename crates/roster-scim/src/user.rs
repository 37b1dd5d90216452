//! A Roster user as a SCIM User resource, and a SCIM User as the fields of
//! a Roster user (docs/scim.md has the table).
//!
//! Mapped onto Roster's own fields: `userName` ↔ `identifier`,
//! `displayName` ↔ `name`, `name.givenName`/`familyName` ↔
//! `first_name`/`last_name`, the primary (or first) of `emails` ↔ `email`,
//! `active` ↔ `status` (`false` is `disabled`), `externalId` ↔
//! `external_id`, Roster's extension `description` ↔ `description`; its
//! read-only `attributes` (`{name, value}` pairs) show the custom
//! attributes.
//! Every other published attribute the client sends (titles, phone
//! numbers, addresses, the enterprise extension, the whole `emails` list)
//! is kept as sent in the user's custom attribute `scim`, so what a client
//! writes is what it reads back.

use serde_json::{Map, Value, json};

use roster_domain::user::{Description, ExternalId, Identifier, Name};
use roster_domain::{Email, User, UserFields, UserStatus};

use crate::error::ScimError;
use crate::schema::{self, ENTERPRISE, ROSTER, USER};

/// The custom attribute holding what has no Roster field of its own.
pub const KEPT: &str = "scim";

/// A Roster role the user holds for the whole zone, as a SCIM group. No
/// `display`: an assignment knows its role's identifier, not its current
/// name, and a stale name is worse than none.
pub struct GroupRef {
    pub id: String,
}

/// The attributes mapped onto Roster fields; the rest of the core schema
/// is kept as sent.
const MAPPED: &[&str] = &["userName", "displayName", "active", "externalId", "name"];

/// The user as a SCIM User. `base` is the SCIM root the client used
/// (`…/scim/v2` or `…/scim/v2/zones/{zone}`).
pub fn render(user: &User, groups: &[GroupRef], base: &str) -> Value {
    let kept = match user.attributes.get(KEPT) {
        Some(Value::Object(map)) => published(&map),
        _ => Map::new(),
    };
    let mut out = Map::new();
    let mut schemas = vec![json!(USER)];
    out.insert("id".into(), json!(user.id.to_string()));
    if let Some(e) = &user.external_id {
        out.insert("externalId".into(), json!(e));
    }
    out.insert("userName".into(), json!(user.identifier));
    let mut name = match kept.get("name") {
        Some(Value::Object(n)) => n.clone(),
        _ => Map::new(),
    };
    if !user.first_name.is_empty() {
        name.insert("givenName".into(), json!(user.first_name));
    }
    if !user.last_name.is_empty() {
        name.insert("familyName".into(), json!(user.last_name));
    }
    if !name.is_empty() {
        out.insert("name".into(), Value::Object(name));
    }
    if !user.name.is_empty() {
        out.insert("displayName".into(), json!(user.name));
    }
    for (key, value) in &kept {
        if key != "name" && key != "emails" && !key.contains(':') {
            out.insert(key.clone(), value.clone());
        }
    }
    out.insert("active".into(), json!(user.status != UserStatus::Disabled));
    out.insert("emails".into(), emails(user, kept.get("emails")));
    if !groups.is_empty() {
        let groups: Vec<Value> = groups
            .iter()
            .map(|g| json!({"value": g.id, "$ref": format!("{base}/Groups/{}", g.id), "type": "direct"}))
            .collect();
        out.insert("groups".into(), Value::Array(groups));
    }
    if let Some(Value::Object(e)) =
        kept.get(ENTERPRISE).filter(|e| e.as_object().is_some_and(|m| !m.is_empty()))
    {
        schemas.push(json!(ENTERPRISE));
        out.insert(ENTERPRISE.into(), Value::Object(e.clone()));
    }
    let mut roster = Map::new();
    if let Some(d) = &user.description {
        roster.insert("description".into(), json!(d));
    }
    let custom: Vec<Value> = user
        .attributes
        .to_map()
        .into_iter()
        .filter(|(k, _)| k != KEPT)
        .map(|(name, value)| json!({"name": name, "value": custom_text(&value)}))
        .collect();
    if !custom.is_empty() {
        roster.insert("attributes".into(), Value::Array(custom));
    }
    if !roster.is_empty() {
        schemas.push(json!(ROSTER));
        out.insert(ROSTER.into(), Value::Object(roster));
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": user.created_at,
            "lastModified": user.updated_at,
            "location": format!("{base}/Users/{}", user.id),
            "version": user.etag(),
        }),
    );
    out.insert("schemas".into(), Value::Array(schemas));
    Value::Object(out)
}

/// What the kept attribute holds that the schemas publish, in their
/// spelling: `/v1` can write anything there, and neither a field Roster
/// maps (`userName`, `id`) nor an undeclared attribute may come out of it.
fn published(kept: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in kept {
        let one = Map::from_iter([(key.clone(), value.clone())]);
        let held = if key.eq_ignore_ascii_case(ENTERPRISE) {
            match value {
                Value::Object(e) => schema::canonical(e, schema::attributes(ENTERPRISE), "")
                    .map(|e| Map::from_iter([(ENTERPRISE.to_owned(), Value::Object(e))])),
                _ => continue,
            }
        } else if MAPPED.iter().any(|m| *m != "name" && m.eq_ignore_ascii_case(key)) {
            continue;
        } else {
            schema::canonical(&one, schema::attributes(USER), "")
        };
        if let Ok(held) = held {
            out.extend(held);
        }
    }
    if let Some(Value::Object(name)) = out.get_mut("name") {
        name.retain(|k, _| k != "givenName" && k != "familyName");
    }
    out
}

/// The `emails` list as the client last sent it, as long as it still holds
/// the user's email (a change through Roster's own API rewrites the
/// primary one); a user never written through SCIM has its one email.
fn emails(user: &User, kept: Option<&Value>) -> Value {
    let Some(Value::Array(list)) = kept else {
        return json!([{"value": user.email, "type": "work", "primary": true}]);
    };
    let holds =
        |v: &Value| v["value"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(&user.email));
    if list.iter().any(holds) || list.is_empty() {
        return Value::Array(list.clone());
    }
    let mut list = list.clone();
    let at = list.iter().position(|v| v["primary"] == json!(true)).unwrap_or(0);
    if let Some(Value::Object(item)) = list.get_mut(at) {
        item.insert("value".into(), json!(user.email));
    }
    Value::Array(list)
}

/// Whether the fields are for a new user or replace every field of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Replace,
}

/// The Roster fields of a SCIM User (a POST's or PUT's body, or a PATCH's
/// result): every attribute it does not hold is cleared on replace.
/// `current` is the user as stored, on replace.
pub fn fields(
    resource: &Value,
    mode: Mode,
    current: Option<&User>,
) -> Result<UserFields, ScimError> {
    let Value::Object(object) = resource else {
        return Err(ScimError::invalid_syntax("a User must be a JSON object"));
    };
    let core = schema::canonical(object, schema::attributes(USER), "")?;
    let extension = |urn: &str| -> Result<Map<String, Value>, ScimError> {
        let found = object.iter().find(|(k, _)| k.eq_ignore_ascii_case(urn));
        match found {
            Some((_, Value::Object(ext))) => schema::canonical(ext, schema::attributes(urn), urn),
            Some((_, Value::Null)) | None => Ok(Map::new()),
            Some(_) => Err(ScimError::invalid_value(format!("{urn} must be an object"))),
        }
    };
    let (enterprise, roster) = (extension(ENTERPRISE)?, extension(ROSTER)?);
    let replace = mode == Mode::Replace;
    // Roster's own extension is replaced only by a resource that speaks of
    // it: an identity provider's PUT, which knows nothing of it, leaves the
    // description that Roster's API set alone.
    let listed = object.get("schemas").and_then(Value::as_array).is_some_and(|s| {
        s.iter().any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(ROSTER)))
    });
    let roster_replaced = replace && (listed || !roster.is_empty());

    let user_name = core
        .get("userName")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let identifier = Identifier::parse(user_name)
        .map_err(|e| ScimError::invalid_value(format!("userName {e}")))?;
    let email = primary_email(core.get("emails"))?;
    let name = core.get("name").and_then(Value::as_object);
    let part = |key: &str| -> Result<Name, ScimError> {
        let v = name.and_then(|n| n.get(key)).and_then(Value::as_str).unwrap_or("");
        Name::parse(v).map_err(|e| ScimError::invalid_value(format!("name.{key} {e}")))
    };
    let display = match core.get("displayName").and_then(Value::as_str) {
        Some(d) => {
            Some(Name::parse(d).map_err(|e| ScimError::invalid_value(format!("displayName {e}")))?)
        }
        None if replace => Some(Name::parse("").map_err(ScimError::invalid_value)?),
        None => None,
    };
    let was_disabled = current.is_some_and(|u| u.status == UserStatus::Disabled);
    let status = match core.get("active").and_then(Value::as_bool) {
        Some(false) => Some(UserStatus::Disabled),
        // `true` makes a disabled (or new) user active and leaves any
        // other status as it is: it only says the user may authenticate.
        Some(true) if !replace || was_disabled => Some(UserStatus::Active),
        Some(true) | None => None,
    };
    // A common attribute (RFC 7643 §3.1), in no schema's attribute list.
    let external =
        object.iter().find(|(k, _)| k.eq_ignore_ascii_case("externalId")).map(|(_, v)| v);
    let external_id = match external.filter(|v| !v.is_null()) {
        Some(Value::String(e)) => Some(Some(
            ExternalId::parse(e)
                .map_err(|e| ScimError::invalid_value(format!("externalId {e}")))?,
        )),
        Some(_) => return Err(ScimError::invalid_value("externalId must be a string")),
        None => replace.then_some(None),
    };
    let description = match roster.get("description").and_then(Value::as_str) {
        Some(d) => Some(Some(
            Description::parse(d)
                .map_err(|e| ScimError::invalid_value(format!("description {e}")))?,
        )),
        None => roster_replaced.then_some(None),
    };

    let mut kept = Map::new();
    for (key, value) in &core {
        if !MAPPED.contains(&key.as_str()) {
            kept.insert(key.clone(), value.clone());
        }
    }
    if let Some(n) = name {
        let rest: Map<String, Value> = n
            .iter()
            .filter(|(k, _)| *k != "givenName" && *k != "familyName")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rest.is_empty() {
            kept.insert("name".into(), Value::Object(rest));
        }
    }
    if !enterprise.is_empty() {
        kept.insert(ENTERPRISE.into(), Value::Object(enterprise));
    }
    let current = current.map(|u| u.attributes.to_map()).unwrap_or_default();
    // The custom attributes are read-only over SCIM: only `scim` changes.
    let mut next = current.clone();
    next.remove(KEPT);
    if !kept.is_empty() {
        next.insert(KEPT.into(), Value::Object(kept));
    }
    let diff = merge_diff(&current, &next);
    let attributes = (!diff.is_empty()).then_some(Some(diff));
    Ok(UserFields {
        identifier: Some(identifier),
        email: Some(email),
        first_name: Some(part("givenName")?),
        last_name: Some(part("familyName")?),
        name: display,
        status,
        external_id,
        description,
        attributes,
        ..UserFields::default()
    })
}

/// A custom attribute's value as SCIM carries it: a JSON string as its
/// text, anything else as its JSON text.
fn custom_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn primary_email(emails: Option<&Value>) -> Result<Email, ScimError> {
    let list = emails.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let chosen = list.iter().find(|e| e["primary"] == json!(true)).or(list.first());
    let value = chosen.and_then(|e| e["value"].as_str()).ok_or_else(|| {
        ScimError::invalid_value(
            "emails is required: a Roster user has an email (the primary value, or the first)",
        )
    })?;
    Email::parse(value).map_err(|e| ScimError::invalid_value(format!("emails.value {e}")))
}

/// The RFC 7396 merge patch that turns `from` into `to` (neither holds
/// nulls: a stored object never does).
pub fn merge_diff(from: &Map<String, Value>, to: &Map<String, Value>) -> Map<String, Value> {
    let mut patch = Map::new();
    for key in from.keys() {
        if !to.contains_key(key) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    for (key, value) in to {
        match (from.get(key), value) {
            (Some(old), new) if old == new => {}
            (Some(Value::Object(old)), Value::Object(new)) => {
                patch.insert(key.clone(), Value::Object(merge_diff(old, new)));
            }
            _ => {
                patch.insert(key.clone(), value.clone());
            }
        }
    }
    patch
}
