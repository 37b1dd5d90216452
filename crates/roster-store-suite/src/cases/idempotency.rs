//! Idempotency records: kept per API key, first one wins, stored with
//! the creation they replay.

use roster_domain::ApiKeyId;
use roster_store::{IdempotencyRecord, StoreError};

use crate::ctx::{Ctx, stamp, ts};

fn record(ctx: &Ctx, api_key: ApiKeyId, key: &str, at: i64, body: &[u8]) -> IdempotencyRecord {
    let _ = ctx;
    IdempotencyRecord {
        api_key_id: api_key,
        key: key.to_owned(),
        request_hash: [at as u8; 32],
        status: 201,
        body: body.to_vec(),
        location: Some("/v1/users/user_x".into()),
        created_at: ts(at),
    }
}

pub async fn records_are_kept_per_api_key_first_one_wins_and_old_ones_purge(ctx: Ctx) {
    let k = ctx.key.id;
    let other = ctx.key_id();
    let r1 = record(&ctx, k, "Key-1", 10, b"{\"a\":1}\x00\xff");
    ctx.store.put_idempotency(&r1).await.unwrap();
    // A second record under the same key does not replace the first.
    ctx.store.put_idempotency(&record(&ctx, k, "Key-1", 11, b"later")).await.unwrap();
    assert_eq!(ctx.store.get_idempotency(&k, "Key-1", ts(0)).await.unwrap(), Some(r1.clone()));
    // Keys are exact: other case, other API key, nothing.
    assert_eq!(ctx.store.get_idempotency(&k, "key-1", ts(0)).await.unwrap(), None);
    assert_eq!(ctx.store.get_idempotency(&other, "Key-1", ts(0)).await.unwrap(), None);
    // Too old to replay.
    assert_eq!(ctx.store.get_idempotency(&k, "Key-1", ts(11)).await.unwrap(), None);
    assert_eq!(ctx.store.get_idempotency(&k, "Key-1", ts(10)).await.unwrap(), Some(r1.clone()));

    let mut r2 = record(&ctx, other, "Key-1", 20, b"");
    r2.location = None;
    r2.status = 422;
    ctx.store.put_idempotency(&r2).await.unwrap();
    assert_eq!(ctx.store.get_idempotency(&other, "Key-1", ts(0)).await.unwrap(), Some(r2.clone()));

    assert_eq!(ctx.store.purge_idempotency(ts(15)).await.unwrap(), 1);
    assert_eq!(ctx.store.get_idempotency(&k, "Key-1", ts(0)).await.unwrap(), None);
    assert_eq!(ctx.store.get_idempotency(&other, "Key-1", ts(0)).await.unwrap(), Some(r2));
    assert_eq!(ctx.store.purge_idempotency(ts(15)).await.unwrap(), 0);
}

pub async fn a_create_stores_its_record_in_the_same_transaction(ctx: Ctx) {
    let u = ctx.user("a@example.com");
    let r = record(&ctx, ctx.key.id, "create-1", 30, b"{\"id\":1}");
    ctx.store.create_user(&ctx.scope(), &u, Some(&r), &stamp()).await.unwrap();
    assert_eq!(ctx.store.get_idempotency(&ctx.key.id, "create-1", ts(0)).await.unwrap(), Some(r));

    // A create that fails stores no record.
    let dup = ctx.user("A@EXAMPLE.com");
    let r2 = record(&ctx, ctx.key.id, "create-2", 31, b"x");
    assert_eq!(
        ctx.store.create_user(&ctx.scope(), &dup, Some(&r2), &stamp()).await,
        Err(StoreError::Conflict { field: "email" })
    );
    assert_eq!(ctx.store.get_idempotency(&ctx.key.id, "create-2", ts(0)).await.unwrap(), None);

    // A record already there (a concurrent twin) does not fail the create.
    let v = ctx.user("v@example.com");
    let first = record(&ctx, ctx.key.id, "create-3", 32, b"first");
    ctx.store.put_idempotency(&first).await.unwrap();
    let twin = record(&ctx, ctx.key.id, "create-3", 33, b"second");
    ctx.store.create_user(&ctx.scope(), &v, Some(&twin), &stamp()).await.unwrap();
    assert_eq!(
        ctx.store.get_idempotency(&ctx.key.id, "create-3", ts(0)).await.unwrap(),
        Some(first)
    );
    assert!(ctx.store.get_user(&ctx.scope(), &v.id).await.is_ok());
}
