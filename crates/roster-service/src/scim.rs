//! What SCIM provisioning needs beyond the `/v1` use cases: users from an
//! offset (`startIndex`), a bounded walk for filters no index answers,
//! and the roles each user holds for the whole zone (its SCIM `groups`).

use std::collections::HashMap;

use roster_domain::RoleId;
use roster_domain::access::{AssignmentFields, Expansion, Role};
use roster_domain::query::{MAX_PAGE_WINDOW, Sort, UserFilter, UserQuery, Window};
use roster_domain::{Scope, User, UserId, ZoneScope};

use crate::users::Expand;
use crate::{Principal, Service, ServiceError, ServiceResult};
use roster_store::StoreError;

/// Users a filter that no index answers may look at before the request is
/// refused (`tooMany`): the walk's cost is bounded, whatever the filter.
pub const SCIM_SCAN_MAX: usize = 10_000;
const SCAN_PAGE: usize = 1000;
/// Store reads one walk may make: a read of a sparse filter looks at up
/// to the store's scan budget of rows and returns few, so the users seen
/// alone would not bound the rows read.
const SCAN_READS: usize = 20;

/// One page of users, the total, and each user's zone-wide roles (when
/// the key may read roles).
pub struct ScimPage {
    pub users: Vec<User>,
    pub total: u64,
    pub roles: HashMap<UserId, Expansion>,
}

impl Service {
    /// `limit` users from `offset` (0-based) in `sort` order.
    pub async fn scim_users_at(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        filter: UserFilter,
        sort: Sort,
        offset: u64,
        limit: usize,
    ) -> ServiceResult<ScimPage> {
        principal.require(Scope::UsersRead)?;
        if offset.saturating_add(limit as u64) > MAX_PAGE_WINDOW {
            // Past the end is an empty page (RFC 7644 §3.4.2.4), however far.
            let total = self
                .store
                .list_users(
                    scope,
                    &UserQuery {
                        filter: filter.clone(),
                        search: Vec::new(),
                        sort: sort.clone(),
                        ranked: false,
                        window: Window::Offset { offset: 0, limit: 1 },
                    },
                )
                .await?
                .total;
            if offset >= total {
                return Ok(ScimPage { users: Vec::new(), total, roles: HashMap::new() });
            }
            return Err(ServiceError::InvalidParameter {
                param: "startIndex".into(),
                detail: format!(
                    "startIndex + count must stay within the first {MAX_PAGE_WINDOW} users; \
                     narrow the filter (meta.created, meta.lastModified) to reach later ones"
                ),
            });
        }
        let query = UserQuery {
            filter,
            search: Vec::new(),
            sort,
            ranked: false,
            window: Window::Offset { offset, limit: limit.max(1) },
        };
        let page = self.store.list_users(scope, &query).await?;
        let mut users = page.users;
        users.truncate(limit);
        let roles = self.zone_roles(principal, scope, &users).await?;
        Ok(ScimPage { users, total: page.total, roles })
    }

    /// Every user `filter` selects, in `sort` order, each kept only when
    /// `keep` says so; refused (naming `param`: the request's part that
    /// asked for it) past `SCIM_SCAN_MAX` users looked at or `SCAN_READS`
    /// store reads.
    pub async fn scim_users_matching(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        filter: UserFilter,
        sort: Sort,
        keep: &(dyn Fn(&User) -> bool + Sync),
        param: &str,
    ) -> ServiceResult<Vec<User>> {
        principal.require(Scope::UsersRead)?;
        let mut query = UserQuery {
            filter,
            search: Vec::new(),
            sort,
            ranked: false,
            window: Window::After { position: None, limit: SCAN_PAGE },
        };
        let (mut looked, mut found) = (0usize, Vec::new());
        for reads in 1.. {
            let page = self.store.list_users(scope, &query).await?;
            looked += page.users.len();
            let more = page.has_more || page.resume.is_some();
            if looked > SCIM_SCAN_MAX || (more && reads >= SCAN_READS) {
                return Err(ServiceError::InvalidParameter {
                    param: param.into(),
                    detail: format!(
                        "this needs more than {SCIM_SCAN_MAX} users looked at; narrow it with \
                         userName, externalId or id"
                    ),
                });
            }
            let next =
                page.resume.clone().or_else(|| page.users.last().map(|u| query.position_of(u)));
            found.extend(page.users.into_iter().filter(|u| keep(u)));
            match next {
                Some(position) if more => {
                    query.window = Window::After { position: Some(position), limit: SCAN_PAGE };
                }
                _ => return Ok(found),
            }
        }
        Ok(found)
    }

    /// The roles each user holds for the whole zone, when the key may see
    /// roles (empty otherwise).
    pub async fn zone_roles(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        users: &[User],
    ) -> ServiceResult<HashMap<UserId, Expansion>> {
        if !principal.scopes.allows(Scope::RolesRead) || users.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        let expand = Expand { role_assignments: true, ..Expand::default() };
        let mut found = self.expansions(scope, &ids, expand).await?.unwrap_or_default();
        for e in found.values_mut() {
            e.role_assignments.retain(|a| a.scope.is_none());
        }
        Ok(found)
    }
}

impl Service {
    /// The users holding `role` for the whole zone (a SCIM group's
    /// members), in creation order; refused past `SCIM_SCAN_MAX` holders.
    pub async fn role_members(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &RoleId,
    ) -> ServiceResult<Vec<UserId>> {
        principal.require(Scope::RolesRead)?;
        let filter = UserFilter { role: Some(*role), ..UserFilter::default() };
        let holders = self
            .scim_users_matching(principal, scope, filter, Sort::default(), &|_| true, "members")
            .await?;
        let roles = self.zone_roles(principal, scope, &holders).await?;
        let holds = |u: &User| {
            roles.get(&u.id).is_some_and(|e| e.role_assignments.iter().any(|a| a.role_id == *role))
        };
        Ok(holders.iter().filter(|u| holds(u)).map(|u| u.id).collect())
    }

    /// Every one of `ids` is a user of the zone (400 naming `members`
    /// otherwise): checked before a group changes at all.
    pub async fn check_members(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        ids: &[UserId],
    ) -> ServiceResult<()> {
        principal.require(Scope::UsersRead)?;
        for id in ids {
            self.store.get_user(scope, id).await.map_err(|e| match e {
                StoreError::NotFound => ServiceError::InvalidBody {
                    param: Some("members".into()),
                    detail: format!("no user {id} in this zone"),
                },
                other => other.into(),
            })?;
        }
        Ok(())
    }

    /// Gives `role` to `add` and takes it from `remove`, for the whole
    /// zone: what holding it already (or not) asks for is left as it is.
    /// Every user added must exist, checked before anything changes.
    pub async fn change_role_members(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &Role,
        add: &[UserId],
        remove: &[UserId],
    ) -> ServiceResult<()> {
        principal.require(Scope::RolesWrite)?;
        self.check_members(principal, scope, add).await?;
        for id in add {
            let fields = AssignmentFields { role_id: Some(role.id), ..AssignmentFields::default() };
            match self.create_role_assignment(principal, scope, &id.to_string(), fields).await {
                Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if remove.is_empty() {
            return Ok(());
        }
        let expand = Expand { role_assignments: true, ..Expand::default() };
        let held = self.expansions(scope, remove, expand).await?.unwrap_or_default();
        for (user, extras) in held {
            for a in
                extras.role_assignments.iter().filter(|a| a.role_id == role.id && a.scope.is_none())
            {
                match self
                    .store
                    .delete_role_assignment(scope, &user, &a.id, &self.stamp(principal))
                    .await
                {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }
}
