//! Bulk seeding: a generator thread makes the deterministic users of
//! `seed.rs` in chunks per zone while the store writes earlier chunks
//! through its bulk path (`Store::import_users`: large transactions on
//! SQLite, `COPY` on PostgreSQL), with a progress line and the rate.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use tokio::sync::mpsc;

use roster_domain::access::Provider;
use roster_domain::events::{Actor, EventStamp};
use roster_domain::{EventId, IdGenerator, ProviderId, Timestamp, User, Zone, ZoneId, ZoneRef};
use roster_store::{Store, StoreError, ZoneScope};

use crate::seed::{SeedTarget, SeedZone, make_user, zone_of};

/// The stamp of a seeding write: Roster itself is the actor, as for any
/// data loaded outside a request.
pub(crate) fn stamp() -> EventStamp {
    let now = Timestamp::now();
    let id =
        EventId::from_ulid(roster_domain::ids::Ulid::from_parts(now.as_millis(), rand::random()));
    EventStamp { id, at: now, actor: Actor::System }
}

/// Users per `import_users` call: large enough that a transaction's fixed
/// cost (a commit, a search-index segment) vanishes, small enough that the
/// chunks in flight stay under a few hundred MiB.
pub const CHUNK: usize = 50_000;

/// The zones beside the admin key's default one (the measured zone).
const OTHER_ZONES: [&str; 2] = ["eu", "trial"];

/// The issuer of every zone's identity provider.
const ISSUER: &str = "https://login.example.com";

/// The three zones of the seed, made (with one identity provider each) when
/// missing.
pub async fn zones(store: &Arc<dyn Store>, main: ZoneScope) -> Result<Vec<SeedZone>> {
    let ids = IdGenerator::new();
    let now = Timestamp::now();
    let mut zones = Vec::new();
    let main_zone =
        store.get_zone(&main.org, &ZoneRef::Id(main.zone)).await.map_err(|e| anyhow!("{e}"))?;
    let mut scopes = vec![(main, main_zone.identifier)];
    for identifier in OTHER_ZONES {
        let found = store.get_zone(&main.org, &ZoneRef::Identifier(identifier.into())).await;
        let zone = match found {
            Ok(zone) => zone,
            Err(StoreError::NotFound) => {
                let zone = Zone {
                    id: ZoneId::from_ulid(ids.next(now.as_millis())),
                    organization_id: main.org,
                    identifier: identifier.into(),
                    name: format!("Zone {identifier}"),
                    created_at: now,
                    updated_at: now,
                };
                store
                    .create_zone(&zone, &stamp())
                    .await
                    .map_err(|e| anyhow!("creating a zone: {e}"))?;
                zone
            }
            Err(e) => return Err(anyhow!("finding zone {identifier}: {e}")),
        };
        scopes.push((ZoneScope { org: main.org, zone: zone.id }, identifier.to_owned()));
    }
    for (scope, identifier) in scopes {
        let provider = match store.get_provider(&scope, "login").await {
            Ok(p) => p,
            Err(StoreError::NotFound) => {
                let p = Provider {
                    id: ProviderId::from_ulid(ids.next(now.as_millis())),
                    identifier: "login".into(),
                    issuer: ISSUER.into(),
                    user_identifier_claim: None,
                    created_at: now,
                    updated_at: now,
                };
                store
                    .create_provider(&scope, &p, &stamp())
                    .await
                    .map_err(|e| anyhow!("creating a provider: {e}"))?;
                p
            }
            Err(e) => return Err(anyhow!("finding the provider: {e}")),
        };
        zones.push(SeedZone { scope, identifier, provider: Some((provider.id, provider.issuer)) });
    }
    Ok(zones)
}

pub struct SeedOutcome {
    pub inserted: u64,
    pub elapsed: Duration,
}

/// Writes users `0..target.total` with `in_flight` imports at once.
pub async fn seed(
    store: Arc<dyn Store>,
    target: SeedTarget,
    in_flight: usize,
) -> Result<SeedOutcome> {
    let target = Arc::new(target);
    let (tx, mut rx) = mpsc::channel::<(usize, Vec<User>)>(in_flight.max(1) + 1);
    let generator = {
        let target = target.clone();
        std::thread::Builder::new().name("seed-generator".into()).spawn(move || {
            let zones = target.zones.len();
            let mut chunks: Vec<Vec<User>> = vec![Vec::with_capacity(CHUNK); zones];
            for i in 0..target.total {
                let z = zone_of(i, zones);
                let (Some(chunk), Some(zone)) = (chunks.get_mut(z), target.zones.get(z)) else {
                    continue;
                };
                chunk.push(make_user(&target, zone, i));
                if chunk.len() >= CHUNK {
                    let full = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
                    if tx.blocking_send((z, full)).is_err() {
                        return;
                    }
                }
            }
            for (z, chunk) in chunks.into_iter().enumerate() {
                if !chunk.is_empty() && tx.blocking_send((z, chunk)).is_err() {
                    return;
                }
            }
        })?
    };

    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let progress = tokio::spawn(progress(done.clone(), target.total, started));
    let mut tasks = tokio::task::JoinSet::new();
    let mut failure = None;
    while let Some((z, chunk)) = rx.recv().await {
        let Some(zone) = target.zones.get(z) else { continue };
        let (store, scope, done) = (store.clone(), zone.scope, done.clone());
        tasks.spawn(async move {
            let n = chunk.len() as u64;
            store
                .import_users(&scope, chunk, &stamp())
                .await
                .map_err(|e| anyhow!("importing users: {e}"))?;
            done.fetch_add(n, Ordering::Relaxed);
            Ok::<(), anyhow::Error>(())
        });
        while tasks.len() >= in_flight.max(1) {
            let Some(joined) = tasks.join_next().await else { break };
            if let Err(e) = flatten(joined) {
                failure.get_or_insert(e);
            }
        }
        if failure.is_some() {
            break;
        }
    }
    drop(rx);
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = flatten(joined) {
            failure.get_or_insert(e);
        }
    }
    progress.abort();
    let _ = generator.join();
    eprintln!();
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(SeedOutcome { inserted: done.load(Ordering::Relaxed), elapsed: started.elapsed() })
}

fn flatten(joined: Result<Result<()>, tokio::task::JoinError>) -> Result<()> {
    joined.map_err(|e| anyhow!("an import task failed: {e}"))?
}

/// A progress bar on a terminal, a line every ten seconds otherwise.
async fn progress(done: Arc<AtomicU64>, goal: u64, started: Instant) {
    let tty = std::io::stderr().is_terminal();
    let every = if tty { Duration::from_millis(500) } else { Duration::from_secs(10) };
    loop {
        tokio::time::sleep(every).await;
        let n = done.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64();
        let rate = n as f64 / secs.max(1e-9);
        let left = goal.saturating_sub(n) as f64 / rate.max(1.0);
        let share = n as f64 / goal.max(1) as f64;
        let filled = (share * 30.0) as usize;
        let line = format!(
            "  [{}{}] {:5.1}% {n}/{goal} users, {rate:.0} users/s, {secs:.0} s, ~{left:.0} s left",
            "#".repeat(filled.min(30)),
            ".".repeat(30 - filled.min(30)),
            share * 100.0
        );
        let mut err = std::io::stderr();
        if tty {
            let _ = write!(err, "\r{line}");
            let _ = err.flush();
        } else {
            let _ = writeln!(err, "{line}");
        }
    }
}
