//! Use cases of roles and role assignments.

use roster_domain::access::{
    AssignmentFields, AssignmentRequest, Role, RoleAssignment, RoleFields, RoleRef,
};
use roster_domain::{RoleAssignmentId, RoleId, Scope, ZoneRef};
use roster_store::{StoreError, ZoneScope};

use crate::error::{ServiceError, ServiceResult};
use crate::tenancy::{IdPage, IdPageRequest};
use crate::{Principal, Service};

use super::{not_found_is, user_id};

impl Service {
    pub async fn list_roles(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<Role>> {
        principal.require(Scope::RolesRead)?;
        let window = self.id_window("roles", request)?;
        let page = self.store.list_roles(scope, &window).await?;
        Ok(self.id_page("roles", request, page, |r| r.id.to_bytes()))
    }

    pub async fn get_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesRead)?;
        Ok(self.store.get_role(scope, &RoleRef::parse(role)).await?)
    }

    pub async fn create_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        fields: RoleFields,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesWrite)?;
        let role = Role::create(RoleId::from_ulid(self.next_ulid()), self.now(), fields)?;
        self.store.create_role(scope, &role, &self.stamp(principal)).await?;
        Ok(role)
    }

    pub async fn update_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
        fields: RoleFields,
    ) -> ServiceResult<Role> {
        principal.require(Scope::RolesWrite)?;
        let mut current = self.store.get_role(scope, &RoleRef::parse(role)).await?;
        if current.patch(fields) {
            current.updated_at = self.now().max(current.created_at);
            self.store.update_role(scope, &current, &self.stamp(principal)).await?;
        }
        Ok(current)
    }

    pub async fn delete_role(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        role: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::RolesWrite)?;
        let found = self.store.get_role(scope, &RoleRef::parse(role)).await?;
        Ok(self.store.delete_role(scope, &found.id, &self.stamp(principal)).await?)
    }

    // Role assignments.

    pub async fn list_role_assignments(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        request: &IdPageRequest,
    ) -> ServiceResult<IdPage<RoleAssignment>> {
        principal.require(Scope::RolesRead)?;
        let user = user_id(user)?;
        let window = self.id_window("role_assignments", request)?;
        let page = self.store.list_role_assignments(scope, &user, &window).await?;
        Ok(self.id_page("role_assignments", request, page, |a| a.id.to_bytes()))
    }

    pub async fn create_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        fields: AssignmentFields,
    ) -> ServiceResult<RoleAssignment> {
        principal.require(Scope::RolesWrite)?;
        let user = user_id(user)?;
        let request = AssignmentRequest::new(fields)?;
        if let Some(limit) = request.scope.as_ref().filter(|s| s.kind == "zone") {
            // A zone scope names a zone of the organization that this key
            // sees; one it cannot see reads like one that does not exist.
            let detail = format!("{} is not a zone", limit.id);
            let seen = self
                .store
                .get_zone(&principal.org, &ZoneRef::parse(&limit.id))
                .await
                .map_err(not_found_is("scope.id", &detail))
                .and_then(|zone| match principal.may_see_zone(&zone.id) {
                    true => Ok(()),
                    false => Err(ServiceError::invalid_body("scope.id", detail.clone())),
                });
            if let Err(e) = seen {
                return Err(self.unless_user_missing(scope, &user, e).await);
            }
        }
        let param = request.role_param;
        let role = match self.store.get_role(scope, &request.role).await {
            Ok(role) => role,
            Err(e) => {
                let detail = format!("{param} does not name a role of this zone");
                let e = not_found_is(param, &detail)(e);
                return Err(self.unless_user_missing(scope, &user, e).await);
            }
        };
        let assignment = RoleAssignment {
            id: RoleAssignmentId::from_ulid(self.next_ulid()),
            user_id: user,
            role_id: role.id,
            role_identifier: role.identifier,
            scope: request.scope,
            created_at: self.now(),
            created_by: principal.actor(),
        };
        self.store.create_role_assignment(scope, &assignment, &self.stamp(principal)).await.map_err(
            |e| match e {
                StoreError::MissingReference { .. } => ServiceError::invalid_body(
                    param,
                    format!("{param} does not name a role of this zone"),
                ),
                StoreError::Conflict { .. } => ServiceError::Conflict { field: param.to_owned() },
                other => other.into(),
            },
        )
    }

    pub async fn get_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<RoleAssignment> {
        principal.require(Scope::RolesRead)?;
        let user = user_id(user)?;
        let id = RoleAssignmentId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.get_role_assignment(scope, &user, &id).await?)
    }

    pub async fn delete_role_assignment(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        user: &str,
        id: &str,
    ) -> ServiceResult<()> {
        principal.require(Scope::RolesWrite)?;
        let user = user_id(user)?;
        let id = RoleAssignmentId::parse(id).ok_or(ServiceError::NotFound)?;
        Ok(self.store.delete_role_assignment(scope, &user, &id, &self.stamp(principal)).await?)
    }
}
