//! Property tests over real HTTP: cursor walks under concurrent writes, and
//! filter/sort results against the independent model in `model.rs`.
//!
//! Each case runs in a fresh zone of the one test server, so cases (and
//! shrinking steps) never see each other's users.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{Map, Value, json};

use roster_testkit::TestServer;

use crate::model::{self, Query, SortSpec};
use crate::support::*;

static ZONES: AtomicUsize = AtomicUsize::new(0);

const NAMES: &[&str] = &[
    "ann",
    "Ann",
    "ANN",
    "bob",
    "Bob",
    "",
    "zoë",
    "Zoë",
    "émile",
    "Émile",
    "al",
    "Al",
    "_x",
    "b",
    "B",
    "ann-marie",
    "Ann Marie",
];
const LOCALS: &[&str] = &["ann", "Ann", "bob", "BOB", "x", "émile", "Zoë", "_a"];
const DOMAINS: &[&str] = &["example.com", "Example.org", "b.io"];
const IDENTS: &[&str] = &["id", "ID", "Id-a", "id_b", "émile", "z", "Ann"];
const DESCS: &[&str] = &["likes ann", "BOB's friend", "Émile", "", "none of it", "ann"];
const ATTR_KEYS: &[&str] = &["plan", "seats", "beta"];

fn attr_value(key: usize, v: usize) -> Value {
    match ATTR_KEYS[key % ATTR_KEYS.len()] {
        "plan" => [json!("pro"), json!("Pro"), json!("free"), json!("3")][v % 4].clone(),
        "seats" => [json!(3), json!(3.0), json!("3"), json!(4)][v % 4].clone(),
        _ => [json!(true), json!(false)][v % 2].clone(),
    }
}

/// A user to create: indices into the pools above.
#[derive(Debug, Clone)]
struct UserSpec {
    first: usize,
    last: usize,
    name: Option<usize>,
    local: usize,
    domain: usize,
    identifier: Option<usize>,
    description: Option<usize>,
    status: usize,
    user_type: usize,
    attributes: Vec<(usize, usize)>,
}

fn user_spec() -> impl Strategy<Value = UserSpec> {
    (
        (0..NAMES.len(), 0..NAMES.len(), proptest::option::of(0..NAMES.len())),
        (0..LOCALS.len(), 0..DOMAINS.len()),
        proptest::option::of(0..IDENTS.len()),
        proptest::option::of(0..DESCS.len()),
        (0..model::STATUSES.len(), 0..model::USER_TYPES.len()),
        proptest::collection::vec((0..ATTR_KEYS.len(), 0..4usize), 0..3),
    )
        .prop_map(
            |(
                (first, last, name),
                (local, domain),
                identifier,
                description,
                (status, user_type),
                attributes,
            )| UserSpec {
                first,
                last,
                name,
                local,
                domain,
                identifier,
                description,
                status,
                user_type,
                attributes,
            },
        )
}

impl UserSpec {
    /// The create body; `n` makes email and identifier unique.
    fn body(&self, n: usize) -> Value {
        let mut b = json!({
            "email": format!("{}{n}@{}", LOCALS[self.local], DOMAINS[self.domain]),
            "first_name": NAMES[self.first],
            "last_name": NAMES[self.last],
            "status": model::STATUSES[self.status],
            "user_type": model::USER_TYPES[self.user_type],
        });
        if let Some(i) = self.name {
            b["name"] = json!(NAMES[i]);
        }
        if let Some(i) = self.identifier {
            b["identifier"] = json!(format!("{}{n}", IDENTS[i]));
        }
        if let Some(i) = self.description {
            b["description"] = json!(DESCS[i]);
        }
        let mut attrs = Map::new();
        for (k, v) in &self.attributes {
            attrs.insert(ATTR_KEYS[*k].to_owned(), attr_value(*k, *v));
        }
        b["attributes"] = Value::Object(attrs);
        b
    }
}

/// A sort to ask for: indices into `model::SORT_FIELDS`.
#[derive(Debug, Clone)]
enum SortGen {
    Default,
    By(usize, Option<bool>),
    OrderOnly(bool),
    Multi(Vec<(usize, bool)>),
}

