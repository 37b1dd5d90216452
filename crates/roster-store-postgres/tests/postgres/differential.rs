//! The same users in PostgreSQL and SQLite, the same queries to both: the
//! answers must be the same, and both must be the domain's.

use roster_domain::access::{
    AssignmentScope, Grant, Provider, Role, RoleAssignment, RoleRef, Session,
};
use roster_domain::{
    AttributeFilter, Direction, GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, Sort,
    SortField, SortKey, User, UserFilter, UserId, UserQuery, UserStatus, UserType, Window, Zone,
};
use roster_store::{ExpandRequest, IdWindow, Store, StoreError, ZoneScope};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};
use serde_json::json;

use crate::support::{Rng, expected, ids_of, random_users, ts, with_store};

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

#[tokio::test]
async fn postgres_answers_every_query_as_sqlite_and_the_domain_do() {
    with_store(|ctx| async move {
        let sqlite = SqliteStore::open(&Location::Memory, &SqliteOptions::default()).unwrap();
        assert!(sqlite.bootstrap(&ctx.org, &ctx.zone, &ctx.key, &ctx.key_hash).await.unwrap());
        let mut rng = Rng::new(2024);
        let users = random_users(&ctx, &ctx.scope(), &mut rng, 80);
        for u in &users {
            ctx.store.create_user(&ctx.scope(), u, None).await.unwrap();
            sqlite.create_user(&ctx.scope(), u, None).await.unwrap();
        }
        let scope = ctx.scope();
        let mut sqlite_disagreements = Vec::new();
        for round in 0..250 {
            let base = random_query(&mut rng, &users);
            let want = expected(&users, &base);
            let limit = base.window.limit();
            // A first page, a page after a random matching user, a page
            // before one, and an offset page.
            let mut windows = vec![base.window.clone()];
            if !want.is_empty() {
                let pivot = rng.pick(&want).clone();
                windows.push(Window::After { position: Some(base.position_of(&pivot)), limit });
                windows.push(Window::Before { position: base.position_of(&pivot), limit });
            }
            windows.push(Window::Offset { offset: rng.below(want.len() + 2) as u64, limit });
            for window in windows {
                let q = UserQuery { window: window.clone(), ..base.clone() };
                let pg = ctx.store.list_users(&scope, &q).await.unwrap();
                let lite = sqlite.list_users(&scope, &q).await.unwrap();
                // The domain's page for this window.
                let (want_page, more) = domain_page(&want, &q);
                assert_eq!(ids_of(&pg.users), ids_of(&want_page), "round {round}: {q:?}");
                assert_eq!(pg.has_more, more, "round {round}: has_more {q:?}");
                assert_eq!(pg.total, want.len() as u64, "round {round}: total {q:?}");
                assert_eq!(pg.users, want_page, "round {round}: rows {q:?}");
                let differs = ids_of(&lite.users) != ids_of(&pg.users)
                    || lite.has_more != pg.has_more
                    || lite.total != pg.total;
                if let (true, Some(why)) = (differs, known_sqlite_defect(&q)) {
                    eprintln!("KNOWN SQLITE DEVIATION ({why}), round {round}");
                } else if differs {
                    sqlite_disagreements.push(format!(
                        "round {round}: {q:?}\n  sqlite {:?} more={} total={}\n  postgres/domain {:?} more={} total={}",
                        ids_of(&lite.users), lite.has_more, lite.total,
                        ids_of(&pg.users), pg.has_more, pg.total
                    ));
                }
            }
        }
        // Where SQLite departs from the domain, PostgreSQL follows the
        // domain; say so loudly rather than hide it.
        for d in &sqlite_disagreements {
            eprintln!("SQLITE DIFFERS FROM THE DOMAIN: {d}");
        }
        assert!(sqlite_disagreements.is_empty(), "{} disagreements", sqlite_disagreements.len());

        // Errors agree too, down to which rule is named when a write
        // breaks several at once.
        let linked = users.iter().find(|u| u.subject.is_some()).unwrap();
        let clashes: Vec<(bool, bool, bool)> = vec![
            (true, false, false),
            (false, true, false),
            (false, false, true),
            (true, true, false),
            (true, false, true),
            (false, true, true),
            (true, true, true),
        ];
        for (email, identifier, subject) in clashes {
            let mut dup = ctx.user("fresh@example.com");
            if email {
                dup.email = users[0].email.to_ascii_uppercase();
            }
            if identifier {
                dup.identifier = users[1].identifier.to_ascii_lowercase();
            }
            if subject {
                dup.issuer = linked.issuer.clone();
                dup.subject = linked.subject.clone();
            }
            let (a, b) = (
                ctx.store.create_user(&scope, &dup, None).await,
                sqlite.create_user(&scope, &dup, None).await,
            );
            assert_eq!(a, sqlite_fixed(b), "create clash {email} {identifier} {subject}");
            assert!(matches!(a, Err(StoreError::Conflict { .. })));
            // The same clash from a user whose id is taken too.
            let mut twin = dup.clone();
            twin.id = users[4].id;
            let (a, b) = (
                ctx.store.create_user(&scope, &twin, None).await,
                sqlite.create_user(&scope, &twin, None).await,
            );
            assert_eq!(a, sqlite_fixed(b), "id clash {email} {identifier} {subject}");
            let target = users[3].id;
            let (a, b) = (
                ctx.store.update_user(&scope, &target, clash_update(&dup)).await,
                sqlite.update_user(&scope, &target, clash_update(&dup)).await,
            );
            assert_eq!(a, sqlite_fixed(b), "update clash {email} {identifier} {subject}");
        }
        let mut linked_user = ctx.user("linked@example.com");
        linked_user.provider_id = Some("idp_x".into());
        assert_eq!(
            ctx.store.create_user(&scope, &linked_user, None).await,
            sqlite.create_user(&scope, &linked_user, None).await,
        );
        sqlite.close();
    })
    .await;
}

