//! Who is calling: API keys checked against an in-memory cache.
//!
//! Every request presents a key, so looking it up in the database each time
//! would double the cost of a read. Keys are cached by the SHA-256 of the
//! secret for a short time; revoking a key through this process evicts it at
//! once, so it fails on its very next request here.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use roster_domain::tenancy::hash_api_key_secret;
use roster_domain::{ApiKey, ApiKeyId, OrgId, Scope, ScopeSet, Timestamp, ZoneId};

use crate::error::{ServiceError, ServiceResult};

/// An authenticated caller.
#[derive(Debug)]
pub struct Principal {
    pub key_id: ApiKeyId,
    pub org: OrgId,
    pub scopes: ScopeSet,
    pub zones: Option<Vec<ZoneId>>,
    pub default_zone: Option<ZoneId>,
    /// Microseconds of the last `last_used_at` write, to write it at most
    /// once a minute.
    last_touch: AtomicI64,
}

impl Principal {
    pub fn from_key(key: &ApiKey) -> Self {
        Self {
            key_id: key.id,
            org: key.organization_id,
            scopes: key.scopes,
            zones: key.zones.clone(),
            default_zone: key.default_zone_id,
            last_touch: AtomicI64::new(key.last_used_at.map_or(i64::MIN, Timestamp::as_micros)),
        }
    }

    pub fn require(&self, scope: Scope) -> ServiceResult<()> {
        if self.scopes.allows(scope) { Ok(()) } else { Err(ServiceError::scope(scope)) }
    }

    pub fn may_see_zone(&self, zone: &ZoneId) -> bool {
        self.zones.as_ref().is_none_or(|z| z.contains(zone))
    }

    /// Whether a key limited to `zones` (`None`: every zone) lies within this
    /// key's reach, so this key may see, read and revoke it.
    pub fn reaches(&self, zones: Option<&[ZoneId]>) -> bool {
        match (&self.zones, zones) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|z| mine.contains(z)),
        }
    }

    pub fn sees_metadata(&self) -> bool {
        self.scopes.allows(Scope::UsersMetadata)
    }

    /// The actor recorded in `created_by` / `updated_by`.
    pub fn actor(&self) -> String {
        self.key_id.to_string()
    }

    /// Whether `last_used_at` is due to be written for `now`; claims the
    /// write so concurrent requests do not all do it.
    pub fn claim_touch(&self, now: Timestamp) -> bool {
        let last = self.last_touch.load(Ordering::Relaxed);
        now.as_micros().saturating_sub(last) >= 60_000_000
            && self
                .last_touch
                .compare_exchange(last, now.as_micros(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

struct Entry {
    principal: Arc<Principal>,
    fetched: Instant,
}

/// How authentication went, for `/metrics`.
#[derive(Debug, Default)]
pub struct AuthCounters {
    /// Requests refused as unauthorized.
    pub failures: AtomicU64,
    /// Keys looked up in the database.
    pub lookups: AtomicU64,
    /// Unknown keys refused from the negative cache.
    pub negative_cache_hits: AtomicU64,
}

/// Most hashes of unknown keys remembered at once.
const MAX_MISSES: usize = 100_000;

pub struct KeyCache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
    ttl: Duration,
    /// Hashes no active key has, so a guesser repeating a key costs no
    /// database read. Safe because a key's secret is fresh randomness: a key
    /// created later has a hash nobody could have looked up before (and
    /// creating a key through this process forgets its hash here anyway).
    /// A revoked key stays revoked, so its hash may be remembered too.
    misses: RwLock<HashMap<[u8; 32], Instant>>,
    miss_ttl: Duration,
}

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self::with_negative_ttl(ttl, Duration::from_secs(30))
    }

    pub fn with_negative_ttl(ttl: Duration, miss_ttl: Duration) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            ttl,
            misses: RwLock::new(HashMap::new()),
            miss_ttl,
        }
    }

    /// Whether this hash was recently found to belong to no active key.
    pub fn is_known_miss(&self, hash: &[u8; 32]) -> bool {
        self.misses.read().get(hash).is_some_and(|at| at.elapsed() < self.miss_ttl)
    }

    pub fn put_miss(&self, hash: [u8; 32]) {
        if self.miss_ttl.is_zero() {
            return;
        }
        let mut misses = self.misses.write();
        if misses.len() >= MAX_MISSES {
            let ttl = self.miss_ttl;
            misses.retain(|_, at| at.elapsed() < ttl);
            if misses.len() >= MAX_MISSES {
                misses.clear();
            }
        }
        misses.insert(hash, Instant::now());
    }

    pub fn forget_miss(&self, hash: &[u8; 32]) {
        self.misses.write().remove(hash);
    }

    pub fn hash(secret: &str) -> [u8; 32] {
        hash_api_key_secret(secret)
    }

    pub fn get(&self, hash: &[u8; 32]) -> Option<Arc<Principal>> {
        let entries = self.entries.read();
        let entry = entries.get(hash)?;
        (entry.fetched.elapsed() < self.ttl).then(|| entry.principal.clone())
    }

    pub fn put(&self, hash: [u8; 32], principal: Arc<Principal>) {
        let mut entries = self.entries.write();
        // Bounded: a flood of distinct keys cannot grow memory without limit.
        if entries.len() >= 100_000 {
            let ttl = self.ttl;
            entries.retain(|_, e| e.fetched.elapsed() < ttl);
            if entries.len() >= 100_000 {
                entries.clear();
            }
        }
        entries.insert(hash, Entry { principal, fetched: Instant::now() });
    }

    pub fn evict_key(&self, id: &ApiKeyId) {
        self.entries.write().retain(|_, e| e.principal.key_id != *id);
    }
}

/// Zone identifiers resolved to ids, so a request under
/// `/v1/zones/{identifier}/…` does not look the zone up every time. Entries
/// live as long as cached keys; renaming or deleting a zone through this
/// process forgets them at once.
pub struct ZoneIdCache {
    entries: RwLock<HashMap<(OrgId, String), (ZoneId, Instant)>>,
    ttl: Duration,
}

impl ZoneIdCache {
    pub fn new(ttl: Duration) -> Self {
        Self { entries: RwLock::new(HashMap::new()), ttl }
    }

    pub fn get(&self, org: &OrgId, identifier: &str) -> Option<ZoneId> {
        let entries = self.entries.read();
        let (id, at) = entries.get(&(*org, identifier.to_owned()))?;
        (at.elapsed() < self.ttl).then_some(*id)
    }

    pub fn put(&self, org: OrgId, identifier: String, id: ZoneId) {
        let mut entries = self.entries.write();
        if entries.len() >= 10_000 {
            entries.clear();
        }
        entries.insert((org, identifier), (id, Instant::now()));
    }

    pub fn forget(&self, zone: &ZoneId) {
        self.entries.write().retain(|_, (id, _)| id != zone);
    }
}

/// The secret a caller presented, if it can be a key's at all.
pub fn checked_secret(secret: Option<&str>) -> ServiceResult<&str> {
    match secret {
        // No key is empty or longer than this: refused before hashing.
        Some(s) if !s.is_empty() && s.len() <= 256 => Ok(s),
        _ => Err(ServiceError::Unauthorized),
    }
}