fn sort_gen() -> impl Strategy<Value = SortGen> {
    let n = model::SORT_FIELDS.len();
    prop_oneof![
        3 => Just(SortGen::Default),
        3 => (0..n, proptest::option::of(any::<bool>())).prop_map(|(f, d)| SortGen::By(f, d)),
        1 => any::<bool>().prop_map(SortGen::OrderOnly),
        3 => proptest::collection::vec((0..n, any::<bool>()), 1..4).prop_map(SortGen::Multi),
    ]
}

/// A search term: a piece of some user's searchable field, with some ASCII
/// letters' case flipped.
#[derive(Debug, Clone)]
struct TermGen {
    user: usize,
    field: usize,
    /// None: a prefix of the field.
    start: Option<usize>,
    len: usize,
    flips: u32,
}

fn term_gen() -> impl Strategy<Value = TermGen> {
    (
        any::<usize>(),
        0..5usize,
        proptest::option::weighted(0.5, any::<usize>()),
        1..7usize,
        any::<u32>(),
    )
        .prop_map(|(user, field, start, len, flips)| TermGen {
            user,
            field,
            start,
            len,
            flips,
        })
}

impl TermGen {
    fn resolve(&self, users: &[Value]) -> Option<String> {
        if users.is_empty() {
            return None;
        }
        let u = &users[self.user % users.len()];
        let field = ["id", "email", "name", "identifier", "description"][self.field];
        let text: Vec<char> = u[field].as_str().unwrap_or("").chars().collect();
        if text.is_empty() {
            return None;
        }
        let start = self.start.map_or(0, |s| s % text.len());
        let end = (start + self.len).min(text.len());
        let term: String = text[start..end]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if self.flips & (1 << (i % 32)) != 0 {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                } else {
                    *c
                }
            })
            .collect();
        Some(term)
    }
}

/// Filters and sort of a list request, resolved against actual users.
#[derive(Debug, Clone)]
struct QueryGen {
    statuses: Option<Vec<usize>>,
    user_types: Option<Vec<usize>>,
    email: Option<(usize, bool)>,
    identifier: Option<(usize, bool)>,
    ids: Option<Vec<usize>>,
    created: Option<(Option<usize>, Option<usize>)>,
    updated: Option<(Option<usize>, Option<usize>)>,
    attributes: Vec<(usize, usize)>,
    search: Vec<TermGen>,
    sort: SortGen,
    keycard: bool,
    alias_q: bool,
}

fn rare<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::weighted(0.1, s)
}

