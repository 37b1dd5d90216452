//! Cursors: anything a client sends as `after`/`before` is refused without a
//! panic; what the server encodes it decodes again, only for the same zone
//! and query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use proptest::prelude::*;
use serde_json::{Value, json};

use roster_domain::ids::Ulid;
use roster_domain::{
    CursorCodec, Direction, Position, Rank, Sort, SortField, SortKey, SortValue, Timestamp,
    UserFilter, UserId, UserQuery, Window, ZoneId,
};

use crate::generate::{hostile_string, json_value, run};

const SECRET: &[u8] = b"hostile-inputs-secret";

fn zone(n: u128) -> ZoneId {
    ZoneId::from_ulid(Ulid(n))
}

fn query(keys: Vec<SortKey>, ranked: bool) -> UserQuery {
    UserQuery {
        filter: UserFilter::default(),
        search: if ranked { vec!["term".into()] } else { vec![] },
        sort: if keys.is_empty() { Sort::default() } else { Sort { keys } },
        ranked,
        window: Window::After { position: None, limit: 10 },
    }
}

fn micros() -> impl Strategy<Value = i64> {
    -62_135_596_800_000_000i64..=253_402_300_799_999_999i64
}

/// A stored text value: anything a field may hold, up to 255 characters,
/// including the longest encodings (four-byte characters, and control
/// characters that JSON escapes to six bytes each).
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => hostile_string().prop_map(|s| s.chars().take(255).collect()),
        1 => (prop::sample::select(vec!['\u{1}', '\u{1D11E}', '"', 'é']), 200..=255usize)
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
}

/// A query and a position that fits it: one value per sort key, of the
/// key's kind, and a rank exactly when the query ranks.
fn query_and_position() -> impl Strategy<Value = (UserQuery, Position)> {
    let keys = prop::sample::subsequence(SortField::ALL, 1..=SortField::ALL.len())
        .prop_shuffle()
        .prop_flat_map(|fields| {
            let n = fields.len();
            (Just(fields), prop::collection::vec(any::<bool>(), n))
        })
        .prop_map(|(fields, desc)| {
            let direction = |d| if d { Direction::Desc } else { Direction::Asc };
            fields
                .into_iter()
                .zip(desc)
                .map(|(field, d)| SortKey { field, direction: direction(d) })
                .collect::<Vec<_>>()
        });
    (keys, any::<bool>(), any::<u128>(), 0u8..3).prop_flat_map(|(keys, ranked, id, rank)| {
        let values: Vec<BoxedStrategy<SortValue>> = keys
            .iter()
            .map(|k| match k.field {
                SortField::CreatedAt | SortField::UpdatedAt => micros()
                    .prop_map(|m| SortValue::Time(Timestamp::from_micros(m).unwrap()))
                    .boxed(),
                _ => field_text().prop_map(SortValue::Text).boxed(),
            })
            .collect();
        let q = query(keys, ranked);
        values.prop_map(move |values| {
            let position = Position {
                rank: if ranked { Rank::from_u8(rank) } else { None },
                values,
                id: UserId::from_ulid(Ulid(id)),
            };
            (q.clone(), position)
        })
    })
}

/// Text a client could send: anything, or base64url of anything.
fn cursor_text() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_string(),
        "[A-Za-z0-9_=-]{0,120}",
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        "[A-Za-z0-9_-]{4090,4100}",
    ]
}

#[test]
fn cursor_decoding_refuses_arbitrary_text() {
    let codec = CursorCodec::new(SECRET);
    let queries = [query(vec![], false), query(vec![], true)];
    run("cursor_decoding_refuses_arbitrary_text", cursor_text(), |text| {
        // A random text carrying a valid 128-bit tag is out of reach.
        for q in &queries {
            prop_assert!(codec.decode(&text, &zone(1), q).is_err());
        }
        for list in ["zones", "api_keys", ""] {
            prop_assert!(codec.decode_id(list, &text).is_err());
        }
        Ok(())
    });
}

