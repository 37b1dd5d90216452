//! Operator commands: `roster users …`, `roster zones …` and `roster check`.
//!
//! Users and zones go through the service as the operator principal, with
//! bodies and list parameters typed by `roster_api` exactly as the HTTP
//! edge types them: the command line refuses what the API refuses, in the
//! API's words, and prints what the API would show.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};

use roster::{Settings, StartError, build_service, open_store, redact};
use roster_api::input::typed;
use roster_api::problem::ApiError;
use roster_api::query::ListUsersParams;
use roster_api::views::{UserView, ZoneView};
use roster_domain::UserId;
use roster_service::tenancy::IdPageRequest;
use roster_service::users::Expand;
use roster_service::{Principal, Service, ServiceError};
use roster_store::Store;

use crate::DatabaseArgs;

#[derive(clap::Subcommand)]
pub enum UsersCommand {
    /// Print users as JSON lines, one user per line, as GET /v1/users shows them.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The zone (id or identifier).
        #[arg(long, default_value = "default")]
        zone: String,
        /// Case-insensitive substring of id, email, name, identifier or description.
        #[arg(long)]
        search: Option<String>,
        /// Comma list of statuses (`active`, `disabled`, …).
        #[arg(long)]
        status: Option<String>,
        /// Print at most this many users (default: all).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Print one user, by id or by email, as pretty JSON.
    Get {
        #[command(flatten)]
        db: DatabaseArgs,
        /// A user id (`user_…`) or an email.
        id_or_email: String,
        #[arg(long, default_value = "default")]
        zone: String,
    },
    /// Create a user and print it.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long, default_value = "default")]
        zone: String,
    },
    /// Set a user's status to disabled and print it.
    Disable {
        #[command(flatten)]
        db: DatabaseArgs,
        id: String,
        #[arg(long, default_value = "default")]
        zone: String,
    },
}

#[derive(clap::Subcommand)]
pub enum ZonesCommand {
    /// Print zones as JSON lines.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Create a zone and print it.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        /// A slug: 1-63 of `a-z 0-9 - _`.
        identifier: String,
        /// Defaults to the identifier.
        #[arg(long)]
        name: Option<String>,
    },
}

/// What `roster check` is given: the database and address `serve` would use.
#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    // A string, not a `SocketAddr`: a bad address is reported in one line
    // like every other failure of the check, not as a usage screen.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    public_url: Option<String>,
}

/// The API's words for a refusal: the problem's detail, as a client reads it.
fn refused(e: ApiError) -> StartError {
    StartError(e.problem().detail)
}

fn service_error(e: ServiceError) -> StartError {
    refused(ApiError::Service(e))
}

fn print_pretty(value: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

fn print_line(value: &impl serde::Serialize) {
    println!("{}", serde_json::to_string(value).unwrap_or_default());
}

/// The store, the service over it, and the operator acting on it.
struct Operator {
    store: Arc<dyn Store>,
    service: Arc<Service>,
    principal: Principal,
}

impl Operator {
    async fn open(db: &DatabaseArgs, bootstrap: Option<String>) -> Result<Self, StartError> {
        let settings = Settings {
            database_url: db.database_url.clone(),
            bootstrap_api_key: bootstrap,
            ..Settings::default()
        };
        let store = open_store(&settings.database_url, &settings).await?;
        let (service, _) = build_service(&settings, store.clone()).await?;
        let principal = service.operator().await.map_err(service_error)?;
        Ok(Self { store, service, principal })
    }

    async fn zone(&self, zone: &str) -> Result<roster_store::ZoneScope, StartError> {
        self.service.resolve_zone(&self.principal, Some(zone)).await.map_err(|e| match e {
            ServiceError::NotFound => StartError(format!("no zone {zone:?}")),
            e => service_error(e),
        })
    }

    fn view<'a>(&self, user: &'a roster_domain::User) -> UserView<'a> {
        UserView::new(user, self.principal.sees_metadata())
    }

    /// Commits what is queued and lets go of the database.
    fn close(self) {
        drop(self.service);
        self.store.close();
    }
}