fn query_gen() -> impl Strategy<Value = QueryGen> {
    (
        (
            rare(proptest::collection::vec(0..model::STATUSES.len(), 1..4)),
            rare(proptest::collection::vec(0..model::USER_TYPES.len(), 1..3)),
            rare((any::<usize>(), any::<bool>())),
            rare((any::<usize>(), any::<bool>())),
            rare(proptest::collection::vec(any::<usize>(), 1..12)),
        ),
        (
            rare((proptest::option::of(any::<usize>()), proptest::option::of(any::<usize>()))),
            rare((proptest::option::of(any::<usize>()), proptest::option::of(any::<usize>()))),
            prop_oneof![
                6 => Just(Vec::new()),
                2 => proptest::collection::vec((0..ATTR_KEYS.len(), 0..4usize), 1..2),
                1 => proptest::collection::vec((0..ATTR_KEYS.len(), 0..4usize), 2..3),
            ],
            prop_oneof![
                4 => Just(Vec::new()),
                4 => proptest::collection::vec(term_gen(), 1..2),
                1 => proptest::collection::vec(term_gen(), 2..3),
            ],
        ),
        (sort_gen(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (statuses, user_types, email, identifier, ids),
                (created, updated, attributes, search),
                (sort, keycard, alias_q),
            )| QueryGen {
                statuses,
                user_types,
                email,
                identifier,
                ids,
                created,
                updated,
                attributes,
                search,
                sort,
                keycard,
                alias_q,
            },
        )
}

fn flip_case(s: &str) -> String {
    s.chars()
        .map(
            |c| {
                if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
            },
        )
        .collect()
}

impl QueryGen {
    /// The model query, against `users` (in creation order).
    fn resolve(&self, users: &[Value]) -> Query {
        let pick = |i: usize| &users[i % users.len().max(1)];
        let text = |u: &Value, f: &str| u[f].as_str().unwrap_or("").to_owned();
        let mut q = Query { keycard: self.keycard, alias_q: self.alias_q, ..Query::default() };
        let uniq = |v: &[usize], pool: &[&str]| {
            let mut out: Vec<String> = Vec::new();
            for i in v {
                let s = pool[*i].to_owned();
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            out
        };
        q.statuses = self.statuses.as_ref().map(|v| uniq(v, model::STATUSES));
        q.user_types = self.user_types.as_ref().map(|v| uniq(v, model::USER_TYPES));
        q.attributes = self
            .attributes
            .iter()
            .map(|(k, v)| (ATTR_KEYS[*k].to_owned(), attr_value(*k, *v)))
            .collect();
        if !users.is_empty() {
            q.email = self.email.map(|(i, flip)| {
                let e = text(pick(i), "email");
                if flip { flip_case(&e) } else { e }
            });
            q.identifier = self.identifier.map(|(i, flip)| {
                let e = text(pick(i), "identifier");
                if flip { flip_case(&e) } else { e }
            });
            q.ids = self.ids.as_ref().map(|v| {
                let mut out: Vec<String> = Vec::new();
                for i in v {
                    let id = text(pick(*i), "id");
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                out
            });
            let bound = |i: &Option<usize>, f: &str| i.map(|i| text(pick(i), f));
            if let Some((from, to)) = &self.created {
                q.created_from = bound(from, "created_at");
                q.created_to = bound(to, "created_at");
            }
            if let Some((from, to)) = &self.updated {
                q.updated_from = bound(from, "updated_at");
                q.updated_to = bound(to, "updated_at");
            }
            q.search = self.search.iter().filter_map(|t| t.resolve(users)).collect();
        }
        let field = |i: usize| model::SORT_FIELDS[i].to_owned();
        q.sort = match &self.sort {
            SortGen::Default => SortSpec::Default,
            SortGen::By(f, d) => SortSpec::SortBy(Some(field(*f)), *d),
            // `sort_order` alone with a search is left out: API.md ranks
            // "when no sort_by is given", which leaves it open.
            SortGen::OrderOnly(d) if q.search.is_empty() => SortSpec::SortBy(None, Some(*d)),
            SortGen::OrderOnly(d) => SortSpec::SortBy(Some("created_at".into()), Some(*d)),
            SortGen::Multi(keys) => {
                let mut seen = HashSet::new();
                SortSpec::Multi(
                    keys.iter()
                        .filter(|(f, _)| seen.insert(*f))
                        .map(|(f, d)| (field(*f), *d))
                        .collect(),
                )
            }
        };
        // Several terms rank by nothing API.md fixes: give them a sort.
        if q.search.len() > 1 && matches!(q.sort, SortSpec::Default) {
            q.sort = SortSpec::SortBy(Some("email".into()), None);
        }
        q
    }
}

/// Runs `f` for each generated case, each on its own zone; on failure
/// reports the (shrunk) case.
fn run_cases<'a, S, F, Fut>(server: &'a TestServer, cases: u32, strategy: S, f: F)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
    F: Fn(&'a TestServer, String, S::Value) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| {
        let zone = format!("prop-{}", ZONES.fetch_add(1, Ordering::SeqCst));
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                create_zone(server, &zone).await;
                f(server, zone.clone(), value).await
            })
        })
        .map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => {
            panic!("property failed: {why}\nminimal case: {value:#?}")
        }
        Err(e) => panic!("property aborted: {e}"),
    }
}

async fn create_users(
    server: &TestServer,
    zone: &str,
    specs: &[UserSpec],
    offset: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        out.push(create_in(server, zone, s.body(offset + i)).await);
    }
    out
}

fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

