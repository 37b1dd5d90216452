//! A fresh database per test, fixtures, and the domain's reference answer.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};
use tokio_postgres::NoTls;

use roster_domain::{
    ApiKey, ApiKeyId, IdGenerator, Organization, Position, Timestamp, User, UserId, UserQuery,
    UserStatus, UserType, Window, Zone, ZoneId,
};
use roster_store::{Store, ZoneScope};
use roster_store_postgres::{PgOptions, PgStore};

pub const URL_VAR: &str = "ROSTER_TEST_POSTGRES_URL";

/// The server to test against, or `None` (after saying so loudly) when the
/// variable is unset outside CI. In CI a missing server is a failure.
pub fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{URL_VAR} is not set: the PostgreSQL tests need a server in CI");
            }
            let msg = format!(
                "SKIPPED: {URL_VAR} is not set, so the PostgreSQL store tests did not run \
                 (e.g. {URL_VAR}=postgres://postgres@127.0.0.1:5432/test)"
            );
            eprintln!("{msg}");
            // The harness captures eprintln! of passing tests; say it once
            // where a person running the suite will see it.
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
            });
            None
        }
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..authority_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database made for one test and dropped after it.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub async fn create(admin_url: &str) -> TestDb {
        let name = format!(
            "roster_t_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let (client, conn) = tokio_postgres::connect(admin_url, NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        tokio::spawn(conn);
        // An ICU default collation where 'b' < 'B' and lower() folds
        // non-ASCII letters: the schema's explicit "C" collations must make
        // that irrelevant. Servers without ICU get their default.
        let icu = format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        );
        if client.batch_execute(&icu).await.is_err() {
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
        }
        TestDb { url: with_database(admin_url, &name), name, admin_url: admin_url.to_owned() }
    }

    pub async fn drop_db(&self) {
        if let Ok((client, conn)) = tokio_postgres::connect(&self.admin_url, NoTls).await {
            tokio::spawn(conn);
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .await;
        }
    }
}

/// What every test starts from: a migrated store with one organization,
/// its `default` zone and an admin key.
#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<PgStore>,
    pub url: String,
    pub org: Organization,
    pub zone: Zone,
    pub key: ApiKey,
    pub key_hash: [u8; 32],
    pub ids: Arc<IdGenerator>,
}

impl Ctx {
    pub fn scope(&self) -> ZoneScope {
        ZoneScope { org: self.org.id, zone: self.zone.id }
    }

    pub fn user_id(&self) -> UserId {
        UserId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    pub fn zone_id(&self) -> ZoneId {
        ZoneId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    pub fn key_id(&self) -> ApiKeyId {
        ApiKeyId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    /// A user of the default zone with the given email.
    pub fn user(&self, email: &str) -> User {
        self.user_in(&self.scope(), email)
    }

    pub fn user_in(&self, scope: &ZoneScope, email: &str) -> User {
        let mut u = User::blank(self.user_id(), scope.org, scope.zone, ts(1_000), "key_a".into());
        u.email = email.to_owned();
        u
    }

    pub async fn new_zone(&self, identifier: &str) -> Zone {
        let zone = Zone {
            id: self.zone_id(),
            organization_id: self.org.id,
            identifier: identifier.to_owned(),
            name: identifier.to_uppercase(),
            created_at: ts(5),
            updated_at: ts(5),
        };
        self.store.create_zone(&zone).await.expect("create zone");
        zone
    }
}

/// A timestamp `secs` seconds (plus a fixed odd microsecond part, so
/// sub-second precision is exercised) after 2023-11-14.
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000 + secs * 1_000_000 + 123_457).expect("timestamp")
}

pub fn fixtures(ids: &IdGenerator) -> (Organization, Zone, ApiKey, [u8; 32]) {
    let (org, zone, key) =
        roster_domain::first_tenancy(|| ids.next(1_700_000_000_000), ts(0), "admin");
    (org, zone, key, [7u8; 32])
}

/// Runs `test` against a fresh, bootstrapped database, then drops the
/// database whatever the outcome. Returns without running when no server
/// is configured (outside CI).
pub async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_store_options(PgOptions::default(), test).await;
}

