//! User use cases: get, list, create, update, delete.

use roster_domain::events::EventStamp;
use std::collections::HashMap;

use roster_domain::access::Expansion;
use roster_domain::text::fold;
use roster_domain::{
    DomainError, Scope, Sort, User, UserFields, UserFilter, UserId, UserQuery, Window,
};
use roster_store::{IdempotencyRecord, UserUpdate, ZoneScope};

use crate::error::{CursorParam, ServiceError, ServiceResult};
use crate::{Principal, Service};

/// Longest search term accepted; longer ones cannot match a field anyway
/// (description, the longest, holds 4096 characters) and cost more to scan.
pub const MAX_SEARCH_TERM: usize = 256;

/// Which optional parts a user representation carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expand {
    pub role_assignments: bool,
    pub grant_count: bool,
    pub session_count: bool,
}

impl Expand {
    pub fn any(&self) -> bool {
        self.role_assignments || self.grant_count || self.session_count
    }
}

/// A parsed `GET /users` query, in domain terms: the edge names the
/// parameters in its errors.
#[derive(Debug, Clone, Default)]
pub struct ListUsersRequest {
    pub filter: UserFilter,
    /// Whether a filter needs `users:metadata` (`id`, `created_by`,
    /// `updated_by`).
    pub metadata_filter: bool,
    pub search: Vec<String>,
    /// `None`: the default order (or rank order when searching).
    pub sort: Option<Sort>,
    pub after: Option<String>,
    pub before: Option<String>,
    /// Page mode when set (1-based).
    pub page: Option<u64>,
    pub limit: usize,
    pub expand: Expand,
    /// The `role` filter: a role id or identifier.
    pub role: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserListPage {
    pub users: Vec<User>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
    pub total_count: u64,
    /// False when `total_count` is a lower bound.
    pub total_count_exact: bool,
    /// Page mode: (page, page_size).
    pub page: Option<(u64, usize)>,
    /// The extras `expand[]` asked for, per user.
    pub expansions: Option<HashMap<UserId, Expansion>>,
}

/// Parses an `If-Match` header: `None` when any version will do (`*`),
/// else the version it names for this user (or an impossible one).
/// The read-modify-write of a patch: refused when the user is not at the
/// expected version; `false` (nothing written) when it changes nothing.
pub(crate) fn user_update(
    expected: Option<i64>,
    patch: UserFields,
    now: roster_domain::Timestamp,
    actor: String,
) -> UserUpdate {
    Box::new(move |user: &mut User| {
        if expected.is_some_and(|v| v != user.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let changes = user.patch(patch)?;
        if changes.is_empty() {
            return Ok(false);
        }
        user.touch(now, &actor);
        Ok(true)
    })
}

pub(crate) fn expected_version(if_match: &str, user: &UserId) -> Option<i64> {
    if if_match.trim() == "*" {
        return None;
    }
    let prefix = format!("{}-", user.ulid());
    let version = if_match
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.starts_with("W/"))
        .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"'))
        .filter_map(|tag| {
            let rest = tag.strip_prefix(prefix.as_str())?;
            // An expanded representation's tag is `<ULID>-<version>-x<digest>`.
            rest.split('-').next()?.parse::<i64>().ok()
        })
        .next();
    Some(version.unwrap_or(-1))
}

/// `If-Match` against the current ETag, tag for tag as the client echoes
/// it (SCIM's `meta.version`, weak or strong); `*` matches any.
pub fn if_match_holds(if_match: &str, etag: &str) -> bool {
    if_match.trim() == "*" || if_match.split(',').any(|t| t.trim() == etag)
}

/// `If-None-Match` against the current ETag (weak comparison).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(etag))
}

/// A user built from a create request and held to every rule, waiting to
/// be stored by `commit_user`. Only `prepare_user` makes one.
#[derive(Debug)]
pub struct PreparedUser {
    scope: ZoneScope,
    user: User,
    stamp: EventStamp,
}

impl PreparedUser {
    pub fn user(&self) -> &User {
        &self.user
    }
}

impl Service {
    pub async fn get_user(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        id: UserId,
        expand: Expand,
    ) -> ServiceResult<(User, Option<Expansion>)> {
        principal.require(Scope::UsersRead)?;
        self.check_expand(principal, expand)?;
        let user = self.store.get_user(scope, &id).await?;
        let extras = self.expansions(scope, &[user.id], expand).await?;
        Ok((user, extras.and_then(|mut e| e.remove(&id))))
    }

    pub(crate) fn check_expand(&self, principal: &Principal, expand: Expand) -> ServiceResult<()> {
        if expand.role_assignments {
            principal.require(Scope::RolesRead)?;
        }
        Ok(())
    }