async fn get_page(server: &TestServer, path: &str) -> Result<Value, String> {
    let r = server.get(path).await;
    if r.status != 200 {
        return Err(format!("GET {path}: {} {}", r.status, r.text()));
    }
    Ok(r.json())
}

/// A scenario for the cursor-walk property: some users, then several
/// walks, each with its own query and its own writes between pages.
#[derive(Debug, Clone)]
struct WalkCase {
    initial: Vec<UserSpec>,
    walks: Vec<WalkSpec>,
}

#[derive(Debug, Clone)]
struct WalkSpec {
    /// Which present users get deleted during the walk (by position).
    deletes: Vec<usize>,
    created: Vec<UserSpec>,
    steps: Vec<usize>,
    query: QueryGen,
    limit: usize,
}

fn walk_spec() -> impl Strategy<Value = WalkSpec> {
    (
        proptest::collection::vec(any::<usize>(), 0..6),
        proptest::collection::vec(user_spec(), 0..6),
        proptest::collection::vec(0..3usize, 1..12),
        query_gen(),
        1..6usize,
    )
        .prop_map(|(deletes, created, steps, query, limit)| WalkSpec {
            deletes,
            created,
            steps,
            query,
            limit,
        })
}

fn walk_case() -> impl Strategy<Value = WalkCase> {
    (proptest::collection::vec(user_spec(), 3..24), proptest::collection::vec(walk_spec(), 3..7))
        .prop_map(|(initial, walks)| WalkCase { initial, walks })
}

/// The mutations still to apply during a walk.
struct Mutations {
    queue: Vec<Mutation>,
    steps: Vec<usize>,
    step: usize,
    next_n: usize,
}

enum Mutation {
    Create(UserSpec),
    Delete(String),
}

impl Mutations {
    async fn between_pages(&mut self, server: &TestServer, zone: &str) -> Result<(), String> {
        let k = self.steps[self.step % self.steps.len()];
        self.step += 1;
        for _ in 0..k {
            let Some(m) = self.queue.pop() else {
                return Ok(());
            };
            match m {
                Mutation::Create(spec) => {
                    let r = server
                        .post(&format!("/v1/zones/{zone}/users"), spec.body(self.next_n))
                        .await;
                    self.next_n += 1;
                    check(r.status == 201, || format!("create during walk: {}", r.text()))?;
                }
                Mutation::Delete(id) => {
                    let r = server.delete(&format!("/v1/zones/{zone}/users/{id}")).await;
                    check(r.status == 204, || format!("delete during walk: {}", r.text()))?;
                }
            }
        }
        Ok(())
    }
}

/// Checks one direction of a walk: no user twice, every user returned
/// matches and comes in order, every stable matching user exactly once.
fn check_walk(
    direction: &str,
    walked: &[Value],
    stable: &HashMap<String, Value>,
    q: &Query,
) -> Result<(), String> {
    let mut seen = HashSet::new();
    for u in walked {
        let id = id_of(u);
        check(seen.insert(id.clone()), || format!("{direction}: {id} returned twice"))?;
        check(q.matches(u), || format!("{direction}: {id} does not match the query: {u}"))?;
    }
    for pair in walked.windows(2) {
        check(q.compare(&pair[0], &pair[1]).is_lt(), || {
            format!("{direction}: out of order: {} then {}", pair[0], pair[1])
        })?;
    }
    for (id, u) in stable {
        if q.matches(u) {
            check(seen.contains(id), || {
                format!("{direction}: stable user {id} was skipped ({u})")
            })?;
        }
    }
    Ok(())
}

async fn one_walk(server: &TestServer, zone: String, case: WalkCase) -> Result<(), String> {
    create_users(server, &zone, &case.initial, 0).await;
    let mut next_n = case.initial.len();
    for walk in &case.walks {
        next_n = walk_once(server, &zone, walk, next_n).await?;
    }
    Ok(())
}

