//! The measured requests, by name (`--scenarios`).

use std::sync::Arc;

use anyhow::{Result, bail};

use crate::load::{Scenario, Target};

/// Every scenario in the default run, in order. `noisy` is separate (see
/// `--scenarios`).
pub const ALL: &[&str] = &[
    "get",
    "zoneget",
    "first",
    "deep",
    "status",
    "page100",
    "expanded100",
    "search",
    "common",
    "short",
    "rare",
    "attribute",
    "sort",
    "pagemode",
    "create",
    "patch",
    "scimname",
];

/// A page of 100 users with every expansion.
const EXPANDED_100: &str = "/v1/users?limit=100&expand%5B%5D=role_assignments\
     &expand%5B%5D=grant_count&expand%5B%5D=session_count";

/// What the scenarios are built from.
pub struct Inputs {
    pub ids: Arc<Vec<String>>,
    pub deep_path: String,
    pub deep_position: usize,
    pub search_term: String,
    pub rare_term: String,
    pub run_tag: String,
}

pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The common term with `status=active`: a ranked search under a filter.
pub fn filtered_search_path(term: &str) -> String {
    format!("/v1/users?status=active&search={}&limit=50", encode(term))
}

pub fn search_path(term: &str) -> String {
    format!("/v1/users?search={}&limit=50", encode(term))
}

/// The two-character search: the first two letters of the common term.
fn short_term(term: &str) -> String {
    term.chars().take(2).collect()
}

fn get(name: impl Into<String>, path: impl Into<String>) -> Scenario {
    Scenario { name: name.into(), target: Target::Get(path.into()), expect: 200 }
}

pub fn build(name: &str, inputs: &Inputs) -> Result<Scenario> {
    let (common, rare) = (&inputs.search_term, &inputs.rare_term);
    let short = short_term(common);
    Ok(match name {
        "get" => Scenario {
            name: "GET /v1/users/{id} (random id)".into(),
            target: Target::GetRandomUser {
                prefix: "/v1/users/",
                suffix: "",
                ids: inputs.ids.clone(),
            },
            expect: 200,
        },
        "zoneget" => Scenario {
            name: "GET /v1/zones/default/users/{id}".into(),
            target: Target::GetRandomUser {
                prefix: "/v1/zones/default/users/",
                suffix: "",
                ids: inputs.ids.clone(),
            },
            expect: 200,
        },
        "first" => get("GET /v1/users?limit=50 (first page)", "/v1/users?limit=50"),
        "deep" => get(
            format!("GET ?limit=50&after=<cursor at {}>", inputs.deep_position),
            &inputs.deep_path,
        ),
        "status" => get("GET ?status=suspended&limit=50", "/v1/users?status=suspended&limit=50"),
        "page100" => get("GET /v1/users?limit=100 (plain)", "/v1/users?limit=100"),
        "expanded100" => get("GET ?limit=100&expand[]=all three", EXPANDED_100),
        "search" => get(
            format!("GET ?status=active&search={common}&limit=50"),
            filtered_search_path(common),
        ),
        "common" => get(format!("GET ?search={common}&limit=50 (common)"), search_path(common)),
        "short" => get(format!("GET ?search={short}&limit=50 (2 characters)"), search_path(&short)),
        "rare" => get(format!("GET ?search={rare}&limit=50 (rare)"), search_path(rare)),
        "attribute" => get(
            "GET ?attributes.plan=enterprise&limit=50",
            "/v1/users?attributes.plan=enterprise&limit=50",
        ),
        "sort" => get(
            "GET ?sort=last_name,first_name&limit=50",
            "/v1/users?sort=last_name,first_name&limit=50",
        ),
        "pagemode" => {
            get("GET ?page=200&page_size=50 (deepest page)", "/v1/users?page=200&page_size=50")
        }
        "create" => Scenario {
            name: "POST /v1/users (durable create)".into(),
            target: Target::Create { run: inputs.run_tag.clone() },
            expect: 201,
        },
        // Half the seeded users' identifier is their id, so half the
        // lookups find one user and half find none: both are the index's.
        "scimname" => Scenario {
            name: "GET /scim/v2/Users?filter=userName eq \"{random id}\"".into(),
            target: Target::GetRandomUser {
                prefix: "/scim/v2/Users?filter=userName%20eq%20%22",
                suffix: "%22",
                ids: inputs.ids.clone(),
            },
            expect: 200,
        },
        "patch" => Scenario {
            name: "PATCH /v1/users/{id} (merge patch)".into(),
            target: Target::Patch { ids: inputs.ids.clone() },
            expect: 200,
        },
        other => bail!("unknown scenario {other:?}; choose from {}, noisy", ALL.join(", ")),
    })
}
