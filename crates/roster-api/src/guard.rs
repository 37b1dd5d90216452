//! Defences against hostile traffic at the HTTP layer: a deadline for every
//! request, and a per-address limit on failed authentications.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::RwLock;

use crate::AppState;
use crate::problem::ApiError;

/// Bounds the whole request, reading its body included, so a client that
/// trickles a body gets 408 instead of holding a handler forever.
pub async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(after) = state.inner.config.request_timeout else {
        return next.run(req).await;
    };
    match tokio::time::timeout(after, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout { after }.into_response(),
    }
}

/// The client address of a request, when the server recorded one.
pub fn client_address(req: &Request) -> Option<IpAddr> {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets of failed authentications, one per client address. Every
/// failure takes a token; an address with none left is refused before its
/// key is even looked at, so guessing keys costs no database reads.
pub struct AuthFailureLimiter {
    per_second: f64,
    burst: f64,
    buckets: RwLock<HashMap<IpAddr, Bucket>>,
}

/// Addresses tracked at once. Full buckets carry no information and are
/// dropped first when the table fills.
const MAX_ADDRESSES: usize = 65_536;

impl AuthFailureLimiter {
    /// `None` when the limit is off (0).
    pub fn new(per_minute: u64) -> Option<Self> {
        (per_minute > 0).then(|| Self {
            per_second: per_minute as f64 / 60.0,
            burst: per_minute as f64,
            buckets: RwLock::new(HashMap::new()),
        })
    }

    /// An IPv6 client usually holds a whole /64: count it as one address.
    fn key(ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(_) => ip,
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
        }
    }

    fn tokens(&self, b: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed * self.per_second).min(self.burst)
    }

    /// `Err(retry_after_secs)` while the address has used up its failures.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let buckets = self.buckets.read();
        let Some(b) = buckets.get(&Self::key(ip)) else { return Ok(()) };
        let tokens = self.tokens(b, now);
        if tokens >= 1.0 {
            return Ok(());
        }
        Err(((1.0 - tokens) / self.per_second).ceil().max(1.0) as u64)
    }

    /// Records a failed authentication from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        self.failed_at(ip, Instant::now());
    }

    fn failed_at(&self, ip: IpAddr, now: Instant) {
        let key = Self::key(ip);
        let mut buckets = self.buckets.write();
        if buckets.len() >= MAX_ADDRESSES && !buckets.contains_key(&key) {
            buckets.retain(|_, b| self.tokens(b, now) < self.burst);
            if buckets.len() >= MAX_ADDRESSES {
                // A flood from this many addresses defeats per-address
                // limits anyway; memory stays bounded.
                buckets.clear();
            }
        }
        let b = buckets.entry(key).or_insert(Bucket { tokens: self.burst, at: now });
        b.tokens = (self.tokens(b, now) - 1.0).max(0.0);
        b.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_address_is_refused_once_its_failures_are_spent_and_recovers_over_time() {
        let limiter = AuthFailureLimiter::new(6).unwrap();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..6 {
            assert_eq!(limiter.check_at(ip, t0), Ok(()));
            limiter.failed_at(ip, t0);
        }
        assert_eq!(limiter.check_at(ip, t0), Err(10));
        assert_eq!(limiter.check_at(other, t0), Ok(()));
        assert_eq!(limiter.check_at(ip, t0 + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn an_ipv6_slash_64_counts_as_one_address() {
        let limiter = AuthFailureLimiter::new(1).unwrap();
        let t0 = Instant::now();
        limiter.failed_at("2001:db8::1".parse().unwrap(), t0);
        assert!(limiter.check_at("2001:db8::ffff".parse().unwrap(), t0).is_err());
        assert!(limiter.check_at("2001:db8:0:1::1".parse().unwrap(), t0).is_ok());
    }

    #[test]
    fn a_limit_of_zero_turns_it_off() {
        assert!(AuthFailureLimiter::new(0).is_none());
    }
}