/// One walk forward and back while `walk` deletes and creates users.
/// Returns the next unused user number.
async fn walk_once(
    server: &TestServer,
    zone: &str,
    walk: &WalkSpec,
    next_n: usize,
) -> Result<usize, String> {
    let base = format!("/v1/zones/{zone}/users");
    let users = all(server, &base, "").await;
    let q = walk.query.resolve(&users);
    // Users present for the whole walk must be found; the ones deleted
    // during it need not be.
    let mut doomed: Vec<String> = Vec::new();
    if !users.is_empty() {
        for d in &walk.deletes {
            let id = id_of(&users[d % users.len()]);
            if !doomed.contains(&id) {
                doomed.push(id);
            }
        }
    }
    let stable: HashMap<String, Value> = users
        .iter()
        .filter(|u| !doomed.contains(&id_of(u)))
        .map(|u| (id_of(u), u.clone()))
        .collect();
    // Interleave deletes and creates; `pop` takes from the back.
    let mut queue = Vec::new();
    let mut deletes: Vec<Mutation> = doomed.into_iter().map(Mutation::Delete).collect();
    let mut creates: Vec<Mutation> =
        walk.created.iter().map(|s| Mutation::Create(s.clone())).collect();
    deletes.reverse();
    creates.reverse();
    while !deletes.is_empty() || !creates.is_empty() {
        if let Some(d) = deletes.pop() {
            queue.push(d);
        }
        if let Some(c) = creates.pop() {
            queue.push(c);
        }
    }
    queue.reverse();
    let mut mutations = Mutations { queue, steps: walk.steps.clone(), step: 0, next_n };
    let text = q.to_query_string();
    let sep = if text.is_empty() { "" } else { "&" };
    let limit = walk.limit;

    // Forward.
    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    let mut last_start: Option<(String, Vec<Value>)> = None;
    for _ in 0..500 {
        let path = match &after {
            None => format!("{base}?{text}{sep}limit={limit}"),
            Some(c) => format!("{base}?{text}{sep}limit={limit}&after={}", enc(c)),
        };
        let p = get_page(server, &path).await?;
        let info = &p["page_info"];
        check(info["has_previous_page"] == json!(after.is_some()), || {
            format!("forward has_previous_page must be {}: {p}", after.is_some())
        })?;
        let data = p["data"].as_array().unwrap().clone();
        if let Some(start) = info["start_cursor"].as_str() {
            last_start = Some((start.to_owned(), data.clone()));
        }
        forward.extend(data);
        mutations.between_pages(server, zone).await?;
        if !info["has_next_page"].as_bool().unwrap_or(false) {
            break;
        }
        after = Some(
            info["end_cursor"]
                .as_str()
                .ok_or_else(|| format!("has_next_page without end_cursor: {p}"))?
                .to_owned(),
        );
    }
    check_walk(&format!("forward ({text}, limit {limit})"), &forward, &stable, &q)?;

    // Backward, from the last non-empty page.
    if let Some((mut before, last_page)) = last_start {
        let mut backward = last_page;
        for _ in 0..500 {
            let path = format!("{base}?{text}{sep}limit={limit}&before={}", enc(&before));
            let p = get_page(server, &path).await?;
            let info = &p["page_info"];
            check(info["has_next_page"] == json!(true), || {
                format!("backward has_next_page must be true: {p}")
            })?;
            let mut data = p["data"].as_array().unwrap().clone();
            data.extend(backward);
            backward = data;
            mutations.between_pages(server, zone).await?;
            if !info["has_previous_page"].as_bool().unwrap_or(false) {
                break;
            }
            before = info["start_cursor"]
                .as_str()
                .ok_or_else(|| format!("has_previous_page without start_cursor: {p}"))?
                .to_owned();
        }
        check_walk(&format!("backward ({text}, limit {limit})"), &backward, &stable, &q)?;
    }
    // Apply what is left, so the next walk starts from a settled zone.
    while !mutations.queue.is_empty() {
        mutations.between_pages(server, zone).await?;
        if mutations.steps.iter().all(|k| *k == 0) {
            break;
        }
    }
    Ok(mutations.next_n)
}

pub async fn a_cursor_walk_visits_every_stable_user_once_each_way_during_writes(
    server: &TestServer,
) {
    run_cases(server, 8, walk_case(), one_walk);
}

