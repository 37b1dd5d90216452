//! `roster keys create|list|revoke`: API keys of the first organization,
//! typed and refused as `POST /v1/api-keys` types and refuses them.

use clap::Subcommand;
use serde_json::json;

use roster::{Settings, StartError, build_service, open_store};
use roster_service::tenancy::IdPageRequest;

use crate::args::DatabaseArgs;

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a key and print it (with its secret) as JSON.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        name: String,
        /// Scopes, e.g. --scope users:read --scope users:write (default: admin).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Zones (ids or identifiers) the key is limited to (default: every zone).
        #[arg(long = "zone")]
        zones: Vec<String>,
        #[arg(long)]
        default_zone: Option<String>,
    },
    /// List active keys as JSON.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a key by id.
    Revoke {
        #[command(flatten)]
        db: DatabaseArgs,
        id: String,
    },
}

pub(crate) async fn keys(
    command: KeysCommand,
    bootstrap: Option<String>,
) -> Result<(), StartError> {
    let db = match &command {
        KeysCommand::Create { db, .. }
        | KeysCommand::List { db }
        | KeysCommand::Revoke { db, .. } => db.clone(),
    };
    let settings = Settings {
        database_url: db.database_url,
        bootstrap_api_key: bootstrap,
        ..Settings::default()
    };
    let store = open_store(&settings.database_url, &settings).await?;
    let (service, _) = build_service(&settings, store).await?;
    let operator = service.operator().await.map_err(|e| StartError(e.to_string()))?;
    let fail = |e: roster_service::ServiceError| StartError(e.to_string());
    match command {
        KeysCommand::Create { name, scopes, zones, default_zone, .. } => {
            let scopes = if scopes.is_empty() { vec!["admin".to_owned()] } else { scopes };
            let mut body = json!({ "name": name, "scopes": scopes });
            if !zones.is_empty() {
                body["zones"] = json!(zones);
            }
            if let Some(zone) = default_zone {
                body["default_zone"] = json!(zone);
            }
            // The same typing and words as `POST /v1/api-keys`.
            let fields: roster_api::input::keys::CreateApiKey =
                roster_api::input::typed(body).map_err(|e| StartError(e.problem().detail))?;
            let created = service.create_api_key(&operator, fields.into()).await.map_err(fail)?;
            let view = roster_api::views::ApiKeyView::new(&created.key, Some(created.secret));
            println!("{}", serde_json::to_string_pretty(&view).unwrap_or_default());
        }
        KeysCommand::List { .. } => {
            let mut request = IdPageRequest { limit: 1000, ..IdPageRequest::default() };
            loop {
                let page = service.list_api_keys(&operator, &request).await.map_err(fail)?;
                for key in &page.items {
                    let view = roster_api::views::ApiKeyView::new(key, None);
                    println!("{}", serde_json::to_string(&view).unwrap_or_default());
                }
                match page.end_cursor {
                    Some(cursor) if page.has_next_page => {
                        request.after = Some(cursor);
                    }
                    _ => break,
                }
            }
        }
        KeysCommand::Revoke { id, .. } => {
            service.revoke_api_key(&operator, &id).await.map_err(fail)?;
            eprintln!("roster: revoked {id}");
        }
    }
    Ok(())
}
