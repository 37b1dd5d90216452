//! What a user list asks for: filters, search, sort order and the window.
//!
//! Besides describing the query for the backends, this module is the
//! reference semantics: `UserQuery::matches` and `UserQuery::compare` say
//! exactly which users a query returns and in which order. Backends must
//! agree with them; property tests hold them to it.

use std::cmp::Ordering;

use serde_json::Value;

use crate::ids::UserId;
use crate::text::{cmp_folded, fold};
use crate::timestamp::Timestamp;
use crate::user::{User, UserStatus, UserType};

/// Page mode serves only this many first matches (page × size); deeper
/// results are reached with cursors, whose cost does not grow with depth.
pub const MAX_PAGE_WINDOW: u64 = 10_000;
/// `attributes.<key>` filters per request: each one is a JSON lookup per
/// candidate row.
pub const MAX_ATTRIBUTE_FILTERS: usize = 20;
/// Search terms per request: each one is an index lookup.
pub const MAX_SEARCH_TERMS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    CreatedAt,
    UpdatedAt,
    Email,
    Name,
    Identifier,
    FirstName,
    LastName,
    Status,
    UserType,
}

impl SortField {
    pub const ALL: &'static [SortField] = &[
        SortField::CreatedAt,
        SortField::UpdatedAt,
        SortField::Email,
        SortField::Name,
        SortField::Identifier,
        SortField::FirstName,
        SortField::LastName,
        SortField::Status,
        SortField::UserType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortField::CreatedAt => "created_at",
            SortField::UpdatedAt => "updated_at",
            SortField::Email => "email",
            SortField::Name => "name",
            SortField::Identifier => "identifier",
            SortField::FirstName => "first_name",
            SortField::LastName => "last_name",
            SortField::Status => "status",
            SortField::UserType => "user_type",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    pub fn allowed() -> String {
        Self::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Strings that sort by their folded value first (the rest sort by raw
    /// value: timestamps, and enums by their string).
    pub fn is_folded(self) -> bool {
        matches!(
            self,
            SortField::Email
                | SortField::Name
                | SortField::Identifier
                | SortField::FirstName
                | SortField::LastName
        )
    }

    pub fn value_of(self, user: &User) -> SortValue {
        match self {
            SortField::CreatedAt => SortValue::Time(user.created_at),
            SortField::UpdatedAt => SortValue::Time(user.updated_at),
            SortField::Email => SortValue::Text(user.email.clone()),
            SortField::Name => SortValue::Text(user.name.clone()),
            SortField::Identifier => SortValue::Text(user.identifier.clone()),
            SortField::FirstName => SortValue::Text(user.first_name.clone()),
            SortField::LastName => SortValue::Text(user.last_name.clone()),
            SortField::Status => SortValue::Text(user.status.as_str().to_owned()),
            SortField::UserType => SortValue::Text(user.user_type.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub const ALL: &'static [Direction] = &[Direction::Asc, Direction::Desc];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.as_str() == s)
    }

    pub fn apply(self, o: Ordering) -> Ordering {
        match self {
            Direction::Asc => o,
            Direction::Desc => o.reverse(),
        }
    }
    pub fn flip(self) -> Self {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub field: SortField,
    pub direction: Direction,
}

/// One or more sort keys. Ties break on `id`, in the last key's direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    pub keys: Vec<SortKey>,
}

impl Default for Sort {
    fn default() -> Self {
        Sort { keys: vec![SortKey { field: SortField::CreatedAt, direction: Direction::Asc }] }
    }
}

impl Sort {
    pub fn id_direction(&self) -> Direction {
        self.keys.last().map(|k| k.direction).unwrap_or(Direction::Asc)
    }
}

/// A sort key's value for one user, as carried in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortValue {
    Time(Timestamp),
    Text(String),
}

impl SortValue {
    fn cmp_as(&self, other: &SortValue, folded: bool) -> Ordering {
        match (self, other) {
            (SortValue::Time(a), SortValue::Time(b)) => a.cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) if folded => cmp_folded(a, b),
            (SortValue::Text(a), SortValue::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (SortValue::Time(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Time(_)) => Ordering::Greater,
        }
    }
}

/// How well a user matches a search term; lower ranks come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    /// A whole field equals the term.
    Exact = 0,
    /// A field starts with the term.
    Prefix = 1,
    /// A field contains the term.
    Substring = 2,
}

impl Rank {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Rank::Exact),
            1 => Some(Rank::Prefix),
            2 => Some(Rank::Substring),
            _ => None,
        }
    }
}

/// The fields `search` looks in, in a fixed order.
pub fn searchable_fields(user: &User) -> [std::borrow::Cow<'_, str>; 5] {
    use std::borrow::Cow;
    [
        Cow::Owned(user.id.to_string()),
        Cow::Borrowed(user.email.as_str()),
        Cow::Borrowed(user.name.as_str()),
        Cow::Borrowed(user.identifier.as_str()),
        Cow::Borrowed(user.description.as_deref().unwrap_or("")),
    ]
}

