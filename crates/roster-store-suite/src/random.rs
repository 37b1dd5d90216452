//! Deterministic pseudo-random users and queries: the same on every
//! machine, so a failure names a seed and a round that reproduce it.

use serde_json::{Map, Value, json};

use roster_domain::{
    AttributeFilter, Direction, Sort, SortField, SortKey, User, UserFilter, UserQuery, UserStatus,
    UserType, Window,
};
use roster_store::ZoneScope;

use crate::ctx::{Ctx, ts};

/// SplitMix64: tiny, seedable, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
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

pub fn random_query(rng: &mut Rng, users: &[User]) -> UserQuery {
    let mut filter = UserFilter::default();
    if rng.chance(15) {
        filter.statuses = (0..1 + rng.below(3)).map(|_| *rng.pick(UserStatus::ALL)).collect();
    }
    if rng.chance(10) {
        filter.user_types = vec![*rng.pick(UserType::ALL)];
    }
    if rng.chance(10) {
        filter.created_from = Some(ts(rng.below(6) as i64));
    }
    if rng.chance(10) {
        filter.updated_to = Some(ts(6 + rng.below(4) as i64));
    }
    if rng.chance(8) {
        filter.created_by = Some("key_b".into());
    }
    if rng.chance(5) {
        filter.email = Some(rng.pick(users).email.to_ascii_lowercase());
    }
    if rng.chance(10) {
        let (k, v) = rng
            .pick(&[
                ("n", json!(3)),
                ("n", json!("3")),
                ("flag", json!(true)),
                ("s", json!("gold")),
                ("flag", json!(1)),
            ])
            .clone();
        filter.attributes.push(AttributeFilter { key: k.into(), value: v });
    }
    if rng.chance(5) {
        filter.ids = users.iter().step_by(1 + rng.below(5)).map(|u| u.id).collect();
    }
    let search: Vec<String> = if rng.chance(35) {
        let mut terms = vec![
            "a", "ab", "é", "%", "_", "\\", "50%", "a_b", "user_", "example", "zed", "e.c",
            "ωmega", "1", "mixed", "b", "x",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        let u = rng.pick(users);
        let id = u.id.to_string().to_ascii_lowercase();
        terms.push(id.clone());
        terms.push(id[..10].to_owned());
        terms.push(u.email.to_ascii_lowercase());
        let n = 1 + usize::from(rng.chance(20));
        (0..n).map(|_| rng.pick(&terms).clone()).collect()
    } else {
        Vec::new()
    };
    let keys = (0..1 + usize::from(rng.chance(30)))
        .map(|_| SortKey {
            field: *rng.pick(SortField::ALL),
            direction: *rng.pick(&[Direction::Asc, Direction::Desc]),
        })
        .collect::<Vec<_>>();
    let explicit_sort = rng.chance(50);
    let sort = if explicit_sort { Sort { keys } } else { Sort::default() };
    let ranked = !search.is_empty() && !explicit_sort;
    UserQuery {
        filter,
        search,
        sort,
        ranked,
        window: Window::After { position: None, limit: 1 + rng.below(12) },
    }
}