    pub async fn list_users(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        request: ListUsersRequest,
    ) -> ServiceResult<UserListPage> {
        principal.require(Scope::UsersRead)?;
        if request.metadata_filter {
            principal.require(Scope::UsersMetadata)?;
        }
        self.check_expand(principal, request.expand)?;

        let search: Vec<String> =
            request.search.iter().filter(|t| !t.is_empty()).map(|t| fold(t)).collect();
        let ranked = !search.is_empty() && request.sort.is_none();
        let mut query = UserQuery {
            filter: request.filter,
            search,
            sort: request.sort.unwrap_or_default(),
            ranked,
            window: Window::After { position: None, limit: request.limit },
        };
        if let Some(role) = &request.role {
            match self.find_role_id(scope, role).await? {
                Some(id) => query.filter.role = Some(id),
                // No such role: nobody holds it.
                None => {
                    return Ok(UserListPage {
                        users: Vec::new(),
                        has_next_page: false,
                        has_previous_page: false,
                        start_cursor: None,
                        end_cursor: None,
                        total_count: 0,
                        total_count_exact: true,
                        page: request.page.map(|p| (p, request.limit)),
                        expansions: None,
                    });
                }
            }
        }
        // The window is not part of the fingerprint: one encoder serves the
        // cursor this request brings and the ones its page hands out.
        let cursors = self.cursors.encoder(&scope.zone, &query);
        let decode = |cursor: &str, at: CursorParam, query: &UserQuery| {
            cursors.decode(cursor, query).map_err(|_| ServiceError::InvalidCursor { at })
        };
        query.window = match (&request.page, &request.after, &request.before) {
            (Some(page), _, _) => Window::Offset {
                offset: page.saturating_sub(1).saturating_mul(request.limit as u64),
                limit: request.limit,
            },
            (None, Some(after), _) => Window::After {
                position: Some(decode(after, CursorParam::After, &query)?),
                limit: request.limit,
            },
            (None, None, Some(before)) => Window::Before {
                position: decode(before, CursorParam::Before, &query)?,
                limit: request.limit,
            },
            (None, None, None) => Window::After { position: None, limit: request.limit },
        };

        let page = self.store.list_users(scope, &query).await?;
        let ids: Vec<UserId> = page.users.iter().map(|u| u.id).collect();
        let expansions = self.expansions(scope, &ids, request.expand).await?;
        let cursor_of = |u: Option<&User>| u.map(|u| cursors.encode(&query.position_of(u)));
        let mut start_cursor = cursor_of(page.users.first());
        let mut end_cursor = cursor_of(page.users.last());
        // A page cut short by the scan budget continues past the last user
        // the backend looked at, which may lie beyond the last one shown.
        let resumed = page.resume.as_ref().map(|p| cursors.encode(p));
        let (has_next_page, has_previous_page) = match &query.window {
            Window::After { position, .. } => {
                if resumed.is_some() {
                    end_cursor = resumed;
                }
                (page.has_more || page.resume.is_some(), position.is_some())
            }
            Window::Before { .. } => {
                if resumed.is_some() {
                    start_cursor = resumed;
                }
                (true, page.has_more || page.resume.is_some())
            }
            Window::Offset { .. } => (page.has_more, request.page.is_some_and(|p| p > 1)),
        };
        Ok(UserListPage {
            start_cursor,
            end_cursor,
            has_next_page,
            has_previous_page,
            total_count: page.total,
            total_count_exact: page.total_exact,
            page: request.page.map(|p| (p, request.limit)),
            users: page.users,
            expansions,
        })
    }

    /// Builds a user from a create request, checked but not yet stored:
    /// the caller renders its response from it, then commits both.
    pub fn prepare_user(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        fields: UserFields,
    ) -> ServiceResult<PreparedUser> {
        principal.require(Scope::UsersWrite)?;
        let id = UserId::from_ulid(self.next_ulid());
        let stamp = self.stamp(principal);
        let base = User::blank(id, scope.org, scope.zone, stamp.at, principal.actor());
        let (user, _changes) = User::create(base, fields)?;
        Ok(PreparedUser { scope: *scope, user, stamp })
    }

    /// Stores a prepared user and, for a request with an `Idempotency-Key`,
    /// the response to replay, in one transaction: a crash can never leave
    /// a user without its replay.
    pub async fn commit_user(
        &self,
        prepared: PreparedUser,
        replay: Option<&IdempotencyRecord>,
    ) -> ServiceResult<User> {
        self.store.create_user(&prepared.scope, &prepared.user, replay, &prepared.stamp).await?;
        Ok(prepared.user)
    }

    pub async fn update_user(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        id: UserId,
        patch: UserFields,
        if_match: Option<&str>,
    ) -> ServiceResult<User> {
        principal.require(Scope::UsersWrite)?;
        let expected = if_match.and_then(|h| expected_version(h, &id));
        let stamp = self.stamp(principal);
        let update = user_update(expected, patch, stamp.at, principal.actor());
        Ok(self.store.update_user(scope, &id, update, &stamp).await?)
    }

    pub async fn delete_user(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        id: UserId,
        if_match: Option<&str>,
    ) -> ServiceResult<()> {
        principal.require(Scope::UsersWrite)?;
        let expected = if_match.and_then(|h| expected_version(h, &id));
        Ok(self.store.delete_user(scope, &id, expected, &self.stamp(principal)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_a_version_of_this_user_or_none_at_all() {
        let id = UserId::parse("user_01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap();
        assert_eq!(expected_version("*", &id), None);
        assert_eq!(expected_version("\"01ARZ3NDEKTSV4RRFFQ69G5FAV-3\"", &id), Some(3));
        assert_eq!(expected_version("\"x\", \"01ARZ3NDEKTSV4RRFFQ69G5FAV-4\"", &id), Some(4));
        assert_eq!(expected_version("W/\"01ARZ3NDEKTSV4RRFFQ69G5FAV-3\"", &id), Some(-1));
        assert_eq!(expected_version("garbage", &id), Some(-1));
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        assert!(none_match("W/\"a-1\"", "\"a-1\""));
        assert!(none_match("\"b\", \"a-1\"", "\"a-1\""));
        assert!(none_match("*", "\"a-1\""));
        assert!(!none_match("\"a-2\"", "\"a-1\""));
    }
}