/// SQLite names the columns, not the index, when the partial unique index
/// on (zone, issuer, subject) is broken, so its backend answers `Internal`
/// where the contract says `Conflict { field: "subject" }`. PostgreSQL
/// answers the contract.
fn sqlite_fixed<T>(r: Result<T, StoreError>) -> Result<T, StoreError> {
    match r {
        Err(StoreError::Internal(msg)) if msg.contains("users.issuer, users.subject") => {
            eprintln!("KNOWN SQLITE DEVIATION (subject clash is Internal: {msg})");
            Err(StoreError::Conflict { field: "subject" })
        }
        other => other,
    }
}

fn clash_update(from: &User) -> roster_store::UserUpdate {
    let from = from.clone();
    Box::new(move |u: &mut User| {
        if from.email != "fresh@example.com" {
            u.email = from.email;
        }
        if from.identifier != from.id.to_string() {
            u.identifier = from.identifier;
        }
        u.issuer = from.issuer;
        u.subject = from.subject;
        Ok(true)
    })
}

/// Queries where the SQLite backend is known to depart from the domain
/// (and PostgreSQL does not); reported, not failed on.
fn known_sqlite_defect(q: &UserQuery) -> Option<&'static str> {
    let statuses = &q.filter.statuses;
    let duplicated = statuses.iter().enumerate().any(|(i, s)| statuses[..i].contains(s));
    if duplicated && q.search.is_empty() && q.filter.only_statuses() {
        return Some("a repeated status is counted twice in total_count");
    }
    if q.ranked && q.search.first().is_some_and(|t| !t.is_ascii()) {
        return Some("prefix rank of a non-ASCII term compares bytes as characters");
    }
    None
}

/// The slice of `want` (already in order) a window selects, and whether
/// more lie beyond it in the direction of travel.
pub fn domain_page(want: &[User], q: &UserQuery) -> (Vec<User>, bool) {
    match &q.window {
        Window::After { position, limit } => {
            let start = match position {
                None => 0,
                Some(p) => want
                    .iter()
                    .position(|u| q.compare_positions(&q.position_of(u), p).is_gt())
                    .unwrap_or(want.len()),
            };
            let end = (start + limit).min(want.len());
            (want[start..end].to_vec(), end < want.len())
        }
        Window::Before { position, limit } => {
            let end = want
                .iter()
                .position(|u| !q.compare_positions(&q.position_of(u), position).is_lt())
                .unwrap_or(want.len());
            let start = end.saturating_sub(*limit);
            (want[start..end].to_vec(), start > 0)
        }
        Window::Offset { offset, limit } => {
            let start = (*offset as usize).min(want.len());
            let end = (start + limit).min(want.len());
            (want[start..end].to_vec(), end < want.len())
        }
    }
}

