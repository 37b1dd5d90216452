//! `Idempotency-Key`: a retried POST replays the first response.
//!
//! Responses are stored per API key and key string with a hash of the
//! request; a creation stores its response in the same transaction as the
//! row it created, so a crash can never leave a user without its replay. A
//! second request arriving while the first is still running is refused with
//! `idempotency_key_in_use` (tracked in this process).

use std::collections::HashSet;

use parking_lot::Mutex;
use sha2::Digest;

use roster_domain::{ApiKeyId, Timestamp};
use roster_store::IdempotencyRecord;

use crate::error::{ServiceError, ServiceResult};
use crate::{Principal, Service};

#[derive(Default)]
pub struct Inflight {
    keys: Mutex<HashSet<(ApiKeyId, String)>>,
}

/// An `Idempotency-Key` and the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyRequest {
    pub key: String,
    pub request_hash: [u8; 32],
}

impl IdempotencyRequest {
    /// Fingerprints the request by method, path and body bytes. The key's
    /// spelling is the edge's to check (it is a header).
    pub fn new(key: &str, method: &str, path: &str, body: &[u8]) -> Self {
        let mut h = sha2::Sha256::new();
        for part in [method.as_bytes(), b"\0", path.as_bytes(), b"\0", body] {
            h.update(part);
        }
        Self { key: key.to_owned(), request_hash: h.finalize().into() }
    }
}

/// Holds the in-flight claim on a key until the request is answered.
pub struct InflightGuard<'a> {
    inflight: &'a Inflight,
    claim: (ApiKeyId, String),
}

impl Drop for InflightGuard<'_> {
    fn drop(&mut self) {
        self.inflight.keys.lock().remove(&self.claim);
    }
}

pub enum Begin<'a> {
    /// Answer with this stored response.
    Replay(IdempotencyRecord),
    /// First time: run the request, then store its response.
    Proceed(InflightGuard<'a>),
}

impl Service {
    pub async fn idempotency_begin(
        &self,
        principal: &Principal,
        request: &IdempotencyRequest,
    ) -> ServiceResult<Begin<'_>> {
        let claim = (principal.key_id, request.key.clone());
        if !self.inflight.keys.lock().insert(claim.clone()) {
            return Err(ServiceError::IdempotencyKeyInUse);
        }
        let guard = InflightGuard { inflight: &self.inflight, claim };
        match self.stored_response(principal, request).await? {
            Some(record) => Ok(Begin::Replay(record)),
            None => Ok(Begin::Proceed(guard)),
        }
    }

    /// A stored response for this key, if one is younger than the TTL; a
    /// different request under the same key is an error.
    pub async fn stored_response(
        &self,
        principal: &Principal,
        request: &IdempotencyRequest,
    ) -> ServiceResult<Option<IdempotencyRecord>> {
        let ttl = i64::try_from(self.config.idempotency_ttl.as_secs()).unwrap_or(i64::MAX);
        let not_before = self.now().plus_seconds(-ttl);
        let record =
            self.store.get_idempotency(&principal.key_id, &request.key, not_before).await?;
        match record {
            Some(r) if r.request_hash != request.request_hash => {
                Err(ServiceError::IdempotencyKeyReused)
            }
            other => Ok(other),
        }
    }

    pub fn idempotency_record(
        &self,
        principal: &Principal,
        request: &IdempotencyRequest,
        status: u16,
        body: Vec<u8>,
        location: Option<String>,
    ) -> IdempotencyRecord {
        IdempotencyRecord {
            api_key_id: principal.key_id,
            key: request.key.clone(),
            request_hash: request.request_hash,
            status,
            body,
            location,
            created_at: self.now(),
        }
    }

    /// Stores a response that was not stored with its write (errors below
    /// 500, and responses of requests that write nothing).
    pub async fn idempotency_save(&self, record: &IdempotencyRecord) -> ServiceResult<()> {
        Ok(self.store.put_idempotency(record).await?)
    }

    /// Drops stored responses older than the TTL.
    pub async fn purge_idempotency(&self) -> ServiceResult<u64> {
        let ttl = i64::try_from(self.config.idempotency_ttl.as_secs()).unwrap_or(i64::MAX);
        let before: Timestamp = self.now().plus_seconds(-ttl);
        Ok(self.store.purge_idempotency(before).await?)
    }
}
