//! A user write with its event, alone (`Store::create_user` …) or as an
//! operation of a batch, where each runs under a savepoint of its own.

use rusqlite::Connection;

use roster_domain::events::{EventStamp, EventType};
use roster_domain::{User, UserId};
use roster_store::{
    BatchDone, BatchOp, IdempotencyRecord, StoreError, StoreResult, UserUpdate, ZoneKey, ZoneScope,
};

use crate::error::from_sqlite;
use crate::{events, users};

pub fn create(
    conn: &Connection,
    zone: &ZoneKey,
    scope: &ZoneScope,
    user: &User,
    idempotency: Option<&IdempotencyRecord>,
    stamp: &EventStamp,
) -> StoreResult<()> {
    users::insert_user(conn, zone, user, idempotency)?;
    events::record(conn, &stamp.event(EventType::UserCreated, scope, user.clone()))
}

pub fn update(
    conn: &Connection,
    zone: &ZoneKey,
    scope: &ZoneScope,
    id: &UserId,
    update: UserUpdate,
    stamp: &EventStamp,
) -> StoreResult<User> {
    let (before, after) = users::update_user(conn, zone, id, update)?;
    if let Some(event) = stamp.user_updated(scope, &before, &after) {
        events::record(conn, &event)?;
    }
    Ok(after)
}

pub fn delete(
    conn: &Connection,
    zone: &ZoneKey,
    scope: &ZoneScope,
    id: &UserId,
    expected_version: Option<i64>,
    stamp: &EventStamp,
) -> StoreResult<()> {
    let gone = users::delete_user(conn, zone, id, expected_version)?;
    events::record(conn, &stamp.event(EventType::UserDeleted, scope, gone))
}

fn run(
    conn: &Connection,
    zone: &ZoneKey,
    scope: &ZoneScope,
    op: BatchOp,
    stamp: &EventStamp,
) -> StoreResult<BatchDone> {
    match op {
        BatchOp::Create(user) => {
            create(conn, zone, scope, &user, None, stamp).map(|()| BatchDone::Created(user))
        }
        BatchOp::Update(id, change) => {
            update(conn, zone, scope, &id, change, stamp).map(BatchDone::Updated)
        }
        BatchOp::Delete(id, expected) => {
            delete(conn, zone, scope, &id, expected, stamp).map(|()| BatchDone::Deleted)
        }
    }
}

/// The operations in order, inside the writer's transaction.
pub fn batch(
    conn: &Connection,
    zone: &ZoneKey,
    scope: &ZoneScope,
    ops: Vec<BatchOp>,
    atomic: bool,
    stamp: &EventStamp,
) -> StoreResult<Vec<StoreResult<BatchDone>>> {
    let mut outcomes = Vec::with_capacity(ops.len());
    let mut next = stamp.clone();
    for (index, op) in ops.into_iter().enumerate() {
        conn.execute_batch("SAVEPOINT batch_op").map_err(from_sqlite)?;
        let outcome = run(conn, zone, scope, op, &next);
        let end = if outcome.is_ok() {
            "RELEASE batch_op"
        } else {
            "ROLLBACK TO batch_op; RELEASE batch_op"
        };
        conn.execute_batch(end).map_err(from_sqlite)?;
        next = next.follow_up();
        match outcome {
            // The writer rolls the whole job back on an error.
            Err(cause) if atomic => {
                return Err(StoreError::BatchFailed { index, cause: Box::new(cause) });
            }
            outcome => outcomes.push(outcome),
        }
    }
    Ok(outcomes)
}
