//! `POST /v1/users/batch`: many user writes in one transaction.

use roster_domain::{Scope, User, UserFields, UserId};
use roster_store::{BatchOp, StoreError, ZoneScope};

pub use roster_store::BatchDone;

use crate::error::{ServiceError, ServiceResult};
use crate::users::{expected_version, user_update};
use crate::{Principal, Service};

/// The most operations one batch may hold.
pub const MAX_BATCH: usize = 1000;

/// One operation as the request gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchItem {
    Create(UserFields),
    Update { id: String, fields: UserFields, if_match: Option<String> },
    Delete { id: String, if_match: Option<String> },
}

/// What an operation came to.
pub type BatchOutcome = ServiceResult<BatchDone>;

impl Service {
    /// Runs the operations in order in one transaction. `items` holds, for
    /// an operation whose body did not read, the error it got. Without
    /// `atomic` every operation has its outcome; with it, the first failure
    /// answers `BatchFailed` and nothing is applied.
    pub async fn batch_users(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        items: Vec<ServiceResult<BatchItem>>,
        atomic: bool,
    ) -> ServiceResult<Vec<BatchOutcome>> {
        principal.require(Scope::UsersWrite)?;
        let stamp = self.stamp(principal);
        let failed = |index, cause| ServiceError::BatchFailed { index, cause: Box::new(cause) };
        // Operations checked here, each with its index; those refused keep
        // their error in place.
        let mut outcomes: Vec<Option<BatchOutcome>> = Vec::with_capacity(items.len());
        let mut ops = Vec::new();
        let mut indexes = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            match item.and_then(|item| self.batch_op(principal, scope, item, &stamp)) {
                Ok(op) => {
                    ops.push(op);
                    indexes.push(index);
                    outcomes.push(None);
                }
                Err(e) if atomic => return Err(failed(index, e)),
                Err(e) => outcomes.push(Some(Err(e))),
            }
        }
        let done = match self.store.batch_users(scope, ops, atomic, &stamp).await {
            Ok(done) => done,
            Err(StoreError::BatchFailed { index, cause }) => {
                let at = indexes.get(index).copied().unwrap_or(index);
                return Err(failed(at, ServiceError::from(*cause)));
            }
            Err(e) => return Err(e.into()),
        };
        for (index, outcome) in indexes.into_iter().zip(done) {
            if let Some(slot) = outcomes.get_mut(index) {
                *slot = Some(outcome.map_err(ServiceError::from));
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    Err(ServiceError::Internal("a batch outcome is missing".into()))
                })
            })
            .collect())
    }

    fn batch_op(
        &self,
        principal: &Principal,
        scope: &ZoneScope,
        item: BatchItem,
        stamp: &roster_domain::events::EventStamp,
    ) -> ServiceResult<BatchOp> {
        let user_id = |id: &str| UserId::parse(id).ok_or(ServiceError::NotFound);
        Ok(match item {
            BatchItem::Create(fields) => {
                let id = UserId::from_ulid(self.next_ulid());
                let base = User::blank(id, scope.org, scope.zone, stamp.at, principal.actor());
                BatchOp::Create(User::create(base, fields)?.0)
            }
            BatchItem::Update { id, fields, if_match } => {
                let id = user_id(&id)?;
                let expected = if_match.as_deref().and_then(|h| expected_version(h, &id));
                BatchOp::Update(id, user_update(expected, fields, stamp.at, principal.actor()))
            }
            BatchItem::Delete { id, if_match } => {
                let id = user_id(&id)?;
                BatchOp::Delete(id, if_match.as_deref().and_then(|h| expected_version(h, &id)))
            }
        })
    }
}
