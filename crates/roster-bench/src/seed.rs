//! Seeding: realistic, varied users written straight through the storage
//! layer, many at once so the store's group commit batches them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use roster_domain::ids::Ulid;
use roster_domain::{Sort, Timestamp, User, UserFilter, UserId, UserQuery, UserStatus, UserType};
use roster_domain::{Window, ZoneId};
use roster_store::{Store, StoreError, ZoneScope};

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Andrew",
    "Emily",
    "Paul",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Maria",
    "Marie",
    "Mario",
    "Marina",
    "Jose",
    "Ana",
    "Luis",
    "Sofia",
    "Wei",
    "Yuki",
    "Hiroshi",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Ahmed",
    "Olga",
    "Ivan",
    "Lars",
    "Ingrid",
    "Chloe",
    "Lucas",
    "Noah",
    "Emma",
    "Olivia",
    "Liam",
    "Mateo",
    "Isabella",
    "Amara",
    "Kwame",
    "Zoe",
    "Nikolai",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Kim",
    "Chen",
    "Wang",
    "Patel",
    "Singh",
    "Kowalski",
    "Novak",
    "Muller",
    "Schmidt",
    "Rossi",
    "Marino",
    "Costa",
    "Silva",
    "Tanaka",
    "Sato",
    "Ivanova",
    "Larsen",
    "Okafor",
    "Mensah",
    "Dubois",
];

const DOMAINS: &[&str] = &[
    "example.com",
    "acme.io",
    "globex.net",
    "initech.org",
    "umbrella.co",
    "hooli.com",
    "stark.industries",
    "wayne.enterprises",
    "mail.test",
    "contoso.dev",
];

const DESCRIPTIONS: &[&str] = &[
    "Account owner for the EMEA region",
    "Migrated from the legacy directory",
    "Contractor, access reviewed quarterly",
    "Primary contact for billing questions",
    "Support engineer, tier 2",
    "Invited by the sales team during onboarding",
    "Uses SSO through the corporate identity provider",
    "Requested API access for the analytics integration",
    "Temporary account for the audit",
    "Power user; beta tester for new features",
    "Service account for nightly data exports",
    "Regional manager, North America",
];

/// The rare search term: it appears in the description of one user in
/// every `RARE_EVERY`.
pub const RARE_TERM: &str = "quokka";
const RARE_EVERY: u64 = 10_000;

const DEPARTMENTS: &[&str] =
    &["engineering", "sales", "marketing", "support", "finance", "legal", "operations", "design"];
const PLANS: &[&str] = &["free", "starter", "pro", "enterprise"];

/// SplitMix64: tiny, fast, and deterministic per user index.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn status_for(roll: u64) -> UserStatus {
    match roll {
        0..80 => UserStatus::Active,
        80..88 => UserStatus::Onboarding,
        88..93 => UserStatus::Inactive,
        93..96 => UserStatus::Suspended,
        96..98 => UserStatus::Risky,
        _ => UserStatus::Disabled,
    }
}

fn user_type_for(roll: u64) -> UserType {
    match roll {
        0..5 => UserType::SaasAdmin,
        5..90 => UserType::SaasUser,
        _ => UserType::SaasUserClient,
    }
}

/// Where the seeded users land and who made them.
#[derive(Clone)]
pub struct SeedTarget {
    pub scope: ZoneScope,
    pub actor: String,
    /// Creation times spread from here over `span`.
    pub start: Timestamp,
    pub span_micros: i64,
    pub total: u64,
}