/// The best rank of `term` (already folded) over the searchable fields, or
/// `None` when no field contains it.
pub fn search_rank(user: &User, folded_term: &str) -> Option<Rank> {
    let mut best: Option<Rank> = None;
    for field in searchable_fields(user) {
        let f = fold(&field);
        let rank = if f == folded_term {
            Rank::Exact
        } else if f.starts_with(folded_term) {
            Rank::Prefix
        } else if f.contains(folded_term) {
            Rank::Substring
        } else {
            continue;
        };
        best = Some(best.map_or(rank, |b| b.min(rank)));
    }
    best
}

/// A top-level custom attribute compared by JSON value.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeFilter {
    pub key: String,
    pub value: Value,
}

impl AttributeFilter {
    pub fn matches(&self, user: &User) -> bool {
        match user.attributes.get(&self.key) {
            Some(v) => json_equal(&v, &self.value),
            None => false,
        }
    }
}

/// JSON equality where numbers compare by value (`3` equals `3.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// Every filter of the list; all of them must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    pub ids: Vec<UserId>,
    /// Folded: matches exactly, case-insensitively.
    pub email: Option<String>,
    /// Folded: matches exactly, case-insensitively.
    pub identifier: Option<String>,
    pub user_types: Vec<UserType>,
    pub statuses: Vec<UserStatus>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    pub updated_from: Option<Timestamp>,
    pub updated_to: Option<Timestamp>,
    pub attributes: Vec<AttributeFilter>,
    pub provider_id: Option<String>,
    /// Matches exactly (a provisioning system's identifier is case-exact).
    pub external_id: Option<String>,
    /// Users holding this role (in any scope). Membership is not visible
    /// on a `User`, so `matches` leaves this filter to the backends.
    pub role: Option<crate::ids::RoleId>,
}

impl UserFilter {
    pub fn is_empty(&self) -> bool {
        *self == UserFilter::default()
    }

    /// Only a status filter (or none): the case totals are kept for.
    pub fn only_statuses(&self) -> bool {
        UserFilter { statuses: Vec::new(), ..self.clone() }.is_empty()
    }

    pub fn matches(&self, u: &User) -> bool {
        (self.ids.is_empty() || self.ids.contains(&u.id))
            && self.email.as_ref().is_none_or(|e| fold(&u.email) == *e)
            && self.identifier.as_ref().is_none_or(|i| fold(&u.identifier) == *i)
            && (self.user_types.is_empty() || self.user_types.contains(&u.user_type))
            && (self.statuses.is_empty() || self.statuses.contains(&u.status))
            && self.created_by.as_ref().is_none_or(|c| *c == u.created_by)
            && self.updated_by.as_ref().is_none_or(|c| *c == u.updated_by)
            && self.created_from.is_none_or(|t| u.created_at >= t)
            && self.created_to.is_none_or(|t| u.created_at < t)
            && self.updated_from.is_none_or(|t| u.updated_at >= t)
            && self.updated_to.is_none_or(|t| u.updated_at < t)
            && self.attributes.iter().all(|a| a.matches(u))
            && self.provider_id.as_ref().is_none_or(|p| u.provider_id.as_ref() == Some(p))
            && self.external_id.as_ref().is_none_or(|e| u.external_id.as_ref() == Some(e))
    }
}

/// Where a page starts: just past (or before) a position in the order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub rank: Option<Rank>,
    pub values: Vec<SortValue>,
    pub id: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// The first page, or the page after a position.
    After { position: Option<Position>, limit: usize },
    /// The page that ends just before a position.
    Before { position: Position, limit: usize },
    /// Page mode: skip `offset` users.
    Offset { offset: u64, limit: usize },
}

