//! A batch of user writes: one transaction, a savepoint per operation.

use roster_domain::events::{EventStamp, EventType};
use roster_store::{BatchDone, BatchOp, StoreError, StoreResult, ZoneKey, ZoneScope};

use crate::db::Conn;
use crate::error::from_pg;
use crate::users::{delete_user_in, insert_user, update_user_in};

/// The operations of a batch in order in one transaction, each under a
/// savepoint of its own (see `Store::batch_users`).
pub async fn batch(
    client: &mut Conn,
    zone: &ZoneKey,
    scope: &ZoneScope,
    ops: Vec<BatchOp>,
    atomic: bool,
    stamp: &EventStamp,
) -> StoreResult<Vec<StoreResult<BatchDone>>> {
    let tx = client.transaction().await?;
    let mut outcomes = Vec::with_capacity(ops.len());
    let mut next = stamp.clone();
    for (index, op) in ops.into_iter().enumerate() {
        tx.batch_execute("SAVEPOINT batch_op").await.map_err(from_pg)?;
        let outcome = match op {
            BatchOp::Create(user) => {
                let event = next.event(EventType::UserCreated, scope, user.clone());
                // A provider stays locked until the batch commits, as in
                // `create_user`.
                insert_user(&tx, zone, &user, None, &event).await.map(|()| BatchDone::Created(user))
            }
            BatchOp::Update(uid, change) => {
                update_user_in(&tx, zone, &uid, change, &next, scope).await.map(BatchDone::Updated)
            }
            BatchOp::Delete(uid, expected) => {
                delete_user_in(&tx, zone, &uid, expected, &next, scope)
                    .await
                    .map(|()| BatchDone::Deleted)
            }
        };
        let end = if outcome.is_ok() {
            "RELEASE SAVEPOINT batch_op"
        } else {
            "ROLLBACK TO SAVEPOINT batch_op; RELEASE SAVEPOINT batch_op"
        };
        tx.batch_execute(end).await.map_err(from_pg)?;
        next = next.follow_up();
        match outcome {
            // Dropping the transaction rolls it all back.
            Err(cause) if atomic => {
                return Err(StoreError::BatchFailed { index, cause: Box::new(cause) });
            }
            outcome => outcomes.push(outcome),
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}