// ---------------------------------------------------------------------------
// Roles, assignments, sessions, grants, providers, sign-in, expansions.

/// Both stores, one operation at a time.
struct Pair<'a> {
    pg: &'a dyn Store,
    lite: &'a dyn Store,
}

/// Runs `op` on both stores and requires the same answer.
macro_rules! same {
    ($pair:expr, $what:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s = $pair.pg;
            $call.await
        };
        let b = {
            let $s = $pair.lite;
            $call.await
        };
        assert_eq!(a, b, "{}", $what);
        a
    }};
}

/// A page of users as something comparable.
fn flat(p: roster_domain::UserPage) -> (Vec<User>, bool, u64) {
    (p.users, p.has_more, p.total)
}

/// A random window over `ids` (ids known to the test, some gone).
fn random_window(rng: &mut Rng, ids: &[[u8; 16]]) -> IdWindow {
    IdWindow {
        after: (rng.chance(50) && !ids.is_empty()).then(|| *rng.pick(ids)),
        backwards: rng.chance(30),
        limit: 1 + rng.below(4),
    }
}

#[tokio::test]
async fn access_operations_answer_as_sqlite_does() {
    with_store(|ctx| async move {
        let sqlite = SqliteStore::open(&Location::Memory, &SqliteOptions::default()).unwrap();
        assert!(sqlite.bootstrap(&ctx.org, &ctx.zone, &ctx.key, &ctx.key_hash).await.unwrap());
        let pair = Pair { pg: &*ctx.store, lite: &sqlite };
        let zone2 = Zone {
            id: ctx.zone_id(),
            organization_id: ctx.org.id,
            identifier: "two".into(),
            name: "Two".into(),
            created_at: ts(5),
            updated_at: ts(5),
        };
        same!(pair, "zone", |s| s.create_zone(&zone2)).unwrap();
        let scopes = [ctx.scope(), ZoneScope { org: ctx.org.id, zone: zone2.id }];

        let mut rng = Rng::new(31337);
        let mut users: Vec<UserId> = Vec::new();
        for i in 0..12 {
            let scope = scopes[usize::from(i >= 10)];
            let u = ctx.user_in(&scope, &format!("user{i}@example.com"));
            same!(pair, "create user", |s| s.create_user(&scope, &u, None)).unwrap();
            users.push(u.id);
        }
        users.push(ctx.user_id()); // never created
        let mut roles: Vec<RoleId> = vec![RoleId::from_ulid(ctx.ids.next(1))];
        let mut providers: Vec<ProviderId> = vec![ProviderId::from_ulid(ctx.ids.next(1))];
        let mut assignments: Vec<(UserId, RoleAssignmentId)> = Vec::new();
        let mut sessions: Vec<(UserId, SessionId)> = Vec::new();
        let mut grants: Vec<(UserId, GrantId)> = Vec::new();
        let idents = ["admin", "Admin", "viewer", "ops", "é"];
        let subjects = ["sub-0", "sub-1", "sub-2", "SUB-0", "sub-4"];
        let mut clock = 100i64;

        for step in 0..1500 {
            clock += 1;
            let scope = if rng.chance(85) { scopes[0] } else { scopes[1] };
            let what = format!("step {step}");
            match rng.below(22) {
                0 => {
                    let r = Role {
                        id: RoleId::from_ulid(ctx.ids.next(1)),
                        identifier: rng.pick(&idents).to_string(),
                        name: "n".into(),
                        description: rng.chance(50).then(|| "d".to_owned()),
                        created_at: ts(clock),
                        updated_at: ts(clock),
                    };
                    if same!(pair, &what, |s| s.create_role(&scope, &r)).is_ok() {
                        roles.push(r.id);
                    }
                }
                1 => {
                    let r = Role {
                        id: *rng.pick(&roles),
                        identifier: rng.pick(&idents).to_string(),
                        name: format!("renamed {step}"),
                        description: None,
                        created_at: ts(1),
                        updated_at: ts(clock),
                    };
                    same!(pair, &what, |s| s.update_role(&scope, &r)).ok();
                }
                2 if rng.chance(30) => {
                    let id = *rng.pick(&roles);
                    same!(pair, &what, |s| s.delete_role(&scope, &id)).ok();
                }
                3 => {
                    let by = if rng.chance(50) {
                        RoleRef::Id(*rng.pick(&roles))
                    } else {
                        RoleRef::Identifier(rng.pick(&idents).to_string())
                    };
                    same!(pair, &what, |s| s.get_role(&scope, &by)).ok();
                    let ids: Vec<[u8; 16]> = roles.iter().map(|r| r.to_bytes()).collect();
                    let w = random_window(&mut rng, &ids);
                    same!(pair, &what, |s| s.list_roles(&scope, &w)).unwrap();
                }
                4 | 5 => {
                    let a = RoleAssignment {
                        id: RoleAssignmentId::from_ulid(ctx.ids.next(1)),
                        user_id: *rng.pick(&users),
                        role_id: *rng.pick(&roles),
                        role_identifier: "ignored".into(),
                        scope: rng.chance(40).then(|| AssignmentScope {
                            kind: "team".into(),
                            id: rng.pick(&["a", "A", "b"]).to_string(),
                        }),
                        created_at: ts(clock),
                        created_by: "key_a".into(),
                    };
                    if same!(pair, &what, |s| s.create_role_assignment(&scope, &a)).is_ok() {
                        assignments.push((a.user_id, a.id));
                    }
                }
                6 if !assignments.is_empty() => {
                    let (mut user, id) = *rng.pick(&assignments);
                    if rng.chance(20) {
                        user = *rng.pick(&users);
                    }
                    same!(pair, &what, |s| s.delete_role_assignment(&scope, &user, &id)).ok();
                }
                7 => {
                    let user = *rng.pick(&users);
                    let ids: Vec<[u8; 16]> = assignments.iter().map(|a| a.1.to_bytes()).collect();
                    let w = random_window(&mut rng, &ids);
                    same!(pair, &what, |s| s.list_role_assignments(&scope, &user, &w)).ok();
                }
                8 => {
                    let p = Provider {
                        id: ProviderId::from_ulid(ctx.ids.next(1)),
                        identifier: rng.pick(&idents).to_string(),
                        issuer: format!("https://{}.example", rng.below(3)),
                        user_identifier_claim: rng.chance(50).then(|| "email".to_owned()),
                        created_at: ts(clock),
                        updated_at: ts(clock),
                    };
                    if same!(pair, &what, |s| s.create_provider(&scope, &p)).is_ok() {
                        providers.push(p.id);
                    }
                }
                9 => {
                    let p = Provider {
                        id: *rng.pick(&providers),
                        identifier: rng.pick(&idents).to_string(),
                        issuer: "https://moved.example".into(),
                        user_identifier_claim: None,
                        created_at: ts(1),
                        updated_at: ts(clock),
                    };
                    same!(pair, &what, |s| s.update_provider(&scope, &p)).ok();
                }
                10 if rng.chance(25) => {
                    let id = *rng.pick(&providers);
                    same!(pair, &what, |s| s.delete_provider(&scope, &id)).ok();
                }
                11 => {
                    let key = if rng.chance(50) {
                        rng.pick(&providers).to_string()
                    } else {
                        rng.pick(&idents).to_string()
                    };
                    same!(pair, &what, |s| s.get_provider(&scope, &key)).ok();
                    let ids: Vec<[u8; 16]> = providers.iter().map(|p| p.to_bytes()).collect();
                    let w = random_window(&mut rng, &ids);
                    same!(pair, &what, |s| s.list_providers(&scope, &w)).unwrap();
                }
                12 | 13 => {
                    let session = Session {
                        id: SessionId::from_ulid(ctx.ids.next(1)),
                        user_id: *rng.pick(&users),
                        provider_id: rng.chance(40).then(|| *rng.pick(&providers)),
                        created_at: ts(clock - rng.below(50) as i64),
                        expires_at: rng.chance(50).then(|| ts(clock + rng.below(300) as i64)),
                        revoked_at: None,
                        created_by: "key_a".into(),
                    };
                    if same!(pair, &what, |s| s.create_session(&scope, &session)).is_ok() {
                        sessions.push((session.user_id, session.id));
                    }
                }
                14 if !sessions.is_empty() => {
                    let (user, id) = *rng.pick(&sessions);
                    let at = ts(clock);
                    same!(pair, &what, |s| s.revoke_session(&scope, &user, &id, at)).ok();
                }
                15 => {
                    let g = Grant {
                        id: GrantId::from_ulid(ctx.ids.next(1)),
                        user_id: *rng.pick(&users),
                        client_id: "c".into(),
                        resource: "r".into(),
                        scopes: (0..rng.below(3)).map(|k| format!("s{k}")).collect(),
                        created_at: ts(clock),
                        expires_at: rng.chance(50).then(|| ts(clock + rng.below(300) as i64)),
                        revoked_at: None,
                        created_by: "key_a".into(),
                    };
                    if same!(pair, &what, |s| s.create_grant(&scope, &g)).is_ok() {
                        grants.push((g.user_id, g.id));
                    }
                }
                16 if !grants.is_empty() => {
                    let (user, id) = *rng.pick(&grants);
                    let at = ts(clock);
                    same!(pair, &what, |s| s.revoke_grant(&scope, &user, &id, at)).ok();
                }
                17 => {
                    let user = *rng.pick(&users);
                    let ids: Vec<[u8; 16]> = sessions.iter().map(|x| x.1.to_bytes()).collect();
                    let w = random_window(&mut rng, &ids);
                    same!(pair, &what, |s| s.list_sessions(&scope, &user, &w)).ok();
                    let ids: Vec<[u8; 16]> = grants.iter().map(|x| x.1.to_bytes()).collect();
                    let w = random_window(&mut rng, &ids);
                    same!(pair, &what, |s| s.list_grants(&scope, &user, &w)).ok();
                }
                18 => {
                    // Status changes (disabling revokes) and provider links.
                    let user = *rng.pick(&users);
                    let status = *rng.pick(&[
                        UserStatus::Active,
                        UserStatus::Disabled,
                        UserStatus::Suspended,
                    ]);
                    // Canonical ids only: see the lower-case case below.
                    let link = match rng.below(3) {
                        0 => Some(None),
                        1 => Some(Some(rng.pick(&providers).to_string())),
                        _ => None,
                    };
                    let at = ts(clock);
                    let update = move || -> roster_store::UserUpdate {
                        let link = link.clone();
                        Box::new(move |u: &mut User| {
                            u.status = status;
                            if let Some(p) = link {
                                u.provider_id = p;
                            }
                            u.updated_at = at;
                            u.version += 1;
                            Ok(true)
                        })
                    };
                    same!(pair, &what, |s| s.update_user(&scope, &user, update())).ok();
                }
                19 if rng.chance(20) => {
                    let user = *rng.pick(&users);
                    same!(pair, &what, |s| s.delete_user(&scope, &user, None)).ok();
                }
                20 => {
                    let subject = rng.pick(&subjects).to_string();
                    let issuer = format!("https://{}.example", rng.below(3));
                    let provider = *rng.pick(&providers);
                    let new_user = rng.chance(80).then(|| {
                        let mut u = ctx.user_in(&scope, &format!("s{}@example.com", rng.below(6)));
                        u.issuer = Some(issuer.clone());
                        u.subject = Some(subject.clone());
                        u.provider_id = Some(provider.to_string());
                        u
                    });
                    let session = Session {
                        id: SessionId::from_ulid(ctx.ids.next(1)),
                        user_id: UserId::from_bytes([0; 16]),
                        provider_id: Some(provider),
                        created_at: ts(clock),
                        expires_at: None,
                        revoked_at: None,
                        created_by: "key_a".into(),
                    };
                    let r = same!(pair, &what, |s| s.sign_in(
                        &scope,
                        &issuer,
                        &subject,
                        new_user.as_ref(),
                        &session
                    ));
                    if let Ok(signed) = r {
                        if signed.created {
                            users.push(signed.user.id);
                        }
                        sessions.push((signed.user.id, signed.session.id));
                    }
                }
                _ => {
                    let page: Vec<UserId> = (0..rng.below(8)).map(|_| *rng.pick(&users)).collect();
                    let what_kinds = ExpandRequest {
                        role_assignments: rng.chance(60),
                        grant_count: rng.chance(60),
                        session_count: rng.chance(60),
                    };
                    let now = ts(clock + rng.below(200) as i64);
                    same!(pair, &what, |s| s.expand_users(&scope, &page, what_kinds, now)).unwrap();
                    let role = *rng.pick(&roles);
                    let q = UserQuery {
                        filter: UserFilter { role: Some(role), ..UserFilter::default() },
                        search: Vec::new(),
                        sort: Sort::default(),
                        ranked: false,
                        window: Window::After { position: None, limit: 1 + rng.below(5) },
                    };
                    same!(pair, &what, |s| async { s.list_users(&scope, &q).await.map(flat) })
                        .unwrap();
                }
            }
        }
        eprintln!(
            "access differential: {} users, {} roles, {} providers, {} assignments, \
             {} sessions, {} grants",
            users.len(),
            roles.len(),
            providers.len(),
            assignments.len(),
            sessions.len(),
            grants.len()
        );
        // The stream did real work, not only refusals.
        assert!(users.len() > 15 && roles.len() > 3 && providers.len() > 3);
        assert!(assignments.len() > 15 && sessions.len() > 30 && grants.len() > 15);
        // Every user ends the same in both, versions and links included.
        for scope in &scopes {
            let all = UserQuery {
                filter: UserFilter::default(),
                search: Vec::new(),
                sort: Sort::default(),
                ranked: false,
                window: Window::After { position: None, limit: 1000 },
            };
            let (users, _, _) =
                same!(pair, "final users", |s| async { s.list_users(scope, &all).await.map(flat) })
                    .unwrap();
            let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
            let every =
                ExpandRequest { role_assignments: true, grant_count: true, session_count: true };
            same!(pair, "final expansions", |s| s.expand_users(scope, &ids, every, ts(clock)))
                .unwrap();
        }

        // A user linked with the provider id spelled in lower case (ids parse
        // in either case, and the link is stored as given) is unlinked when
        // the provider goes (API.md). The SQLite backend compares the text
        // with the canonical spelling and leaves the link dangling.
        let scope = scopes[0];
        let p = Provider {
            id: ProviderId::from_ulid(ctx.ids.next(1)),
            identifier: "lower".into(),
            issuer: "https://lower.example".into(),
            user_identifier_claim: None,
            created_at: ts(1),
            updated_at: ts(1),
        };
        same!(pair, "lower provider", |s| s.create_provider(&scope, &p)).unwrap();
        let mut u = ctx.user_in(&scope, "lower@example.com");
        u.provider_id = Some(p.id.to_string().to_ascii_lowercase());
        same!(pair, "lower link", |s| s.create_user(&scope, &u, None)).unwrap();
        same!(pair, "lower delete", |s| s.delete_provider(&scope, &p.id)).unwrap();
        let pg = ctx.store.get_user(&scope, &u.id).await.unwrap();
        let lite = sqlite.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(pg, User { provider_id: None, version: u.version + 1, ..u.clone() });
        if lite != pg {
            eprintln!(
                "KNOWN SQLITE DEVIATION (a lower-case provider link survives its provider): {:?}",
                lite.provider_id
            );
        }

        // Deleting a zone that holds roles and providers but no users takes
        // them along (API.md). The SQLite backend does not delete them and
        // trips its foreign keys; reported, not failed on.
        let zone3 = Zone { id: ctx.zone_id(), identifier: "three".into(), ..zone2.clone() };
        same!(pair, "zone3", |s| s.create_zone(&zone3)).unwrap();
        let scope3 = ZoneScope { org: ctx.org.id, zone: zone3.id };
        let r = Role {
            id: RoleId::from_ulid(ctx.ids.next(1)),
            identifier: "r".into(),
            name: "r".into(),
            description: None,
            created_at: ts(1),
            updated_at: ts(1),
        };
        same!(pair, "zone3 role", |s| s.create_role(&scope3, &r)).unwrap();
        let pg = ctx.store.delete_zone(&ctx.org.id, &zone3.id).await;
        let lite = sqlite.delete_zone(&ctx.org.id, &zone3.id).await;
        assert_eq!(pg, Ok(()));
        if lite != pg {
            eprintln!("KNOWN SQLITE DEVIATION (delete_zone keeps roles/providers): {lite:?}");
        }
        sqlite.close();
    })
    .await;
}
