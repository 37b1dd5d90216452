//! The same seeded stream of access operations (roles, assignments,
//! providers, sessions, grants, sign-ins, expansions) to the store under
//! test and to the other backend: the answers must be the same.

use roster_domain::access::{
    AssignmentScope, Grant, Provider, Role, RoleAssignment, RoleRef, Session,
};
use roster_domain::{
    GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, User, UserFilter, UserId, UserQuery,
    UserStatus, Zone,
};
use roster_store::{ExpandRequest, IdWindow, ZoneScope};

use super::pair::{Pair, same};
use crate::ctx::{Ctx, stamp, stamp_at, ts};
use crate::harness::Peer;
use crate::random::Rng;

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

/// A seeded stream of 1 500 role, assignment, provider, session, grant,
/// user and sign-in operations, each sent to the store under test and the
/// other backend: every answer, refusals included, must be the same, and
/// the stream must do real work.
pub async fn access_operations_answer_as_the_other_backend_does(ctx: Ctx, peer: Option<Peer>) {
    let pair = Pair::new(&ctx, peer.as_ref());
    let zone2 = Zone {
        id: ctx.zone_id(),
        organization_id: ctx.org.id,
        identifier: "two".into(),
        name: "Two".into(),
        created_at: ts(5),
        updated_at: ts(5),
    };
    same!(pair, "zone", |s| s.create_zone(&zone2, &stamp())).unwrap();
    let scopes = [ctx.scope(), ZoneScope { org: ctx.org.id, zone: zone2.id }];

    let mut rng = Rng::new(31337);
    let mut users: Vec<UserId> = Vec::new();
    for i in 0..12 {
        let scope = scopes[usize::from(i >= 10)];
        let u = ctx.user_in(&scope, &format!("user{i}@example.com"));
        same!(pair, "create user", |s| s.create_user(&scope, &u, None, &stamp())).unwrap();
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
                    external_id: None,
                };
                if same!(pair, &what, |s| s.create_role(&scope, &r, &stamp())).is_ok() {
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
                    external_id: None,
                };
                same!(pair, &what, |s| s.update_role(&scope, &r, &stamp())).ok();
            }
            2 if rng.chance(30) => {
                let id = *rng.pick(&roles);
                same!(pair, &what, |s| s.delete_role(&scope, &id, &stamp())).ok();
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
                if same!(pair, &what, |s| s.create_role_assignment(&scope, &a, &stamp())).is_ok() {
                    assignments.push((a.user_id, a.id));
                }
            }
            6 if !assignments.is_empty() => {
                let (mut user, id) = *rng.pick(&assignments);
                if rng.chance(20) {
                    user = *rng.pick(&users);
                }
                same!(pair, &what, |s| s.delete_role_assignment(&scope, &user, &id, &stamp())).ok();
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
                if same!(pair, &what, |s| s.create_provider(&scope, &p, &stamp())).is_ok() {
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
                same!(pair, &what, |s| s.update_provider(&scope, &p, &stamp())).ok();
            }
            10 if rng.chance(25) => {
                let id = *rng.pick(&providers);
                same!(pair, &what, |s| s.delete_provider(&scope, &id, &stamp())).ok();
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
                if same!(pair, &what, |s| s.create_session(&scope, &session, &stamp())).is_ok() {
                    sessions.push((session.user_id, session.id));
                }
            }
            14 if !sessions.is_empty() => {
                let (user, id) = *rng.pick(&sessions);
                let at = ts(clock);
                same!(pair, &what, |s| s.revoke_session(&scope, &user, &id, &stamp_at(at))).ok();
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
                if same!(pair, &what, |s| s.create_grant(&scope, &g, &stamp())).is_ok() {
                    grants.push((g.user_id, g.id));
                }
            }
            16 if !grants.is_empty() => {
                let (user, id) = *rng.pick(&grants);
                let at = ts(clock);
                same!(pair, &what, |s| s.revoke_grant(&scope, &user, &id, &stamp_at(at))).ok();
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
                let status =
                    *rng.pick(&[UserStatus::Active, UserStatus::Disabled, UserStatus::Suspended]);
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
                same!(pair, &what, |s| s.update_user(&scope, &user, update(), &stamp())).ok();
            }
            19 if rng.chance(20) => {
                let user = *rng.pick(&users);
                same!(pair, &what, |s| s.delete_user(&scope, &user, None, &stamp())).ok();
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
                    &session,
                    &stamp()
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
                    ..UserQuery::first_page(1 + rng.below(5))
                };
                same!(pair, &what, |s| async { s.list_users(&scope, &q).await.map(flat) }).unwrap();
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
        let all = UserQuery::first_page(1000);
        let (users, _, _) =
            same!(pair, "final users", |s| async { s.list_users(scope, &all).await.map(flat) })
                .unwrap();
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        let every =
            ExpandRequest { role_assignments: true, grant_count: true, session_count: true };
        same!(pair, "final expansions", |s| s.expand_users(scope, &ids, every, ts(clock))).unwrap();
    }

    // A user linked with the provider id spelled in lower case (ids parse
    // in either case, and the link is stored as given) is unlinked when
    // the provider goes (API.md).
    let scope = scopes[0];
    let p = Provider {
        id: ProviderId::from_ulid(ctx.ids.next(1)),
        identifier: "lower".into(),
        issuer: "https://lower.example".into(),
        user_identifier_claim: None,
        created_at: ts(1),
        updated_at: ts(1),
    };
    same!(pair, "lower provider", |s| s.create_provider(&scope, &p, &stamp())).unwrap();
    let mut u = ctx.user_in(&scope, "lower@example.com");
    u.provider_id = Some(p.id.to_string().to_ascii_lowercase());
    same!(pair, "lower link", |s| s.create_user(&scope, &u, None, &stamp())).unwrap();
    same!(pair, "lower delete", |s| s.delete_provider(&scope, &p.id, &stamp())).unwrap();
    // Each against the promise first, so a failure names the backend that
    // broke it.
    let unlinked = User { provider_id: None, version: u.version + 1, ..u.clone() };
    for (backend, store) in pair.stores() {
        let got = store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(got, unlinked, "{backend}: a lower-case link outlived its provider");
    }

    // Deleting a zone that holds roles and providers but no users takes
    // them along (API.md).
    let zone3 = Zone { id: ctx.zone_id(), identifier: "three".into(), ..zone2.clone() };
    same!(pair, "zone3", |s| s.create_zone(&zone3, &stamp())).unwrap();
    let scope3 = ZoneScope { org: ctx.org.id, zone: zone3.id };
    let r = Role {
        id: RoleId::from_ulid(ctx.ids.next(1)),
        identifier: "r".into(),
        name: "r".into(),
        description: None,
        created_at: ts(1),
        updated_at: ts(1),
        external_id: None,
    };
    same!(pair, "zone3 role", |s| s.create_role(&scope3, &r, &stamp())).unwrap();
    let p3 = Provider { id: ProviderId::from_ulid(ctx.ids.next(1)), ..p.clone() };
    same!(pair, "zone3 provider", |s| s.create_provider(&scope3, &p3, &stamp())).unwrap();
    for (backend, store) in pair.stores() {
        let deleted = store.delete_zone(&ctx.org.id, &zone3.id, &stamp()).await;
        assert_eq!(deleted, Ok(()), "{backend}: a zone without users but with roles");
    }
}