impl Window {
    pub fn limit(&self) -> usize {
        match self {
            Window::After { limit, .. }
            | Window::Before { limit, .. }
            | Window::Offset { limit, .. } => *limit,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserQuery {
    pub filter: UserFilter,
    /// Folded terms; a user must contain every one of them.
    pub search: Vec<String>,
    pub sort: Sort,
    /// Search without an explicit sort: order by rank of the first term,
    /// then `created_at`, `id`.
    pub ranked: bool,
    pub window: Window,
}

impl UserQuery {
    /// The first page of `limit` users of a whole zone in directory order.
    pub fn first_page(limit: usize) -> Self {
        UserQuery {
            filter: UserFilter::default(),
            search: Vec::new(),
            sort: Sort::default(),
            ranked: false,
            window: Window::After { position: None, limit },
        }
    }

    pub fn matches(&self, u: &User) -> bool {
        self.filter.matches(u) && self.search.iter().all(|t| search_rank(u, t).is_some())
    }

    pub fn rank_of(&self, u: &User) -> Option<Rank> {
        if self.ranked { self.search.first().and_then(|t| search_rank(u, t)) } else { None }
    }

    pub fn position_of(&self, u: &User) -> Position {
        Position {
            rank: self.rank_of(u),
            values: self.sort.keys.iter().map(|k| k.field.value_of(u)).collect(),
            id: u.id,
        }
    }

    /// The order of the result: rank (when ranked), each sort key, then id.
    pub fn compare_positions(&self, a: &Position, b: &Position) -> Ordering {
        a.rank
            .cmp(&b.rank)
            .then_with(|| {
                for (i, key) in self.sort.keys.iter().enumerate() {
                    let (Some(x), Some(y)) = (a.values.get(i), b.values.get(i)) else {
                        continue;
                    };
                    let o = key.direction.apply(x.cmp_as(y, key.field.is_folded()));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            })
            .then_with(|| self.sort.id_direction().apply(a.id.cmp(&b.id)))
    }

    pub fn compare(&self, a: &User, b: &User) -> Ordering {
        self.compare_positions(&self.position_of(a), &self.position_of(b))
    }

    /// A stable digest of everything that decides membership and order, so
    /// a cursor from one query is refused by another.
    ///
    /// The digest is of a canonical encoding (`FINGERPRINT_VERSION`, then
    /// each part tagged and length-prefixed), never of `Debug` output,
    /// which a derive or a compiler update may change and so invalidate
    /// every cursor. Changing the encoding means a new version: cursors
    /// made under the old one then fail as `invalid_cursor` (a test pins
    /// the digest of a fixed query).
    pub fn fingerprint(&self) -> [u8; 16] {
        use sha2::Digest;
        let f = &self.filter;
        let mut c = Canonical(Vec::with_capacity(256));
        c.0.extend_from_slice(FINGERPRINT_VERSION);
        c.part(b'i', f.ids.iter().map(|id| id.to_bytes().to_vec()));
        c.part(b'e', f.email.iter().map(|v| v.as_bytes().to_vec()));
        c.part(b'n', f.identifier.iter().map(|v| v.as_bytes().to_vec()));
        c.part(b't', f.user_types.iter().map(|v| v.as_str().as_bytes().to_vec()));
        c.part(b's', f.statuses.iter().map(|v| v.as_str().as_bytes().to_vec()));
        c.part(b'c', f.created_by.iter().map(|v| v.as_bytes().to_vec()));
        c.part(b'u', f.updated_by.iter().map(|v| v.as_bytes().to_vec()));
        for (tag, t) in [
            (b'1', f.created_from),
            (b'2', f.created_to),
            (b'3', f.updated_from),
            (b'4', f.updated_to),
        ] {
            c.part(tag, t.iter().map(|t| t.as_micros().to_le_bytes().to_vec()));
        }
        c.part(
            b'a',
            f.attributes.iter().flat_map(|a| {
                [a.key.as_bytes().to_vec(), serde_json::to_vec(&a.value).unwrap_or_default()]
            }),
        );
        c.part(b'p', f.provider_id.iter().map(|v| v.as_bytes().to_vec()));
        c.part(b'r', f.role.iter().map(|r| r.to_bytes().to_vec()));
        c.part(b'q', self.search.iter().map(|t| t.as_bytes().to_vec()));
        c.part(
            b'o',
            self.sort.keys.iter().map(|k| {
                let dir = match k.direction {
                    Direction::Asc => "+",
                    Direction::Desc => "-",
                };
                format!("{dir}{}", k.field.as_str()).into_bytes()
            }),
        );
        c.part(b'k', std::iter::once(vec![u8::from(self.ranked)]));
        let digest = sha2::Sha256::digest(&c.0);
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        out
    }
}

/// The version of `UserQuery::fingerprint`'s encoding.
const FINGERPRINT_VERSION: &[u8] = b"roster-user-query-v1";

/// Parts of a fingerprint: a tag, a count, then each item length-prefixed,
/// so no two different queries encode alike.
struct Canonical(Vec<u8>);

impl Canonical {
    fn part(&mut self, tag: u8, items: impl Iterator<Item = Vec<u8>>) {
        let items: Vec<Vec<u8>> = items.collect();
        self.0.push(tag);
        self.0.extend_from_slice(&(items.len() as u32).to_le_bytes());
        for item in items {
            self.0.extend_from_slice(&(item.len() as u32).to_le_bytes());
            self.0.extend_from_slice(&item);
        }
    }
}

/// One page of results from a backend: up to `limit` users in order, and
/// whether more lie beyond them in the direction of travel.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub has_more: bool,
    pub total: u64,
    /// False when `total` is a lower bound: counting exactly would have
    /// cost more than the page.
    pub total_exact: bool,
    /// Set when the backend stopped at its scan budget before the page was
    /// full: the next page (in the direction of travel) continues from
    /// here, past the last user it looked at, rather than from the last
    /// user it returned.
    pub resume: Option<Position>,
}
