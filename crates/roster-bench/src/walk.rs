//! Reading the measured zone back before the load: a walk by cursor to
//! the deep page, and a sample of seeded users' ids.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::http::{HttpConn, RequestBuilder};
use crate::scenarios::encode;
use crate::seed::{self, SeedTarget};

#[derive(Deserialize)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Deserialize)]
pub struct ListPage {
    pub data: Vec<serde::de::IgnoredAny>,
    pub page_info: PageInfo,
    pub total_count: u64,
    #[serde(default)]
    pub total_count_exact: Option<bool>,
}

pub async fn get_page(
    conn: &mut HttpConn,
    builder: &RequestBuilder,
    path: &str,
) -> Result<ListPage> {
    let status = conn.roundtrip(&builder.get(path)).await.with_context(|| format!("GET {path}"))?;
    if status != 200 {
        bail!("GET {path} answered {status}: {}", String::from_utf8_lossy(conn.body()));
    }
    serde_json::from_slice(conn.body()).with_context(|| format!("parsing GET {path}"))
}

pub struct Walk {
    pub ids: Vec<String>,
    pub limit: u64,
    pub pages: usize,
    pub seconds: f64,
    pub deep_cursor: String,
    pub deep_position: usize,
    pub total: u64,
}

/// Users of the measured zone the GET scenarios pick from.
const SAMPLED_IDS: usize = 100_000;

/// How deep the deep page is: 10 000 pages of 50, or 90% of a smaller zone.
const DEEP_POSITION: u64 = 500_000;

/// Ids of up to `SAMPLED_IDS` seeded users of the measured zone, drawn at
/// random over all of them (named by number, not read back: a walk of ten
/// million users would take minutes).
fn sample_ids(target: &SeedTarget) -> Vec<String> {
    let Some(zone) = target.zones.first() else { return Vec::new() };
    let in_zone = seed::users_in_zone(target.total, 0, target.zones.len());
    let n = SAMPLED_IDS.min(usize::try_from(in_zone).unwrap_or(usize::MAX));
    let mut rng = seed::Rng::new(0x5A4D_9E1D);
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let i = rng.below(target.total);
        if seed::zone_of(i, target.zones.len()) == 0 {
            ids.push(seed::make_user(target, zone, i).id.to_string());
        }
    }
    ids
}

/// Walks the measured zone by cursor (pages of 100) to `DEEP_POSITION` or
/// 90% of its users, whichever comes first, for the deep-page scenario.
pub async fn walk(
    conn: &mut HttpConn,
    builder: &RequestBuilder,
    target: &SeedTarget,
) -> Result<Walk> {
    let probe = get_page(conn, builder, "/v1/users?limit=1").await?;
    let total = probe.total_count;
    let goal = DEEP_POSITION.min(total * 9 / 10).max(1);
    let limit = (total / 50).clamp(1, 100);
    let started = Instant::now();
    let mut after: Option<String> = None;
    let mut seen = 0u64;
    let mut pages = 0;
    let deep = loop {
        let path = match &after {
            Some(c) => format!("/v1/users?limit={limit}&after={}", encode(c)),
            None => format!("/v1/users?limit={limit}"),
        };
        let page = get_page(conn, builder, &path).await?;
        pages += 1;
        seen += page.data.len() as u64;
        match page.page_info.end_cursor {
            Some(c) if seen >= goal || !page.page_info.has_next_page => break c,
            Some(c) => after = Some(c),
            None => bail!("the walk found no users"),
        }
    };
    let ids = sample_ids(target);
    let Some(first) = ids.first() else { bail!("the measured zone holds no users") };
    let status = conn.roundtrip(&builder.get(&format!("/v1/users/{first}"))).await?;
    if status != 200 {
        bail!(
            "a seeded user ({first}) answers {status}: the database was seeded by another \
             version of the bench or with another --users; drop --reuse to seed afresh"
        );
    }
    Ok(Walk {
        ids,
        limit,
        pages,
        seconds: started.elapsed().as_secs_f64(),
        deep_cursor: deep,
        deep_position: usize::try_from(seen).unwrap_or(usize::MAX),
        total,
    })
}
