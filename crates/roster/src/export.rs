//! `roster export`: every user of a zone (or of all zones), as NDJSON lines
//! shaped as `GET` returns them (metadata included) or as CSV, streamed
//! page by page straight from the database, optionally only those changed
//! since a time.

use std::io::Write;
use std::sync::Arc;

use roster_domain::{Timestamp, UserQuery, Window, Zone, ZoneRef, ZoneScope};
use roster_store::{IdWindow, Store};

use crate::StartError;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
}

/// The CSV columns, in order: the user's fields as `GET` names them.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "identifier",
    "email",
    "email_verified",
    "first_name",
    "last_name",
    "name",
    "description",
    "user_type",
    "status",
    "attributes",
    "issuer",
    "provider_id",
    "subject",
    "external_id",
    "authenticated_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

const PAGE: usize = 1000;

fn failed(what: &str) -> impl Fn(&dyn std::fmt::Display) -> StartError + '_ {
    move |e| StartError(format!("{what}: {e}"))
}

/// The zones to export: the one named, or every zone of the organization.
async fn zones(store: &Arc<dyn Store>, zone: Option<&str>) -> Result<Vec<Zone>, StartError> {
    let org =
        store.default_organization().await.map_err(|e| failed("reading the organization")(&e))?;
    if let Some(zone) = zone {
        let found = store
            .get_zone(&org.id, &ZoneRef::parse(zone))
            .await
            .map_err(|_| StartError(format!("no zone {zone:?}")))?;
        return Ok(vec![found]);
    }
    let mut all = Vec::new();
    let mut window = IdWindow { after: None, backwards: false, limit: 100 };
    loop {
        let page = store
            .list_zones(&org.id, None, &window)
            .await
            .map_err(|e| failed("listing zones")(&e))?;
        window.after = page.items.last().map(|z| z.id.to_bytes());
        all.extend(page.items);
        if !page.has_more {
            return Ok(all);
        }
    }
}

/// Where users go, in the chosen format.
enum Sink<'a> {
    Ndjson(&'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
}

impl Sink<'_> {
    fn user(&mut self, user: &roster_domain::User) -> Result<(), String> {
        match self {
            Sink::Ndjson(out) => {
                let view = roster_api::views::UserView::new(user, true);
                let mut line = roster_api::encode::json_bytes(&view)?;
                line.push(b'\n');
                out.write_all(&line).map_err(|e| e.to_string())
            }
            Sink::Csv(w) => w.write_record(csv_row(user)).map_err(|e| e.to_string()),
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        match self {
            Sink::Ndjson(out) => out.flush().map_err(|e| e.to_string()),
            Sink::Csv(w) => w.flush().map_err(|e| e.to_string()),
        }
    }
}

/// Writes the users; returns how many.
pub async fn export(
    store: Arc<dyn Store>,
    zone: Option<&str>,
    format: Format,
    since: Option<Timestamp>,
    out: &mut dyn Write,
) -> Result<u64, StartError> {
    let write_err = failed("writing the export");
    let mut sink = match format {
        Format::Ndjson => Sink::Ndjson(out),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_COLUMNS).map_err(|e| write_err(&e))?;
            Sink::Csv(Box::new(w))
        }
    };
    let mut n = 0;
    for zone in zones(&store, zone).await? {
        let scope = ZoneScope { org: zone.organization_id, zone: zone.id };
        let mut query = UserQuery::first_page(PAGE);
        query.filter.updated_from = since;
        loop {
            let page =
                store.list_users(&scope, &query).await.map_err(|e| failed("reading users")(&e))?;
            for user in &page.users {
                sink.user(user).map_err(|e| write_err(&e))?;
                n += 1;
            }
            if !page.has_more {
                break;
            }
            let next = page.resume.or_else(|| page.users.last().map(|u| query.position_of(u)));
            query.window = Window::After { position: next, limit: PAGE };
        }
    }
    sink.flush().map_err(|e| write_err(&e))?;
    Ok(n)
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn csv_row(u: &roster_domain::User) -> Vec<String> {
    vec![
        u.id.to_string(),
        u.identifier.clone(),
        u.email.clone(),
        u.email_verified.to_string(),
        u.first_name.clone(),
        u.last_name.clone(),
        u.name.clone(),
        u.description.clone().unwrap_or_default(),
        u.user_type.as_str().to_owned(),
        u.status.as_str().to_owned(),
        u.attributes.as_json().to_owned(),
        u.issuer.clone().unwrap_or_default(),
        u.provider_id.clone().unwrap_or_default(),
        u.subject.clone().unwrap_or_default(),
        u.external_id.clone().unwrap_or_default(),
        time(u.authenticated_at),
        time(Some(u.created_at)),
        time(Some(u.updated_at)),
        u.created_by.clone(),
        u.updated_by.clone(),
    ]
}