pub async fn with_store_options<F, Fut>(options: PgOptions, test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin).await;
    let outcome = async {
        let store = Arc::new(PgStore::connect(&db.url, &options).await.expect("connect"));
        let ids = Arc::new(IdGenerator::new());
        let (org, zone, key, key_hash) = fixtures(&ids);
        assert!(store.bootstrap(&org, &zone, &key, &key_hash).await.expect("bootstrap"));
        let ctx = Ctx { store: store.clone(), url: db.url.clone(), org, zone, key, key_hash, ids };
        let result = tokio::spawn(test(ctx)).await;
        store.close();
        result
    }
    .await;
    db.drop_db().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Runs `test` with a bare, fresh database URL (no store connected yet).
pub async fn with_database_url<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin) = server_url() else { return };
    let db = TestDb::create(&admin).await;
    let result = tokio::spawn(test(db.url.clone())).await;
    db.drop_db().await;
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

// ---------------------------------------------------------------------------
// The reference answer.

/// The users `query` returns, in order, as the domain defines it.
pub fn expected(all: &[User], query: &UserQuery) -> Vec<User> {
    let mut out: Vec<User> = all.iter().filter(|u| query.matches(u)).cloned().collect();
    out.sort_by(|a, b| query.compare(a, b));
    out
}

pub fn ids_of(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.to_string()).collect()
}

pub fn with_window(query: &UserQuery, window: Window) -> UserQuery {
    UserQuery { window, ..query.clone() }
}

pub fn after(position: Option<Position>, limit: usize) -> Window {
    Window::After { position, limit }
}

/// Walks every page forward, then every page backward from the last user,
/// and checks both walks, each page's `has_more` and `total` against the
/// domain's answer.
pub async fn check_walks(
    store: &dyn Store,
    scope: &ZoneScope,
    all: &[User],
    query: &UserQuery,
    limit: usize,
) {
    let want = expected(all, query);
    let ctx = format!("{query:?}");

    // Forward.
    let mut got: Vec<User> = Vec::new();
    let mut position = None;
    loop {
        let page = store
            .list_users(scope, &with_window(query, after(position.clone(), limit)))
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
        assert_eq!(page.total, want.len() as u64, "total\n{ctx}");
        assert!(page.users.len() <= limit);
        let start = got.len();
        got.extend(page.users.iter().cloned());
        let more = got.len() < want.len();
        assert_eq!(page.has_more, more, "has_more after {} users\n{ctx}", got.len());
        assert_eq!(
            ids_of(&got[start..]),
            ids_of(&want[start.min(want.len())..got.len().min(want.len())]),
            "forward page at {start}\n{ctx}"
        );
        match page.users.last() {
            Some(last) if page.has_more => position = Some(query.position_of(last)),
            _ => break,
        }
    }
    assert_eq!(ids_of(&got), ids_of(&want), "forward walk\n{ctx}");
    assert_eq!(got, want, "forward walk returns the stored users\n{ctx}");

    // Backward, from the last user.
    if let Some(last) = want.last() {
        let mut back: Vec<User> = vec![last.clone()];
        let mut position = query.position_of(last);
        loop {
            let page = store
                .list_users(scope, &with_window(query, Window::Before { position, limit }))
                .await
                .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
            assert_eq!(page.total, want.len() as u64, "total (backward)\n{ctx}");
            let mut next = page.users.clone();
            next.extend(back);
            back = next;
            let more = back.len() < want.len();
            assert_eq!(page.has_more, more, "has_more backward at {}\n{ctx}", back.len());
            match page.users.first() {
                Some(first) if page.has_more => position = query.position_of(first),
                _ => break,
            }
        }
        assert_eq!(ids_of(&back), ids_of(&want), "backward walk\n{ctx}");
    }

    // Offset windows.
    let mut offset = 0u64;
    loop {
        let page = store
            .list_users(scope, &with_window(query, Window::Offset { offset, limit }))
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}\n{ctx}"));
        let from = (offset as usize).min(want.len());
        let to = (from + limit).min(want.len());
        assert_eq!(ids_of(&page.users), ids_of(&want[from..to]), "offset {offset}\n{ctx}");
        assert_eq!(page.has_more, to < want.len(), "offset has_more {offset}\n{ctx}");
        assert_eq!(page.total, want.len() as u64, "offset total\n{ctx}");
        if to >= want.len() {
            break;
        }
        offset += limit as u64;
    }
}

