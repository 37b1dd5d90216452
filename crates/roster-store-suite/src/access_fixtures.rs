//! Fixtures of the access cases: roles, providers, assignments, sessions
//! and grants, made with the context's ids.

use roster_domain::access::{AssignmentScope, Grant, Provider, Role, RoleAssignment, Session};
use roster_domain::{
    GrantId, ProviderId, RoleAssignmentId, RoleId, SessionId, User, UserFilter, UserId, UserQuery,
    UserStatus,
};
use roster_store::{ExpandRequest, IdWindow};

use crate::ctx::{Ctx, ts};

pub const NOW: i64 = 1_000;

pub fn role(ctx: &Ctx, identifier: &str) -> Role {
    Role {
        id: RoleId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        identifier: identifier.to_owned(),
        name: format!("Role {identifier}"),
        description: None,
        created_at: ts(10),
        updated_at: ts(10),
        // Read back by every case that stores a role, on both backends.
        external_id: Some(format!("grp-{identifier}")),
    }
}

pub fn provider(ctx: &Ctx, identifier: &str) -> Provider {
    Provider {
        id: ProviderId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        identifier: identifier.to_owned(),
        issuer: format!("https://{identifier}.example"),
        user_identifier_claim: None,
        created_at: ts(10),
        updated_at: ts(10),
    }
}

pub fn assignment(
    ctx: &Ctx,
    user: &UserId,
    role: &RoleId,
    scope: Option<(&str, &str)>,
) -> RoleAssignment {
    RoleAssignment {
        id: RoleAssignmentId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        role_id: *role,
        role_identifier: "not trusted".into(),
        scope: scope.map(|(kind, id)| AssignmentScope { kind: kind.into(), id: id.into() }),
        created_at: ts(20),
        created_by: "key_a".into(),
    }
}

/// A session authenticated `at` seconds in, expiring at `expires`.
pub fn session(ctx: &Ctx, user: &UserId, at: i64, expires: Option<i64>) -> Session {
    Session {
        id: SessionId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        provider_id: None,
        created_at: ts(at),
        expires_at: expires.map(ts),
        revoked_at: None,
        created_by: "key_a".into(),
    }
}

pub fn grant(ctx: &Ctx, user: &UserId, expires: Option<i64>) -> Grant {
    Grant {
        id: GrantId::from_ulid(ctx.ids.next(1_700_000_000_000)),
        user_id: *user,
        client_id: "client-1".into(),
        resource: "https://api.example/".into(),
        scopes: vec!["write".into(), "read".into(), "Read".into()],
        created_at: ts(30),
        expires_at: expires.map(ts),
        revoked_at: None,
        created_by: "key_a".into(),
    }
}

/// A first page of ten users matching `filter`, in the default order.
pub fn query(filter: UserFilter) -> UserQuery {
    UserQuery { filter, ..UserQuery::first_page(10) }
}

pub fn first(limit: usize) -> IdWindow {
    IdWindow { after: None, backwards: false, limit }
}

pub fn disable() -> roster_store::UserUpdate {
    Box::new(|u: &mut User| {
        u.status = UserStatus::Disabled;
        u.updated_at = ts(500);
        u.version += 1;
        Ok(true)
    })
}

pub fn linked_user(ctx: &Ctx, idp: &Provider, subject: &str, email: &str) -> User {
    let mut u = ctx.user(email);
    u.issuer = Some(idp.issuer.clone());
    u.subject = Some(subject.to_owned());
    u.provider_id = Some(idp.id.to_string());
    u
}

pub fn sign_in_session(ctx: &Ctx, idp: &Provider, at: i64) -> Session {
    Session {
        // Replaced by the user's.
        user_id: UserId::from_bytes([0; 16]),
        provider_id: Some(idp.id),
        ..session(ctx, &UserId::from_bytes([0; 16]), at, Some(NOW * 10))
    }
}

pub fn all_extras() -> ExpandRequest {
    ExpandRequest { role_assignments: true, grant_count: true, session_count: true }
}