/// User number `i` of the seed: the same every run for the same `i`.
pub fn make_user(target: &SeedTarget, i: u64) -> User {
    let mut rng = Rng::new(0x0005_EED0_0000_0000 ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let domain = rng.pick(DOMAINS);

    let step = (target.span_micros / i64::try_from(target.total.max(1)).unwrap_or(1)).max(1);
    let index = i64::try_from(i).unwrap_or(i64::MAX);
    let jitter = i64::try_from(rng.below(u64::try_from(step).unwrap_or(1))).unwrap_or(0);
    let created_micros =
        target.start.as_micros().saturating_add(index.saturating_mul(step)).saturating_add(jitter);
    let created_at = Timestamp::from_micros(created_micros).unwrap_or(target.start);
    let random = u128::from(rng.next_u64()) << 16 ^ u128::from(rng.next_u64() & 0xFFFF);
    let id = UserId::from_ulid(Ulid::from_parts(created_at.as_millis(), random));

    let mut user =
        User::blank(id, target.scope.org, target.scope.zone, created_at, target.actor.clone());
    user.first_name = first.to_owned();
    user.last_name = last.to_owned();
    user.name = roster_domain::user::derive_display_name(first, last);
    user.email =
        format!("{}.{}.{i}@{domain}", first.to_ascii_lowercase(), last.to_ascii_lowercase());
    if rng.percent(50) {
        let initial = first.chars().next().unwrap_or('x').to_ascii_lowercase();
        user.identifier = format!("{initial}{}{i}", last.to_ascii_lowercase());
    }
    user.email_verified = rng.percent(75);
    user.status = status_for(rng.below(100));
    user.user_type = user_type_for(rng.below(100));
    if i % RARE_EVERY == RARE_EVERY / 2 {
        user.description =
            Some(format!("Field researcher; studies the {RARE_TERM} population on Rottnest"));
    } else if rng.percent(30) {
        user.description = Some(rng.pick(DESCRIPTIONS).to_owned());
    }
    let mut attributes = Map::new();
    if rng.percent(60) {
        attributes.insert("department".into(), json!(rng.pick(DEPARTMENTS)));
        attributes.insert("plan".into(), json!(rng.pick(PLANS)));
        if rng.percent(30) {
            attributes.insert("seats".into(), json!(1 + rng.below(500)));
        }
        if rng.percent(20) {
            attributes.insert("beta".into(), Value::Bool(true));
        }
    }
    user.attributes = attributes;
    if rng.percent(50) {
        let later = created_micros
            .saturating_add(i64::try_from(rng.below(30 * 86_400_000_000)).unwrap_or(0));
        user.authenticated_at = Timestamp::from_micros(later).filter(|t| *t <= Timestamp::now());
    }
    if rng.percent(20) {
        let later = created_micros
            .saturating_add(i64::try_from(rng.below(7 * 86_400_000_000)).unwrap_or(0));
        if let Some(t) = Timestamp::from_micros(later).filter(|t| *t <= Timestamp::now()) {
            user.updated_at = t;
            user.version = 2;
        }
    }
    user
}

/// A query for the zone's total number of users.
pub fn count_query() -> UserQuery {
    UserQuery {
        filter: UserFilter::default(),
        search: Vec::new(),
        sort: Sort::default(),
        ranked: false,
        window: Window::After { position: None, limit: 1 },
    }
}

pub struct SeedOutcome {
    pub inserted: u64,
    pub elapsed: Duration,
    pub retries: u64,
}

/// Inserts users `from..target.total` with `concurrency` writers in flight.
pub async fn seed(
    store: Arc<dyn Store>,
    target: SeedTarget,
    from: u64,
    concurrency: usize,
) -> Result<SeedOutcome> {
    let next = Arc::new(AtomicUsize::new(usize::try_from(from)?));
    let total = usize::try_from(target.total)?;
    let retries = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let target = Arc::new(target);
    let started = Instant::now();

    let progress = {
        let done = done.clone();
        let goal = (target.total - from).max(1);
        tokio::spawn(async move {
            let mut last_report = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let n = done.load(Ordering::Relaxed);
                if n != last_report {
                    eprintln!(
                        "  seeded {n}/{goal} ({:.0} users/s)",
                        n as f64 / started.elapsed().as_secs_f64()
                    );
                    last_report = n;
                }
            }
        })
    };

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (store, next, target, retries, done) =
            (store.clone(), next.clone(), target.clone(), retries.clone(), done.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<(), anyhow::Error>(());
                }
                let user = make_user(&target, i as u64);
                let mut attempts = 0;
                loop {
                    match store.create_user(&target.scope, &user, None).await {
                        Ok(()) => break,
                        Err(StoreError::Unavailable(_)) if attempts < 100 => {
                            attempts += 1;
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        Err(e) => {
                            return Err(anyhow!("inserting user {i} ({}): {e}", user.email));
                        }
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(anyhow!("seeding task failed: {e}"));
            }
        }
    }
    progress.abort();
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(SeedOutcome {
        inserted: done.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        retries: retries.load(Ordering::Relaxed),
    })
}

/// The admin key's organization, default zone and id, found by its secret.
pub async fn admin_scope(store: &Arc<dyn Store>, secret: &str) -> Result<(ZoneScope, String)> {
    let hash = roster_service::KeyCache::hash(secret);
    let key = store
        .find_api_key(&hash)
        .await
        .map_err(|e| anyhow!("looking up the bench admin key: {e}"))?
        .context(
            "the database was bootstrapped with a different admin key; \
             use a fresh database (drop --reuse) or the same ROSTER_BOOTSTRAP_API_KEY",
        )?;
    let zone: ZoneId = match key.default_zone_id {
        Some(zone) => zone,
        None => bail!("the bench admin key has no default zone"),
    };
    Ok((ZoneScope { org: key.organization_id, zone }, key.id.to_string()))
}

