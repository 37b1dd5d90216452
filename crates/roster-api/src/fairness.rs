//! Fair shares of database work between API keys.
//!
//! Reads wait for a reader (SQLite) or a pooled connection (PostgreSQL) in
//! one shared queue, so one key firing many slow reads would put every other
//! key's requests behind its own. Each key may therefore have at most
//! `in_flight` reads running and `queued` more waiting for its turn, in a
//! queue of its own; beyond that the read is refused (429) at once. Whatever
//! one key does, the shared queue holds at most `in_flight` of its reads.
//!
//! Writes are not counted: SQLite's writer commits whatever is queued in one
//! transaction, so concurrent writes of one key are what makes group commit
//! pay, and each write is short and bounded.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use roster_domain::ApiKeyId;

/// A key's turn: its semaphore and how many of its requests are admitted
/// (running or waiting). Present only while that count is above zero, so
/// the map holds at most one entry per key with a request in progress.
struct Slot {
    admitted: usize,
    semaphore: Arc<Semaphore>,
}

pub struct FairShare {
    in_flight: usize,
    queued: usize,
    keys: Mutex<HashMap<ApiKeyId, Slot>>,
}

/// An admitted request: it waits for its key's turn with [`Ticket::turn`],
/// and gives its place back when dropped (answered, or abandoned by a
/// client that went away).
pub struct Ticket<'a> {
    share: &'a FairShare,
    key: ApiKeyId,
    semaphore: Arc<Semaphore>,
}

/// Held while the request runs.
pub struct Turn<'a> {
    _permit: Option<OwnedSemaphorePermit>,
    _ticket: Ticket<'a>,
}

impl FairShare {
    /// `None` when the limit is off (`in_flight` 0).
    pub fn new(in_flight: usize, queued: usize) -> Option<Self> {
        (in_flight > 0).then(|| Self { in_flight, queued, keys: Mutex::new(HashMap::new()) })
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub fn queued(&self) -> usize {
        self.queued
    }

    /// A place for one more request of `key`, or `None` when it already has
    /// `in_flight + queued` admitted.
    pub fn admit(&self, key: &ApiKeyId) -> Option<Ticket<'_>> {
        let mut keys = self.keys.lock();
        let slot = keys.entry(*key).or_insert_with(|| Slot {
            admitted: 0,
            semaphore: Arc::new(Semaphore::new(self.in_flight)),
        });
        if slot.admitted >= self.in_flight.saturating_add(self.queued) {
            return None;
        }
        slot.admitted += 1;
        Some(Ticket { share: self, key: *key, semaphore: Arc::clone(&slot.semaphore) })
    }

    /// Requests of `key` running or waiting (for tests and metrics).
    pub fn admitted(&self, key: &ApiKeyId) -> usize {
        self.keys.lock().get(key).map_or(0, |s| s.admitted)
    }

    fn release(&self, key: &ApiKeyId) {
        let mut keys = self.keys.lock();
        if let Some(slot) = keys.get_mut(key) {
            slot.admitted = slot.admitted.saturating_sub(1);
            if slot.admitted == 0 {
                keys.remove(key);
            }
        }
    }
}

impl<'a> Ticket<'a> {
    /// Waits (first come, first served among this key's requests) until
    /// fewer than `in_flight` of them run.
    pub async fn turn(self) -> Turn<'a> {
        // The semaphore is never closed, so acquiring only fails in theory;
        // running without a permit then is better than failing the request.
        let permit = Arc::clone(&self.semaphore).acquire_owned().await.ok();
        Turn { _permit: permit, _ticket: self }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.share.release(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn key(n: u64) -> ApiKeyId {
        ApiKeyId::from_ulid(roster_domain::IdGenerator::new().next(n))
    }

    #[test]
    fn zero_in_flight_turns_the_limit_off() {
        assert!(FairShare::new(0, 10).is_none());
    }

    #[test]
    fn a_key_gets_in_flight_plus_queued_places_and_other_keys_their_own() {
        let share = FairShare::new(2, 1).unwrap();
        let (a, b) = (key(1), key(2));
        let held: Vec<_> =
            (0..3).map(|i| share.admit(&a).unwrap_or_else(|| panic!("{i}"))).collect();
        assert!(share.admit(&a).is_none(), "a fourth request of the key is refused");
        assert!(share.admit(&b).is_some(), "another key is not affected");
        drop(held);
        assert_eq!(share.admitted(&a), 0);
        assert!(share.keys.lock().is_empty(), "idle keys leave the map");
        assert!(share.admit(&a).is_some());
    }

    #[tokio::test]
    async fn a_queued_request_runs_when_a_running_one_ends() {
        let share = FairShare::new(1, 1).unwrap();
        let a = key(1);
        let running = share.admit(&a).unwrap().turn().await;
        let waiting = share.admit(&a).unwrap().turn();
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut waiting).await.is_err(),
            "the second request waits while the first runs"
        );
        drop(running);
        let _second = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap_or_else(|_| panic!("the queued request never got its turn"));
        assert_eq!(share.admitted(&a), 1);
    }

    #[tokio::test]
    async fn an_abandoned_waiting_request_gives_its_place_back() {
        let share = FairShare::new(1, 1).unwrap();
        let a = key(1);
        let _running = share.admit(&a).unwrap().turn().await;
        let waiting = share.admit(&a).unwrap().turn();
        assert!(share.admit(&a).is_none());
        drop(waiting);
        assert!(share.admit(&a).is_some(), "the dropped waiter's place is free again");
    }
}