fn sign(payload: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(payload);
    let tag = mac.finalize().into_bytes();
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&tag[..16]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Payloads that pass the tag: what a bug in the encoder, or a leaked
/// secret, could produce. Each member is right, or anything.
fn signed_payload(right: Value) -> impl Strategy<Value = Vec<u8>> {
    let member = move |name: &'static str| {
        let good = right[name].clone();
        prop_oneof![2 => Just(Some(good)), 2 => json_value().prop_map(Some), 1 => Just(None)]
    };
    prop_oneof![
        4 => (member("z"), member("q"), member("r"), member("k"), member("i")).prop_map(
            |(z, q, r, k, i)| {
                let mut o = serde_json::Map::new();
                for (name, v) in [("z", z), ("q", q), ("r", r), ("k", k), ("i", i)] {
                    if let Some(v) = v {
                        o.insert(name.into(), v);
                    }
                }
                serde_json::to_vec(&Value::Object(o)).unwrap()
            }
        ),
        1 => prop::collection::vec(any::<u8>(), 0..120),
    ]
}

#[test]
fn cursor_decoding_survives_signed_arbitrary_payloads() {
    let codec = CursorCodec::new(SECRET);
    let q = query(vec![SortKey { field: SortField::Email, direction: Direction::Asc }], true);
    let right = json!({
        "z": zone(1).to_string(),
        "q": URL_SAFE_NO_PAD.encode(q.fingerprint()),
        "r": 1,
        "k": ["a@b.co"],
        "i": UserId::from_ulid(Ulid(7)).to_string(),
    });
    run("cursor_decoding_survives_signed_arbitrary_payloads", signed_payload(right), |payload| {
        let cursor = sign(&payload);
        if let Ok(p) = codec.decode(&cursor, &zone(1), &q) {
            // Whatever decodes fits the query it was decoded for.
            prop_assert_eq!(p.values.len(), q.sort.keys.len());
            prop_assert!(p.rank.is_some());
            prop_assert!(matches!(p.values[0], SortValue::Text(_)));
        }
        let _ = codec.decode_id("zones", &cursor);
        Ok(())
    });
}

#[test]
fn cursors_round_trip_and_refuse_other_zones_queries_and_tampering() {
    let codec = CursorCodec::new(SECRET);
    let strategy = (query_and_position(), any::<u128>(), any::<prop::sample::Index>());
    run(
        "cursors_round_trip_and_refuse_other_zones_queries_and_tampering",
        strategy,
        |((q, position), z, flip)| {
            let here = zone(z);
            let cursor = codec.encode(&here, &q, &position);
            prop_assert_eq!(codec.decode(&cursor, &here, &q), Ok(position.clone()));
            prop_assert!(codec.decode(&cursor, &zone(z.wrapping_add(1)), &q).is_err());
            let mut other = q.clone();
            other.sort.keys[0].direction = other.sort.keys[0].direction.flip();
            prop_assert!(codec.decode(&cursor, &here, &other).is_err());
            prop_assert!(CursorCodec::new(b"another secret").decode(&cursor, &here, &q).is_err());
            let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
            let i = flip.index(bytes.len());
            bytes[i] ^= 0x01;
            prop_assert!(codec.decode(&URL_SAFE_NO_PAD.encode(bytes), &here, &q).is_err());
            Ok(())
        },
    );
}

#[test]
fn id_cursors_round_trip_and_refuse_other_lists() {
    let codec = CursorCodec::new(SECRET);
    let strategy = ("[a-z_]{1,12}", "[a-z_]{1,12}", any::<[u8; 16]>());
    run("id_cursors_round_trip_and_refuse_other_lists", strategy, |(list, other, id)| {
        let cursor = codec.encode_id(&list, id);
        prop_assert_eq!(codec.decode_id(&list, &cursor), Ok(id));
        if other != list {
            prop_assert!(codec.decode_id(&other, &cursor).is_err());
        }
        Ok(())
    });
}
