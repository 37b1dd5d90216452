//! A batch of user writes: one transaction, a savepoint per operation.

use roster_domain::events::{EventStamp, EventType};
use roster_store::{BatchDone, BatchOp, StoreError, StoreResult, ZoneKey, ZoneScope};

use crate::db::{self, Conn, Exec};
use crate::error::from_pg;
use crate::types::{PgId, id};
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
    let targets = targets(&ops);
    let mut tries = 0;
    let tx = loop {
        let tx = client.transaction().await?;
        tries += 1;
        if targets.is_empty() || !lock_targets(&tx, zone, &targets).await? || tries == LOCK_TRIES {
            break tx;
        }
        tx.rollback().await?;
    };
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

/// Attempts at a batch whose users were changed by younger transactions.
const LOCK_TRIES: u32 = 5;

/// The users a batch updates or deletes, in id order.
fn targets(ops: &[BatchOp]) -> Vec<PgId> {
    let mut ids: Vec<[u8; 16]> = ops
        .iter()
        .filter_map(|op| match op {
            BatchOp::Create(_) => None,
            BatchOp::Update(uid, _) | BatchOp::Delete(uid, _) => Some(uid.to_bytes()),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(id).collect()
}

/// Locks the batch's users before it writes anything, in id order (two
/// batches never wait for each other in a cycle), and answers whether a
/// transaction younger than this one changed one of them before the lock:
/// the feed orders events by transaction id, so writing after such a change
/// would put this batch's event for that user before the change it follows.
/// The caller then starts again in a new (younger) transaction.
async fn lock_targets<C: Exec>(tx: &C, zone: &ZoneKey, targets: &[PgId]) -> StoreResult<bool> {
    db::query(
        tx,
        "SELECT 1 FROM users WHERE zone = $1 AND id = ANY($2) ORDER BY id FOR NO KEY UPDATE",
        &[&zone.seq, &targets],
    )
    .await?;
    // `age` counts from this transaction's own id: below zero is younger.
    let row = db::query_one(
        tx,
        "SELECT EXISTS (SELECT 1 FROM users WHERE zone = $1 AND id = ANY($2) AND age(xmin) < 0)",
        &[&zone.seq, &targets],
    )
    .await?;
    row.try_get(0).map_err(crate::error::from_pg)
}