/// A query string value, percent-encoded (every byte but the unreserved).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of users, the parameters read as `GET /v1/users` reads them.
async fn list_page(
    op: &Operator,
    scope: &roster_store::ZoneScope,
    params: &[(&str, &str)],
) -> Result<roster_service::users::UserListPage, StartError> {
    let query: Vec<String> =
        params.iter().map(|(name, value)| format!("{name}={}", encode(value))).collect();
    let query =
        roster_api::query::read::<ListUsersParams>(Some(&query.join("&"))).map_err(refused)?;
    op.service.list_users(&op.principal, scope, query.request).await.map_err(service_error)
}

pub async fn users(command: UsersCommand, bootstrap: Option<String>) -> Result<(), StartError> {
    let db = match &command {
        UsersCommand::List { db, .. }
        | UsersCommand::Get { db, .. }
        | UsersCommand::Create { db, .. }
        | UsersCommand::Disable { db, .. } => db.clone(),
    };
    let op = Operator::open(&db, bootstrap).await?;
    let result = run_users(&op, command).await;
    op.close();
    result
}

async fn run_users(op: &Operator, command: UsersCommand) -> Result<(), StartError> {
    match command {
        UsersCommand::List { zone, search, status, limit, .. } => {
            let scope = op.zone(&zone).await?;
            let mut left = limit;
            let mut after: Option<String> = None;
            while left != Some(0) {
                let page_size = left.map_or(1000, |n| n.min(1000)).to_string();
                let mut params = vec![("limit", page_size.as_str())];
                if let Some(search) = &search {
                    params.push(("search", search));
                }
                if let Some(status) = &status {
                    params.push(("status", status));
                }
                if let Some(after) = &after {
                    params.push(("after", after));
                }
                let page = list_page(op, &scope, &params).await?;
                for user in &page.users {
                    print_line(&op.view(user));
                }
                left = left.map(|n| n.saturating_sub(page.users.len()));
                match page.end_cursor {
                    Some(cursor) if page.has_next_page && !page.users.is_empty() => {
                        after = Some(cursor);
                    }
                    _ => break,
                }
            }
        }
        UsersCommand::Get { id_or_email, zone, .. } => {
            let scope = op.zone(&zone).await?;
            let user = if let Some(id) = UserId::parse(&id_or_email) {
                let got = op.service.get_user(&op.principal, &scope, id, Expand::default()).await;
                match got {
                    Ok((user, _)) => user,
                    Err(ServiceError::NotFound) => {
                        return Err(StartError(format!("no user {id_or_email} in zone {zone:?}")));
                    }
                    Err(e) => return Err(service_error(e)),
                }
            } else if id_or_email.contains('@') {
                let page =
                    list_page(op, &scope, &[("email", &id_or_email), ("limit", "1")]).await?;
                page.users.into_iter().next().ok_or_else(|| {
                    StartError(format!("no user with email {id_or_email:?} in zone {zone:?}"))
                })?
            } else {
                return Err(StartError(format!(
                    "{id_or_email:?} is neither a user id (user_…) nor an email"
                )));
            };
            print_pretty(&op.view(&user));
        }
        UsersCommand::Create { email, first_name, last_name, zone, .. } => {
            let scope = op.zone(&zone).await?;
            let mut body = json!({ "email": email });
            if let Some(first) = first_name {
                body["first_name"] = Value::String(first);
            }
            if let Some(last) = last_name {
                body["last_name"] = Value::String(last);
            }
            // The same typing and words as `POST /v1/users`.
            let fields: roster_api::input::users::CreateUser = typed(body).map_err(refused)?;
            let prepared = op
                .service
                .prepare_user(&op.principal, &scope, fields.into())
                .map_err(service_error)?;
            let user = op.service.commit_user(prepared, None).await.map_err(service_error)?;
            print_pretty(&op.view(&user));
        }
        UsersCommand::Disable { id, zone, .. } => {
            let scope = op.zone(&zone).await?;
            let user_id =
                UserId::parse(&id).ok_or_else(|| StartError(format!("{id:?} is not a user id")))?;
            let patch: roster_api::input::users::UpdateUser =
                typed(json!({ "status": "disabled" })).map_err(refused)?;
            let user = op
                .service
                .update_user(&op.principal, &scope, user_id, patch.into(), None)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => StartError(format!("no user {id} in zone {zone:?}")),
                    e => service_error(e),
                })?;
            print_pretty(&op.view(&user));
        }
    }
    Ok(())
}

