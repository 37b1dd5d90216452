//! The seeded users: realistic, varied and deterministic. User number `i`
//! is the same in every run (its id included), so the bench can name any
//! seeded user without reading them back.

use serde_json::{Map, Value, json};

use roster_domain::ids::Ulid;
use roster_domain::{ProviderId, Window};
use roster_domain::{Sort, Timestamp, User, UserFilter, UserId, UserQuery, UserStatus, UserType};
use roster_store::ZoneScope;

use crate::names::{DEPARTMENTS, DESCRIPTIONS, DOMAINS, FIRST_NAMES, LAST_NAMES, PLANS};

/// The rare search term: it appears in the description of one user in
/// every `RARE_EVERY`.
pub const RARE_TERM: &str = "quokka";
const RARE_EVERY: u64 = 10_000;

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

/// One zone the seed writes to, and the identity provider its linked
/// users come from.
#[derive(Clone)]
pub struct SeedZone {
    pub scope: ZoneScope,
    pub identifier: String,
    pub provider: Option<(ProviderId, String)>,
}

/// Where the seeded users land and who made them.
#[derive(Clone)]
pub struct SeedTarget {
    /// The measured zone first, then the two smaller ones (see `zone_of`).
    pub zones: Vec<SeedZone>,
    pub actor: String,
    pub total: u64,
}

/// Creation times run from here over `SPAN_MICROS`, the same every run so
/// user `i`'s id is too (2025-06-01T00:00:00Z, 395 days: all in the past).
const START_MICROS: i64 = 1_748_736_000_000_000;
const SPAN_MICROS: i64 = 395 * 86_400_000_000;

/// Of every 50 users, 45 land in the first zone (the one the scenarios
/// measure), 4 in the second and 1 in the third: every zone's users are
/// spread over the whole time range.
pub fn zone_of(i: u64, zones: usize) -> usize {
    let slot = match i % 50 {
        0..45 => 0,
        45..49 => 1,
        _ => 2,
    };
    slot.min(zones.saturating_sub(1))
}

/// How many of `total` users land in zone `z` of `zones`.
pub fn users_in_zone(total: u64, z: usize, zones: usize) -> u64 {
    let full = total / 50;
    let rest = total % 50;
    (0..50u64).filter(|slot| zone_of(*slot, zones) == z).count() as u64 * full
        + (0..rest).filter(|slot| zone_of(*slot, zones) == z).count() as u64
}

/// User number `i` of the seed, in `zone` (`zone_of(i)` of the target's
/// zones): the same every run for the same `i`.
pub fn make_user(target: &SeedTarget, zone: &SeedZone, i: u64) -> User {
    let mut rng = Rng::new(0x0005_EED0_0000_0000 ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let domain = rng.pick(DOMAINS);

    let step = (SPAN_MICROS / i64::try_from(target.total.max(1)).unwrap_or(1)).max(1);
    let index = i64::try_from(i).unwrap_or(i64::MAX);
    let jitter = i64::try_from(rng.below(u64::try_from(step).unwrap_or(1))).unwrap_or(0);
    let created_micros =
        START_MICROS.saturating_add(index.saturating_mul(step)).saturating_add(jitter);
    let start = Timestamp::from_micros(START_MICROS).unwrap_or_else(Timestamp::now);
    let created_at = Timestamp::from_micros(created_micros).unwrap_or(start);
    let random = u128::from(rng.next_u64()) << 16 ^ u128::from(rng.next_u64() & 0xFFFF);
    let id = UserId::from_ulid(Ulid::from_parts(created_at.as_millis(), random));

    let mut user =
        User::blank(id, zone.scope.org, zone.scope.zone, created_at, target.actor.clone());
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
    user.attributes = roster_domain::Attributes::from_map(&attributes);
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
    if let Some((provider, issuer)) = &zone.provider
        && rng.percent(30)
    {
        user.provider_id = Some(provider.to_string());
        user.issuer = Some(issuer.clone());
        user.subject = Some(format!("{:016x}", rng.next_u64()));
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