/// A scenario for the model property.
#[derive(Debug, Clone)]
struct ModelCase {
    users: Vec<UserSpec>,
    patches: Vec<(usize, usize, usize)>,
    queries: Vec<(QueryGen, usize, bool)>,
}

fn model_case() -> impl Strategy<Value = ModelCase> {
    (
        proptest::collection::vec(user_spec(), 1..30),
        proptest::collection::vec((any::<usize>(), 0..model::STATUSES.len(), 0..NAMES.len()), 0..8),
        proptest::collection::vec((query_gen(), 1..9usize, any::<bool>()), 30..50),
    )
        .prop_map(|(users, patches, queries)| ModelCase { users, patches, queries })
}

async fn one_model_case(server: &TestServer, zone: String, case: ModelCase) -> Result<(), String> {
    let created = create_users(server, &zone, &case.users, 0).await;
    let base = format!("/v1/zones/{zone}/users");
    // Some updates, so updated_at disagrees with created_at.
    for (i, status, name) in &case.patches {
        let u = &created[i % created.len()];
        let r = server
            .patch(
                &format!("{base}/{}", id_of(u)),
                json!({"status": model::STATUSES[*status], "first_name": NAMES[*name]}),
            )
            .await;
        check(r.status == 200, || format!("patch: {}", r.text()))?;
    }
    let universe = all(server, &base, "").await;
    check(universe.len() == created.len(), || "users went missing".into())?;
    for (gen_, limit, page_mode) in &case.queries {
        let q = gen_.resolve(&universe);
        let expected = user_ids(&q.apply(&universe));
        let text = q.to_query_string();
        let sep = if text.is_empty() { "" } else { "&" };
        let mut got: Vec<String> = Vec::new();
        if *page_mode {
            for n in 1..=200 {
                let p = get_page(server, &format!("{base}?{text}{sep}page={n}&page_size={limit}"))
                    .await?;
                check(p["total_count"] == json!(expected.len()), || {
                    format!(
                        "{text}: total_count {} but the model has {}",
                        p["total_count"],
                        expected.len()
                    )
                })?;
                got.extend(ids(&p));
                if !p["page_info"]["has_next_page"].as_bool().unwrap_or(false) {
                    break;
                }
            }
        } else {
            let mut after: Option<String> = None;
            for _ in 0..200 {
                let path = match &after {
                    None => format!("{base}?{text}{sep}limit={limit}"),
                    Some(c) => format!("{base}?{text}{sep}limit={limit}&after={}", enc(c)),
                };
                let p = get_page(server, &path).await?;
                check(p["total_count"] == json!(expected.len()), || {
                    format!(
                        "{text}: total_count {} but the model has {}",
                        p["total_count"],
                        expected.len()
                    )
                })?;
                got.extend(ids(&p));
                if !p["page_info"]["has_next_page"].as_bool().unwrap_or(false) {
                    break;
                }
                after = p["page_info"]["end_cursor"].as_str().map(str::to_owned);
            }
        }
        if got != expected {
            let show = |ids: &[String]| -> Vec<String> {
                ids.iter()
                    .take(30)
                    .map(|id| {
                        let u = universe.iter().find(|u| &id_of(u) == id).unwrap();
                        format!(
                            "{id} email={} name={} identifier={} first={} last={} status={} type={} created={} updated={} desc={} attrs={}",
                            u["email"], u["name"], u["identifier"], u["first_name"], u["last_name"],
                            u["status"], u["user_type"], u["created_at"], u["updated_at"],
                            u["description"], u["attributes"]
                        )
                    })
                    .collect()
            };
            return Err(format!(
                "GET {base}?{text} ({} mode, size {limit}) differs from the model \
                 ({} users returned, {} expected; first 30 shown)\n server: {:#?}\n model:  {:#?}",
                if *page_mode { "page" } else { "cursor" },
                got.len(),
                expected.len(),
                show(&got),
                show(&expected)
            ));
        }
    }
    Ok(())
}

pub async fn filters_and_sorts_agree_with_an_independent_model(server: &TestServer) {
    run_cases(server, 8, model_case(), one_model_case);
}