// ---------------------------------------------------------------------------
// Deterministic pseudo-random data.

/// SplitMix64: tiny, seedable, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// `s` with each ASCII letter's case flipped at random.
    pub fn recase(&mut self, s: &str) -> String {
        s.chars()
            .map(|c| if self.chance(50) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect()
    }
}

/// Names chosen to collide: case variants, shared prefixes, non-ASCII
/// letters (which fold to themselves), punctuation and the empty string.
pub const NAMES: &[&str] = &[
    "", "a", "A", "b", "B", "ab", "Ab", "aB", "AB", "abc", "é", "É", "éa", "z", "Z", "_", "zed",
    "Zed", "ZED", " a", "a b", "[x]", "~", "Ωmega", "ωmega",
];

pub const DESCRIPTIONS: &[Option<&str>] = &[
    None,
    Some(""),
    Some("50% off"),
    Some("a_b"),
    Some("back\\slash"),
    Some("Mixed Case Notes"),
    Some("école"),
    Some("user_ lookalike"),
    Some("%_\\"),
];

pub fn attributes_pool() -> Vec<Map<String, Value>> {
    let objects = [
        json!({}),
        json!({"n": 3}),
        json!({"n": 3.0}),
        json!({"n": 3.5}),
        json!({"n": "3"}),
        json!({"n": -0.0}),
        json!({"flag": true}),
        json!({"flag": false}),
        json!({"flag": 1}),
        json!({"s": "Gold"}),
        json!({"s": "gold"}),
        json!({"s": "gold", "n": 3}),
        json!({"nested": {"n": 3}}),
        json!({"list": [3, "3"]}),
        json!({"n": 1e20}),
        json!({"z": 1, "a": 2, "m": {"y": 1, "b": 2}}),
    ];
    objects.into_iter().filter_map(|v| v.as_object().cloned()).collect()
}

/// `n` users of `scope` with colliding names, times, statuses and
/// attributes, and unique emails and identifiers in assorted case.
pub fn random_users(ctx: &Ctx, scope: &ZoneScope, rng: &mut Rng, n: usize) -> Vec<User> {
    let attrs = attributes_pool();
    (0..n)
        .map(|i| {
            let mut u = ctx.user_in(scope, "");
            let stem = rng_pick_str(rng, &["a", "b", "user", "Zed", "é"]);
            let local = rng.recase(&format!("{stem}{i}"));
            u.email = format!("{local}@{}", rng.recase("example.com"));
            if rng.chance(70) {
                let stem = rng_pick_str(rng, &["id", "x", "ab"]);
                u.identifier = rng.recase(&format!("{stem}-{i}"));
            }
            u.first_name = (*rng.pick(NAMES)).to_owned();
            u.last_name = (*rng.pick(NAMES)).to_owned();
            u.name = if rng.chance(30) {
                format!("{} {}", u.first_name, u.last_name).trim().to_owned()
            } else {
                (*rng.pick(NAMES)).to_owned()
            };
            u.description = rng.pick(DESCRIPTIONS).map(str::to_owned);
            u.status = *rng.pick(UserStatus::ALL);
            u.user_type = *rng.pick(UserType::ALL);
            u.attributes = roster_domain::Attributes::from_map(rng.pick(&attrs));
            u.email_verified = rng.chance(50);
            u.created_at = ts(rng.below(6) as i64);
            u.updated_at = ts(6 + rng.below(4) as i64);
            u.created_by = (*rng.pick(&["key_a", "key_b"])).to_owned();
            u.updated_by = (*rng.pick(&["key_a", "key_c"])).to_owned();
            if rng.chance(20) {
                u.issuer = Some("https://idp.example".into());
                u.subject = Some(format!("sub-{i}"));
            }
            if rng.chance(30) {
                u.authenticated_at = Some(ts(100 + rng.below(50) as i64));
            }
            u
        })
        .collect()
}

fn rng_pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

/// A plain connection to `url`, outside any store, for looking under the
/// hood.
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

/// The single bigint a query answers, e.g. a `count(*)`.
pub async fn scalar(url: &str, sql: &str) -> i64 {
    raw(url).await.query_one(sql, &[]).await.unwrap().get(0)
}
