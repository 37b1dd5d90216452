//! Use cases of roles, role assignments, sessions, grants, providers and
//! sign-ins. Everything lives inside a zone and follows the users' rules:
//! another zone's object is `NotFound`, scopes gate every call.

mod providers;
mod roles;
mod sessions;
mod sign_in;

use roster_domain::UserId;
use roster_store::{StoreError, ZoneScope};

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

fn not_found_is(param: &str, detail: &str) -> impl Fn(StoreError) -> ServiceError {
    let (param, detail) = (param.to_owned(), detail.to_owned());
    move |e| match e {
        StoreError::NotFound => ServiceError::invalid_body(param.clone(), detail.clone()),
        other => other.into(),
    }
}

fn user_id(id: &str) -> ServiceResult<UserId> {
    UserId::parse(id).ok_or(ServiceError::NotFound)
}

impl Service {
    /// A body naming something that does not exist is the caller's 400 only
    /// when the user in the path exists: a missing user (or zone) is a 404,
    /// whatever the body says, as it is for every other request on it.
    async fn unless_user_missing(
        &self,
        scope: &ZoneScope,
        user: &UserId,
        error: ServiceError,
    ) -> ServiceError {
        match self.store.get_user(scope, user).await {
            Err(StoreError::NotFound) => ServiceError::NotFound,
            _ => error,
        }
    }
}
