//! Opaque, authenticated cursors.
//!
//! A cursor is `base64url(json || tag)` where `tag` is the first 16 bytes of
//! HMAC-SHA256 over the JSON under a per-database secret. The JSON carries the
//! zone, a fingerprint of the query (filters, search, sort) and the position
//! (rank, sort values, id). A cursor that was garbled, forged, or minted for
//! another zone or another query fails to decode.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::ids::{UserId, ZoneId};
use crate::query::{Position, Rank, SortValue, UserQuery};
use crate::timestamp::Timestamp;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const TAG_LEN: usize = 16;
/// Cursors longer than this are refused before any work is done. It must
/// exceed the longest cursor `encode` makes: up to seven text sort values
/// of 255 characters, each character up to six bytes as escaped JSON, in
/// base64 (about 11 KiB); 4 KiB once refused the server's own cursors for
/// users with long non-ASCII names.
pub const MAX_CURSOR_LEN: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor")]
pub struct InvalidCursor;

#[derive(Clone)]
pub struct CursorCodec {
    /// Keyed once: each tag clones this state rather than hashing the key
    /// again. (HMAC takes a key of any length; `None` cannot happen, and
    /// would only make every cursor undecodable, never forgeable.)
    mac: Option<HmacSha256>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec(..)")
    }
}

impl CursorCodec {
    pub fn new(secret: &[u8]) -> Self {
        Self { mac: HmacSha256::new_from_slice(secret).ok() }
    }

    fn keyed(&self) -> Result<HmacSha256, InvalidCursor> {
        self.mac.clone().ok_or(InvalidCursor)
    }

    fn tag(&self, payload: &[u8]) -> Result<[u8; TAG_LEN], InvalidCursor> {
        let mut mac = self.keyed()?;
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&full[..TAG_LEN]);
        Ok(out)
    }

    pub fn encode(&self, zone: &ZoneId, query: &UserQuery, position: &Position) -> String {
        self.encoder(zone, query).encode(position)
    }

    /// The cursors of one query in one zone: the query's fingerprint is
    /// computed once for the cursor a request brings and those its page
    /// hands out.
    pub fn encoder<'a>(&'a self, zone: &ZoneId, query: &UserQuery) -> CursorEncoder<'a> {
        CursorEncoder {
            codec: self,
            zone: zone.to_string(),
            fingerprint: URL_SAFE_NO_PAD.encode(query.fingerprint()),
        }
    }
}

pub struct CursorEncoder<'a> {
    codec: &'a CursorCodec,
    zone: String,
    fingerprint: String,
}

