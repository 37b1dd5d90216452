//! `/docs`: the API reference as one self-contained HTML page, rendered from
//! the OpenAPI document and the operator's product metadata (name, version,
//! public base URL), so every example on the page works when copied. No
//! script, font or stylesheet is fetched from anywhere.

use std::fmt::Write;

use serde_json::Value;

use crate::ApiConfig;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Example values for path parameters, so curl lines run as shown.
fn example_path(path: &str) -> String {
    path.replace("/api-keys/{id}", "/api-keys/$KEY_ID")
        .replace("{zone}", "default")
        .replace("{id}", "$USER_ID")
        .replace("{role}", "admin")
        .replace("{idp}", "okta")
        .replace("{ra}", "$ASSIGNMENT_ID")
        .replace("{sess}", "$SESSION_ID")
        .replace("{grant}", "$GRANT_ID")
}

fn curl_line(config: &ApiConfig, method: &str, path: &str, op: &Value) -> String {
    let base = config.public_url.trim_end_matches('/');
    let url = format!("{base}{}", example_path(path));
    let mut line = String::from("curl");
    if method != "get" {
        let _ = write!(line, " -X {}", method.to_uppercase());
    }
    let needs_key = op.get("security").and_then(Value::as_array).is_none_or(|s| {
        !s.iter().any(|item| item.as_object().is_some_and(serde_json::Map::is_empty))
    });
    if needs_key {
        line.push_str(" -H \"Authorization: Bearer $ROSTER_API_KEY\"");
    }
    if let Some(body) = example_body(op) {
        let content_type = op
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
            .and_then(|c| c.keys().next().cloned())
            .unwrap_or_else(|| "application/json".into());
        let _ = write!(line, " \\\n     -H \"Content-Type: {content_type}\" \\\n     -d '{body}'");
    }
    let _ = write!(line, " \\\n     \"{url}\"");
    line
}

fn example_body(op: &Value) -> Option<String> {
    let id = op.get("operationId")?.as_str()?;
    let body = match id {
        "users.create" | "zones.users.create" => {
            r#"{"email": "jane.doe@example.com", "first_name": "Jane", "last_name": "Doe"}"#
        }
        "users.update" | "zones.users.update" => {
            r#"{"status": "active", "attributes": {"plan": "pro"}}"#
        }
        "zones.create" => r#"{"identifier": "eu-west", "name": "EU West"}"#,
        "zones.update" => r#"{"name": "EU West (Dublin)"}"#,
        "api_keys.create" => r#"{"name": "ci", "scopes": ["users:read", "users:write"]}"#,
        "roles.create" | "zones.roles.create" => {
            r#"{"identifier": "admin", "name": "Administrator"}"#
        }
        "roles.update" | "zones.roles.update" => r#"{"description": "Full access"}"#,
        "users.role_assignments.create" | "zones.users.role_assignments.create" => {
            r#"{"role_identifier": "admin", "scope": {"type": "zone", "id": "default"}}"#
        }
        "users.sessions.create" | "zones.users.sessions.create" => {
            r#"{"expires_at": "2030-01-01T00:00:00Z"}"#
        }
        "users.grants.create" | "zones.users.grants.create" => {
            r#"{"client_id": "my-app", "resource": "orders-api", "scopes": ["read"]}"#
        }
        "providers.create" | "zones.providers.create" => {
            r#"{"identifier": "okta", "issuer": "acme-okta", "user_identifier_claim": "preferred_username"}"#
        }
        "providers.update" | "zones.providers.update" => r#"{"issuer": "acme-okta-2"}"#,
        "providers.sign_ins.create" | "zones.providers.sign_ins.create" => {
            r#"{"subject": "00u1abcd", "claims": {"email": "jane@example.com", "preferred_username": "jane"}}"#
        }
        _ => return None,
    };
    Some(body.to_owned())
}