/// How many of the oldest users get roles, sessions and grants, so the
/// first pages have something to expand.
pub const ACCESS_USERS: u64 = 2000;

/// Gives the `ACCESS_USERS` oldest users role assignments, sessions and
/// grants (once: skipped when the `member` role exists).
pub async fn seed_access(store: &Arc<dyn Store>, scope: &ZoneScope) -> Result<u64> {
    use roster_domain::access::{Grant, Role, RoleAssignment, RoleRef, Session};
    use roster_domain::{GrantId, RoleAssignmentId, RoleId, SessionId};
    if store.get_role(scope, &RoleRef::Identifier("member".into())).await.is_ok() {
        return Ok(0);
    }
    let ids = roster_domain::IdGenerator::new();
    let now = Timestamp::now();
    let mut roles = Vec::new();
    for identifier in ["member", "admin", "billing"] {
        let role = Role {
            id: RoleId::from_ulid(ids.next(now.as_millis())),
            identifier: identifier.into(),
            name: identifier.into(),
            description: None,
            created_at: now,
            updated_at: now,
        };
        store.create_role(scope, &role).await.map_err(|e| anyhow!("creating role: {e}"))?;
        roles.push(role);
    }
    let mut oldest = count_query();
    oldest.window = Window::After { position: None, limit: ACCESS_USERS as usize };
    let users =
        store.list_users(scope, &oldest).await.map_err(|e| anyhow!("listing users: {e}"))?;
    let mut written = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in users.users.iter().enumerate() {
        let (i, user) = (i as u64, user.id);
        let store = store.clone();
        let scope = *scope;
        let roles: Vec<(RoleId, String)> =
            roles.iter().map(|r| (r.id, r.identifier.clone())).collect();
        let (a, b, c) =
            (ids.next(now.as_millis()), ids.next(now.as_millis()), ids.next(now.as_millis()));
        tasks.spawn(async move {
            let actor = "key_bench".to_owned();
            let mut n = 0u64;
            for (k, (role_id, identifier)) in roles.iter().enumerate() {
                if k == 0 || (i + k as u64).is_multiple_of(4) {
                    let id = RoleAssignmentId::from_ulid(ulid_plus(a, k as u128));
                    let assignment = RoleAssignment {
                        id,
                        user_id: user,
                        role_id: *role_id,
                        role_identifier: identifier.clone(),
                        scope: None,
                        created_at: now,
                        created_by: actor.clone(),
                    };
                    store
                        .create_role_assignment(&scope, &assignment)
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                    n += 1;
                }
            }
            for k in 0..(1 + i % 3) {
                let session = Session {
                    id: SessionId::from_ulid(ulid_plus(b, u128::from(k))),
                    user_id: user,
                    provider_id: None,
                    created_at: now,
                    expires_at: None,
                    revoked_at: None,
                    created_by: actor.clone(),
                };
                match store.create_session(&scope, &session).await {
                    Ok(()) | Err(StoreError::UserDisabled) => {}
                    Err(e) => return Err(anyhow!("{e}")),
                }
                n += 1;
            }
            for k in 0..(i % 3) {
                let grant = Grant {
                    id: GrantId::from_ulid(ulid_plus(c, u128::from(k))),
                    user_id: user,
                    client_id: "bench-app".into(),
                    resource: "orders-api".into(),
                    scopes: vec!["read".into()],
                    created_at: now,
                    expires_at: None,
                    revoked_at: None,
                    created_by: actor.clone(),
                };
                match store.create_grant(&scope, &grant).await {
                    Ok(()) | Err(StoreError::UserDisabled) => {}
                    Err(e) => return Err(anyhow!("{e}")),
                }
                n += 1;
            }
            Ok::<u64, anyhow::Error>(n)
        });
        if tasks.len() >= 256
            && let Some(r) = tasks.join_next().await
        {
            written += r.map_err(|e| anyhow!("{e}"))??;
        }
    }
    while let Some(r) = tasks.join_next().await {
        written += r.map_err(|e| anyhow!("{e}"))??;
    }
    Ok(written)
}

/// A distinct id near `base` (ids only need to be unique here).
fn ulid_plus(base: Ulid, k: u128) -> Ulid {
    Ulid::from_parts(base.timestamp_ms(), base.random().wrapping_add(k << 40))
}