impl CursorEncoder<'_> {
    /// A position from a cursor minted for this zone and query (`query`
    /// is the one this encoder was made for: its sort and ranking shape
    /// the position).
    pub fn decode(&self, cursor: &str, query: &UserQuery) -> Result<Position, InvalidCursor> {
        if cursor.is_empty() || cursor.len() > MAX_CURSOR_LEN {
            return Err(InvalidCursor);
        }
        let raw =
            URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).map_err(|_| InvalidCursor)?;
        if raw.len() <= TAG_LEN {
            return Err(InvalidCursor);
        }
        let (payload, tag) = raw.split_at(raw.len() - TAG_LEN);
        let mut mac = self.codec.keyed()?;
        mac.update(payload);
        mac.verify_truncated_left(tag).map_err(|_| InvalidCursor)?;

        let v: Value = serde_json::from_slice(payload).map_err(|_| InvalidCursor)?;
        if v.get("z").and_then(Value::as_str) != Some(self.zone.as_str()) {
            return Err(InvalidCursor);
        }
        if v.get("q").and_then(Value::as_str) != Some(self.fingerprint.as_str()) {
            return Err(InvalidCursor);
        }
        let rank = match v.get("r") {
            None | Some(Value::Null) => None,
            Some(r) => Some(
                r.as_u64()
                    .and_then(|r| u8::try_from(r).ok())
                    .and_then(Rank::from_u8)
                    .ok_or(InvalidCursor)?,
            ),
        };
        if rank.is_some() != query.ranked {
            return Err(InvalidCursor);
        }
        let keys = v.get("k").and_then(Value::as_array).ok_or(InvalidCursor)?;
        if keys.len() != query.sort.keys.len() {
            return Err(InvalidCursor);
        }
        let values = query
            .sort
            .keys
            .iter()
            .zip(keys)
            .map(|(key, raw)| {
                let is_time = matches!(
                    key.field,
                    crate::query::SortField::CreatedAt | crate::query::SortField::UpdatedAt
                );
                if is_time {
                    raw.as_i64()
                        .and_then(Timestamp::from_micros)
                        .map(SortValue::Time)
                        .ok_or(InvalidCursor)
                } else {
                    raw.as_str().map(|s| SortValue::Text(s.to_owned())).ok_or(InvalidCursor)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let id = v.get("i").and_then(Value::as_str).and_then(UserId::parse).ok_or(InvalidCursor)?;
        Ok(Position { rank, values, id })
    }

    pub fn encode(&self, position: &Position) -> String {
        let values: Vec<Value> = position
            .values
            .iter()
            .map(|v| match v {
                SortValue::Time(t) => json!(t.as_micros()),
                SortValue::Text(s) => json!(s),
            })
            .collect();
        let payload = json!({
            "z": self.zone,
            "q": self.fingerprint,
            "r": position.rank.map(|r| r as u8),
            "k": values,
            "i": position.id.to_string(),
        });
        let mut bytes = serde_json::to_vec(&payload).unwrap_or_default();
        // The tag cannot fail for an HMAC key of any length; an empty tag
        // would only make the cursor undecodable, never forgeable.
        let tag = self.codec.tag(&bytes).unwrap_or([0; TAG_LEN]);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

impl CursorCodec {
    /// A cursor over a list ordered by id alone (zones, keys, sub-resources):
    /// the list's name and the id, authenticated like user cursors.
    pub fn encode_id(&self, list: &str, id: [u8; 16]) -> String {
        let mut bytes = Vec::with_capacity(list.len() + 17 + TAG_LEN);
        bytes.extend_from_slice(list.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(&id);
        let tag = self.tag(&bytes).unwrap_or([0; TAG_LEN]);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode_id(&self, list: &str, cursor: &str) -> Result<[u8; 16], InvalidCursor> {
        if cursor.is_empty() || cursor.len() > MAX_CURSOR_LEN {
            return Err(InvalidCursor);
        }
        let raw =
            URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).map_err(|_| InvalidCursor)?;
        if raw.len() != list.len() + 17 + TAG_LEN {
            return Err(InvalidCursor);
        }
        let (payload, tag) = raw.split_at(raw.len() - TAG_LEN);
        let mut mac = self.keyed()?;
        mac.update(payload);
        mac.verify_truncated_left(tag).map_err(|_| InvalidCursor)?;
        if &payload[..list.len()] != list.as_bytes() || payload[list.len()] != 0 {
            return Err(InvalidCursor);
        }
        payload[list.len() + 1..].try_into().map_err(|_| InvalidCursor)
    }

    pub fn decode(
        &self,
        cursor: &str,
        zone: &ZoneId,
        query: &UserQuery,
    ) -> Result<Position, InvalidCursor> {
        self.encoder(zone, query).decode(cursor, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdGenerator;
    use crate::query::{Sort, UserFilter, Window};

    fn query() -> UserQuery {
        UserQuery {
            filter: UserFilter::default(),
            search: vec![],
            sort: Sort::default(),
            ranked: false,
            window: Window::After { position: None, limit: 10 },
        }
    }

    fn position(ids: &IdGenerator) -> Position {
        Position {
            rank: None,
            values: vec![SortValue::Time(Timestamp::from_micros(42).unwrap())],
            id: UserId::from_ulid(ids.next(1)),
        }
    }

    /// The fingerprint is of a versioned canonical encoding: this digest
    /// changes only when the encoding does, and then the version must
    /// change with it (cursors of the old version fail as invalid).
    #[test]
    fn a_query_fingerprint_is_pinned_to_its_encoding_version() {
        let mut q = query();
        q.filter.email = Some("jane@example.com".into());
        q.filter.statuses = vec![crate::user::UserStatus::Active];
        q.filter.created_from = Timestamp::from_micros(1_700_000_000_000_000);
        q.search = vec!["mari".into()];
        q.ranked = true;
        let hex: String = q.fingerprint().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "63aa360857ee3c8e60e87eec079130aa");
    }

    /// A cursor signed with this secret but minted under another encoding
    /// of the same query (as every cursor from before the versioned
    /// encoding was) is refused, as `invalid_cursor`, never misread.
    #[test]
    fn a_cursor_of_another_fingerprint_version_is_refused() {
        let ids = IdGenerator::new();
        let zone = ZoneId::from_ulid(ids.next(1));
        let codec = CursorCodec::new(b"secret");
        let pos = position(&ids);
        let good = codec.encode(&zone, &query(), &pos);
        let raw = URL_SAFE_NO_PAD.decode(&good).unwrap();
        let mut payload: Value = serde_json::from_slice(&raw[..raw.len() - TAG_LEN]).unwrap();
        // Like the fingerprint before it was versioned: a digest of the
        // query's Debug text.
        use sha2::Digest;
        let old = sha2::Sha256::digest(format!("{:?}", query().filter).as_bytes());
        payload["q"] = json!(URL_SAFE_NO_PAD.encode(&old[..16]));
        let mut bytes = serde_json::to_vec(&payload).unwrap();
        let tag = codec.tag(&bytes).unwrap();
        bytes.extend_from_slice(&tag);
        let forged_old = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(codec.decode(&forged_old, &zone, &query()), Err(InvalidCursor));
        assert_eq!(codec.decode(&good, &zone, &query()), Ok(pos));
    }

    #[test]
    fn id_cursors_round_trip_and_refuse_other_lists() {
        let codec = CursorCodec::new(b"secret");
        let c = codec.encode_id("zones", [7; 16]);
        assert_eq!(codec.decode_id("zones", &c), Ok([7; 16]));
        assert!(codec.decode_id("keys", &c).is_err());
        assert!(CursorCodec::new(b"x").decode_id("zones", &c).is_err());
    }

    #[test]
    fn cursors_round_trip_for_the_same_zone_and_query() {
        let ids = IdGenerator::new();
        let zone = ZoneId::from_ulid(ids.next(1));
        let codec = CursorCodec::new(b"secret");
        let pos = position(&ids);
        let c = codec.encode(&zone, &query(), &pos);
        assert_eq!(codec.decode(&c, &zone, &query()), Ok(pos));
    }

    #[test]
    fn cursors_from_another_zone_query_or_secret_or_tampered_are_refused() {
        let ids = IdGenerator::new();
        let zone = ZoneId::from_ulid(ids.next(1));
        let other_zone = ZoneId::from_ulid(ids.next(1));
        let codec = CursorCodec::new(b"secret");
        let c = codec.encode(&zone, &query(), &position(&ids));
        assert!(codec.decode(&c, &other_zone, &query()).is_err());
        let mut q2 = query();
        q2.filter.email = Some("x@y.z".into());
        assert!(codec.decode(&c, &zone, &q2).is_err());
        assert!(CursorCodec::new(b"other").decode(&c, &zone, &query()).is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&c).unwrap();
        bytes[3] ^= 1;
        assert!(codec.decode(&URL_SAFE_NO_PAD.encode(bytes), &zone, &query()).is_err());
        for junk in
            ["", "abc", "!!!!", "eyJpZCI6ImhvdXNlaG9sZF8wMUFSWjNOREVLVFNWNFJSRkZRNjlHNUZBViJ9"]
        {
            assert!(codec.decode(junk, &zone, &query()).is_err());
        }
    }
}