/// The page's only inline content; `security.rs` allows it by hash.
pub const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;\
padding:0 1em;color:#1d1d1f}code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f4f4f6;\
padding:.8em;overflow:auto;border-radius:6px}h2{border-top:1px solid #ddd;padding-top:1em}\
.m{display:inline-block;min-width:4.5em;font-weight:bold}.get{color:#0a7}.post{color:#07c}\
.patch{color:#a60}.delete{color:#c33}table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #eee;text-align:left;padding:.3em .5em;vertical-align:top}\
nav a{display:block}";

pub fn render(spec: &utoipa::openapi::OpenApi, config: &ApiConfig) -> String {
    let spec = serde_json::to_value(spec).unwrap_or(Value::Null);
    let base = config.public_url.trim_end_matches('/');
    let name = esc(&config.product_name);
    let version = esc(&config.product_version);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{name} {version} — Users API</title><style>{STYLE}</style></head><body>\
         <h1>{name} {version} — Users API</h1>\
         <p>The {name} {version} Users API lets you create, read, update and delete user \
         records, organise them in zones, and manage the API keys that reach them.</p>\
         <h3>Base URL</h3><pre>{base}/v1</pre>\
         <h3>Authentication</h3><p>Send <code>Authorization: Bearer &lt;api key&gt;</code>. \
         The examples read the key from <code>$ROSTER_API_KEY</code>:</p>\
         <pre>export ROSTER_API_KEY=…\ncurl -H \"Authorization: Bearer $ROSTER_API_KEY\" \
         \"{base}/v1/users?page=1&amp;limit=10\"</pre>\
         <h3>SDKs</h3><p>Python (<code>roster-sdk</code>: <code>pip install ./sdks/python</code>):</p>\
         <pre>from roster import Roster\n\n\
         # {name} {version}\n\
         client = Roster(base_url=\"{base}\", api_key=\"YOUR_API_KEY\")\n\
         users = client.users.list(page=1, limit=10)\n\
         for user in client.users.list():  # every page\n    print(user.id)</pre>\
         <p>TypeScript (<code>roster-sdk</code>: <code>npm install ./sdks/typescript</code>):</p>\
         <pre>import {{ Roster }} from 'roster-sdk';\n\n\
         // {name} {version}\n\
         const client = new Roster({{ baseUrl: '{base}', apiKey: 'YOUR_API_KEY' }});\n\
         const user = await client.users.get('user_01ARZ3NDEKTSV4RRFFQ69G5FAV');</pre>\
         <h3>Errors</h3><p>Errors are <code>application/problem+json</code> with a stable \
         <code>code</code>:</p><table><tr><th>code</th><th>status</th><th>meaning</th></tr>",
        base = esc(base)
    );
    for code in crate::problem::Code::ALL {
        let (name, status, title) = (code.as_str(), code.status(), code.title());
        let _ =
            write!(html, "<tr><td><code>{name}</code></td><td>{status}</td><td>{title}</td></tr>");
    }
    html.push_str("</table><h3>Endpoints</h3><nav>");

    let mut ops: Vec<(String, String, Value)> = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    ops.push((method.to_owned(), path.clone(), op.clone()));
                }
            }
        }
    }
    for (method, path, op) in &ops {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        let _ = write!(
            html,
            "<a href=\"#{id}\"><span class=\"m {method}\">{}</span> <code>{}</code></a>",
            method.to_uppercase(),
            esc(path)
        );
    }
    html.push_str("</nav>");
    for (method, path, op) in &ops {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        let summary = op.get("summary").and_then(Value::as_str).unwrap_or("");
        let _ = write!(
            html,
            "<h2 id=\"{id}\"><span class=\"m {method}\">{}</span> <code>{}</code></h2><p>{}</p>",
            method.to_uppercase(),
            esc(path),
            esc(summary)
        );
        if let Some(desc) = op.get("description").and_then(Value::as_str) {
            let _ = write!(html, "<p>{}</p>", esc(desc));
        }
        if let Some(params) = op.get("parameters").and_then(Value::as_array) {
            html.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
            for p in params {
                let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
                let pin = p.get("in").and_then(Value::as_str).unwrap_or("");
                let pdesc = p.get("description").and_then(Value::as_str).unwrap_or("");
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{pin}</td><td>{}</td></tr>",
                    esc(pname),
                    esc(pdesc)
                );
            }
            html.push_str("</table>");
        }
        let _ = write!(html, "<pre>{}</pre>", esc(&curl_line(config, method, path, op)));
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            let codes: Vec<&str> = responses.keys().map(String::as_str).collect();
            let _ = write!(html, "<p>Responses: {}</p>", esc(&codes.join(", ")));
        }
    }
    let released = config
        .release_date
        .as_deref()
        .map(|d| format!(" — Released {}", esc(d)))
        .unwrap_or_default();
    let _ = write!(
        html,
        "<hr><p><em>{name} {version}{released} — the OpenAPI document is at \
         <a href=\"{base}/openapi.json\">{base}/openapi.json</a>.</em></p></body></html>",
        base = esc(base)
    );
    html
}
