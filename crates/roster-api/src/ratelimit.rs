//! Per-API-key token buckets, kept in this process.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};

use roster_domain::ApiKeyId;

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: RwLock<HashMap<ApiKeyId, Arc<Mutex<Bucket>>>>,
}

/// The outcome of one request against its key's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// `RateLimit-Limit`: the bucket size.
    pub limit: u64,
    /// `RateLimit-Remaining`: whole tokens left.
    pub remaining: u64,
    /// `RateLimit-Reset`: seconds until the bucket is full again.
    pub reset_secs: u64,
    /// `Retry-After` when refused: seconds until one token is back.
    pub retry_after_secs: u64,
}

impl RateLimiter {
    /// `per_second` tokens flow in, up to `burst`; `None` when the limit is
    /// off (rate 0).
    pub fn new(per_second: u64, burst: u64) -> Option<Self> {
        (per_second > 0).then(|| Self {
            per_second: per_second as f64,
            burst: burst.max(1) as f64,
            buckets: RwLock::new(HashMap::new()),
        })
    }

    fn bucket(&self, key: &ApiKeyId) -> Arc<Mutex<Bucket>> {
        if let Some(b) = self.buckets.read().get(key) {
            return b.clone();
        }
        self.buckets
            .write()
            .entry(*key)
            .or_insert_with(|| {
                Arc::new(Mutex::new(Bucket { tokens: self.burst, last: Instant::now() }))
            })
            .clone()
    }

    pub fn check(&self, key: &ApiKeyId) -> Decision {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &ApiKeyId, now: Instant) -> Decision {
        let bucket = self.bucket(key);
        let mut b = bucket.lock();
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.last = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        let secs = |x: f64| x.max(0.0).ceil() as u64;
        Decision {
            allowed,
            limit: self.burst as u64,
            remaining: b.tokens.floor().max(0.0) as u64,
            reset_secs: secs((self.burst - b.tokens) / self.per_second),
            retry_after_secs: if allowed {
                0
            } else {
                secs((1.0 - b.tokens) / self.per_second).max(1)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_until_refilled() {
        let limiter = RateLimiter::new(10, 20).unwrap();
        let key = ApiKeyId::from_ulid(roster_domain::IdGenerator::new().next(1));
        let t0 = Instant::now();
        for i in 0..20 {
            let d = limiter.check_at(&key, t0);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.limit, 20);
        }
        let refused = limiter.check_at(&key, t0);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs, 1);
        assert!(limiter.check_at(&key, t0 + Duration::from_millis(150)).allowed);
    }

    #[test]
    fn a_rate_of_zero_turns_the_limit_off() {
        assert!(RateLimiter::new(0, 10).is_none());
    }
}