pub async fn zones(command: ZonesCommand, bootstrap: Option<String>) -> Result<(), StartError> {
    let db = match &command {
        ZonesCommand::List { db } | ZonesCommand::Create { db, .. } => db.clone(),
    };
    let op = Operator::open(&db, bootstrap).await?;
    let result = run_zones(&op, command).await;
    op.close();
    result
}

async fn run_zones(op: &Operator, command: ZonesCommand) -> Result<(), StartError> {
    match command {
        ZonesCommand::List { .. } => {
            let mut request = IdPageRequest { limit: 1000, ..IdPageRequest::default() };
            loop {
                let page =
                    op.service.list_zones(&op.principal, &request).await.map_err(service_error)?;
                for zone in &page.items {
                    print_line(&ZoneView::new(zone));
                }
                match page.end_cursor {
                    Some(cursor) if page.has_next_page => request.after = Some(cursor),
                    _ => break,
                }
            }
        }
        ZonesCommand::Create { identifier, name, .. } => {
            let mut body = json!({ "identifier": identifier });
            if let Some(name) = name {
                body["name"] = Value::String(name);
            }
            // The same typing and words as `POST /v1/zones`.
            let fields: roster_api::input::zones::CreateZone = typed(body).map_err(refused)?;
            let zone = op
                .service
                .create_zone(&op.principal, fields.into())
                .await
                .map_err(service_error)?;
            print_pretty(&ZoneView::new(&zone));
        }
    }
    Ok(())
}

/// Validates what `serve` would be given and reads the database without
/// changing it: a check must never create or migrate what it checks.
pub async fn check(args: CheckArgs, bootstrap: Option<String>) -> Result<(), StartError> {
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        StartError(format!(
            "--listen {:?} is not an address and port (127.0.0.1:8080)",
            args.listen
        ))
    })?;
    let public_url = match args.public_url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => url,
        Some(url) => {
            return Err(StartError(format!(
                "--public-url {url:?} must start with http:// or https://"
            )));
        }
        None => format!("http://{listen}"),
    };
    if let Some(secret) = &bootstrap {
        roster_domain::tenancy::check_bootstrap_secret(secret).map_err(StartError)?;
    }
    let url = args.db.database_url;
    let shown = redact(&url);
    let (backend, status) = if url.starts_with("sqlite:") {
        let owned = url.clone();
        let status = tokio::task::spawn_blocking(move || roster_store_sqlite::inspect(&owned))
            .await
            .map_err(|e| StartError(format!("reading {shown}: {e}")))?;
        ("sqlite", status)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = roster_store_postgres::PgOptions::default();
        ("postgres", roster_store_postgres::inspect(&url, &options).await)
    } else {
        return Err(StartError(format!(
            "unsupported database URL {shown:?}: use sqlite://path.db, sqlite::memory: or postgres://…"
        )));
    };
    let status = status.map_err(|e| StartError(format!("database {shown}: {e}")))?;
    if status.found < status.expected {
        let what = if status.found == 0 {
            "has no Roster schema".to_owned()
        } else {
            format!("is at schema version {}", status.found)
        };
        return Err(StartError(format!(
            "database {shown} {what}; this Roster needs version {} (run roster migrate)",
            status.expected
        )));
    }
    if status.found > status.expected {
        return Err(StartError(format!(
            "database {shown} is at schema version {}, newer than this Roster ({})",
            status.found, status.expected
        )));
    }
    println!("backend: {backend}");
    println!("database: {shown}");
    println!("listen: {listen}");
    println!("public URL: {public_url}");
    println!("schema version: {} (current)", status.found);
    match status.zones {
        Some(n) => println!("zones: {n}"),
        None => println!("zones: none yet (an in-memory database is made afresh at each start)"),
    }
    Ok(())
}
