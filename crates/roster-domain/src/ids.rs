//! Prefixed ULID identifiers (`user_01ARZ3NDEKTSV4RRFFQ69G5FAV`).
//!
//! The prefix says what kind of object an id names, so an id pasted into the
//! wrong place is rejected before it reaches storage. The ULID part sorts in
//! creation order, both as text and as its 16 big-endian bytes, which is what
//! lets backends store ids as compact binary keys without changing order.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

pub use ulid::Ulid;

/// Generates ULIDs that strictly increase within this process, so ids handed
/// out in one millisecond still sort in the order they were made.
#[derive(Debug, Default)]
pub struct IdGenerator {
    last: Mutex<Option<Ulid>>,
}

impl IdGenerator {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh ULID for the wall-clock millisecond `now_ms`.
    pub fn next(&self, now_ms: u64) -> Ulid {
        let fresh = Ulid::from_parts(now_ms, rand::random::<u128>());
        let mut last = match self.last.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let id = match *last {
            Some(prev) if prev.timestamp_ms() >= now_ms => match prev.increment() {
                Ok(next) => next,
                // The random part overflowed within one millisecond: move to
                // the next millisecond rather than repeat an id.
                Err(_) => Ulid::from_parts(prev.timestamp_ms() + 1, rand::random::<u128>() >> 1),
            },
            _ => fresh,
        };
        *last = Some(id);
        id
    }
}

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn from_ulid(ulid: Ulid) -> Self {
                Self(ulid)
            }

            pub fn ulid(&self) -> Ulid {
                self.0
            }

            /// The 16 big-endian bytes; sorts exactly like the text form.
            pub fn to_bytes(&self) -> [u8; 16] {
                self.0.to_bytes()
            }

            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Ulid::from_bytes(bytes))
            }

            /// Parses `prefix_ULID`. The ULID part is accepted in either case,
            /// as Crockford base32 allows, and always printed upper-case.
            pub fn parse(s: &str) -> Option<Self> {
                let rest = s.strip_prefix($prefix)?;
                // A first character above 7 overflows 128 bits; the ulid
                // crate would wrap it, making a second spelling of another
                // id (`user_8…` for `user_0…`). The ULID spec rejects it.
                if rest.len() != 26 || !matches!(rest.as_bytes()[0], b'0'..=b'7') {
                    return None;
                }
                Ulid::from_string(rest).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut buf = [0u8; 26];
                f.write_str($prefix)?;
                f.write_str(self.0.array_to_str(&mut buf))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or(InvalidId)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(concat!("expected an id starting with ", $prefix))
                })
            }
        }
    };
}

/// The text was not an id of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed id")]
pub struct InvalidId;

prefixed_id!(
    /// A user, `user_…`.
    UserId,
    "user_"
);
prefixed_id!(
    /// A zone (tenant), `zone_…`.
    ZoneId,
    "zone_"
);
prefixed_id!(
    /// An organization, `org_…`.
    OrgId,
    "org_"
);
prefixed_id!(
    /// An API key, `key_…`.
    ApiKeyId,
    "key_"
);

prefixed_id!(
    /// A role of a zone, `role_…`.
    RoleId,
    "role_"
);
prefixed_id!(
    /// A role assignment, `ra_…`.
    RoleAssignmentId,
    "ra_"
);
prefixed_id!(
    /// A session, `sess_…`.
    SessionId,
    "sess_"
);
prefixed_id!(
    /// A delegated grant, `grant_…`.
    GrantId,
    "grant_"
);
prefixed_id!(
    /// An identity provider, `idp_…`.
    ProviderId,
    "idp_"
);
prefixed_id!(
    /// A change event, `evt_…`.
    EventId,
    "evt_"
);

prefixed_id!(
    /// A webhook endpoint, `we_…`.
    WebhookEndpointId,
    "we_"
);

prefixed_id!(
    /// One attempt to deliver an event to a webhook endpoint, `whd_…`.
    DeliveryId,
    "whd_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_bytes() {
        let gen_ = IdGenerator::new();
        let id = UserId::from_ulid(gen_.next(1_700_000_000_000));
        let text = id.to_string();
        assert!(text.starts_with("user_"));
        assert_eq!(text.len(), 31);
        assert_eq!(UserId::parse(&text), Some(id));
        assert_eq!(UserId::from_bytes(id.to_bytes()), id);
        assert_eq!(UserId::parse(&text.to_lowercase().replace("USER_", "user_")), Some(id));
    }

    #[test]
    fn ids_of_another_kind_or_garbled_are_rejected() {
        assert!(UserId::parse("zone_01ARZ3NDEKTSV4RRFFQ69G5FAV").is_none());
        assert!(UserId::parse("user_01ARZ3NDEKTSV4RRFFQ69G5FA").is_none());
        assert!(UserId::parse("user_01ARZ3NDEKTSV4RRFFQ69G5FAV0").is_none());
        assert!(UserId::parse("user_01ARZ3NDEKTSV4RRFFQ69G5FA!").is_none());
        assert!(UserId::parse("").is_none());
    }

    #[test]
    fn generated_ids_strictly_increase_within_a_millisecond() {
        let gen_ = IdGenerator::new();
        let mut prev = gen_.next(5);
        for _ in 0..10_000 {
            let next = gen_.next(5);
            assert!(next > prev);
            assert!(next.to_string() > prev.to_string());
            prev = next;
        }
        // A clock that steps back never produces a smaller id.
        assert!(gen_.next(1) > prev);
    }
}
