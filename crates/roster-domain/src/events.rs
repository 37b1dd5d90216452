//! Change events: what every write records in its own transaction (the
//! transactional outbox), and what `GET /v1/events` and webhooks deliver.
//! This module holds the envelope: the kinds of change, who made it, and
//! the `type` filter readers use. See docs/design/events.md.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::{Grant, Provider, Role, RoleAssignment, Session};
use crate::ids::Ulid;
use crate::{EventId, OrgId, Timestamp, User, UserId, Zone, ZoneId, ZoneScope};

macro_rules! event_types {
    ($($variant:ident = $spelling:literal),* $(,)?) => {
        /// A kind of change, as spelled in an event's `type`:
        /// `<resource>.<what happened>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant),* }

        impl EventType {
            pub const ALL: &[EventType] = &[$(EventType::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $spelling),* }
            }
        }
    };
}

event_types! {
    UserCreated = "user.created",
    UserUpdated = "user.updated",
    UserDeleted = "user.deleted",
    UserSignedIn = "user.signed_in",
    RoleCreated = "role.created",
    RoleUpdated = "role.updated",
    RoleDeleted = "role.deleted",
    RoleAssignmentCreated = "role_assignment.created",
    RoleAssignmentDeleted = "role_assignment.deleted",
    SessionCreated = "session.created",
    SessionRevoked = "session.revoked",
    GrantCreated = "grant.created",
    GrantRevoked = "grant.revoked",
    ProviderCreated = "provider.created",
    ProviderUpdated = "provider.updated",
    ProviderDeleted = "provider.deleted",
    ZoneCreated = "zone.created",
    ZoneUpdated = "zone.updated",
    ZoneDeleted = "zone.deleted",
}

impl EventType {
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == s)
    }

    /// The resource the type is about: `user` for `user.created`.
    pub fn resource(self) -> &'static str {
        let s = self.as_str();
        s.split_once('.').map_or(s, |(resource, _)| resource)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kinds of event a reader wants: exact types and whole resources
/// (`user.*`). Empty means every type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeFilter {
    types: Vec<EventType>,
}

/// An item of a `type` list that names no event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEventType(pub String);

impl TypeFilter {
    /// Reads a comma list of types and `<resource>.*` prefixes, naming the
    /// first item that matches no type.
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, UnknownEventType> {
        let mut types = Vec::new();
        for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
            let matched: Vec<EventType> = match item.strip_suffix(".*") {
                Some(resource) => {
                    EventType::ALL.iter().copied().filter(|t| t.resource() == resource).collect()
                }
                None => EventType::parse(item).into_iter().collect(),
            };
            if matched.is_empty() {
                return Err(UnknownEventType(item.to_owned()));
            }
            for t in matched {
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        Ok(Self { types })
    }

    pub fn matches(&self, t: EventType) -> bool {
        self.types.is_empty() || self.types.contains(&t)
    }

    /// The types it admits, or `None` for every type.
    pub fn types(&self) -> Option<&[EventType]> {
        (!self.types.is_empty()).then_some(self.types.as_slice())
    }
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A request authenticated by this API key (`key_…`).
    ApiKey(String),
    /// A user acting for itself (a sign-in).
    User(String),
    /// Roster itself (retention, migrations).
    System,
}

impl Actor {
    /// The `actor.type` spelling.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::ApiKey(_) => "api_key",
            Actor::User(_) => "user",
            Actor::System => "system",
        }
    }

    /// The `actor.id`, if the actor has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::ApiKey(id) | Actor::User(id) => Some(id),
            Actor::System => None,
        }
    }

    /// Reads the stored pair back.
    pub fn from_parts(kind: &str, id: Option<String>) -> Option<Self> {
        match (kind, id) {
            ("api_key", Some(id)) => Some(Actor::ApiKey(id)),
            ("user", Some(id)) => Some(Actor::User(id)),
            ("system", None) => Some(Actor::System),
            _ => None,
        }
    }
}

/// The object an event is about, as the domain records it in the change's
/// transaction; the API renders it with the same view as `GET` when the
/// event is read, under the reader's metadata rule. A stored format: see
/// the note on `User`.
// One snapshot per write, moved into the store once: a box for the
// smaller variants' sake would cost an allocation per write and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Snapshot {
    User(User),
    Role(Role),
    RoleAssignment(RoleAssignment),
    Session(Session),
    Grant(Grant),
    Provider(Provider),
    Zone(Zone),
}

macro_rules! snapshot_of {
    ($($variant:ident),*) => {
        $(impl From<$variant> for Snapshot {
            fn from(object: $variant) -> Self {
                Snapshot::$variant(object)
            }
        })*
    };
}

snapshot_of!(User, Role, RoleAssignment, Session, Grant, Provider, Zone);

impl Snapshot {
    /// The user the object belongs to: the user itself, or the user of a
    /// session, grant or role assignment. `None` for roles, providers and
    /// zones, which belong to no one user. The feed's `user_id` filter
    /// reads it from a column the store fills from this when it records the
    /// event; the store migrations backfill older rows from the same fields
    /// of the stored JSON (`id`, `user_id`), so the two must agree.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Snapshot::User(u) => Some(u.id),
            Snapshot::Session(s) => Some(s.user_id),
            Snapshot::Grant(g) => Some(g.user_id),
            Snapshot::RoleAssignment(a) => Some(a.user_id),
            Snapshot::Role(_) | Snapshot::Provider(_) | Snapshot::Zone(_) => None,
        }
    }
}

/// What the service decides about a write's event before the store runs
/// it: its id, its time and who is acting. The store builds the event
/// from it and the value the change produced, in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStamp {
    pub id: EventId,
    pub at: Timestamp,
    pub actor: Actor,
}

impl EventStamp {
    /// The event of a change in `scope`'s zone.
    pub fn event(
        &self,
        kind: EventType,
        scope: &ZoneScope,
        object: impl Into<Snapshot>,
    ) -> NewEvent {
        NewEvent {
            id: self.id,
            kind,
            occurred_at: self.at,
            organization_id: scope.org,
            zone: scope.zone,
            actor: self.actor.clone(),
            object: object.into(),
            changed_fields: None,
        }
    }

    /// The event of a user update, `None` when no field a reader sees
    /// moved.
    pub fn user_updated(&self, scope: &ZoneScope, before: &User, after: &User) -> Option<NewEvent> {
        let changed = after.changed_since(before);
        (!changed.is_empty()).then(|| {
            self.event(EventType::UserUpdated, scope, Snapshot::User(after.clone()))
                .changed(changed)
        })
    }

    /// A stamp for a second event of the same change (a sign-in records
    /// the user it made, the session and the sign-in): same time and
    /// actor, a fresh id of the same millisecond. The feed orders events
    /// by position, so ids need only be unique, which 80 random bits are.
    pub fn follow_up(&self) -> EventStamp {
        let ms = self.id.ulid().timestamp_ms();
        EventStamp {
            id: EventId::from_ulid(Ulid::from_parts(ms, rand::random::<u128>())),
            at: self.at,
            actor: self.actor.clone(),
        }
    }
}

/// The events of a sign-in, in order: the user it created (on a first
/// sign-in), the session, and the sign-in itself, whose actor is the user.
pub fn sign_in_events(
    stamp: &EventStamp,
    scope: &ZoneScope,
    user: &User,
    session: &Session,
    created: bool,
) -> Vec<NewEvent> {
    let mut events = Vec::with_capacity(3);
    let mut next = stamp.clone();
    if created {
        events.push(next.event(EventType::UserCreated, scope, Snapshot::User(user.clone())));
        next = next.follow_up();
    }
    events.push(next.event(EventType::SessionCreated, scope, Snapshot::Session(session.clone())));
    let mut signed_in = next.follow_up();
    signed_in.actor = Actor::User(user.id.to_string());
    events.push(signed_in.event(EventType::UserSignedIn, scope, Snapshot::User(user.clone())));
    events
}

/// An event to record with its change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: EventId,
    pub kind: EventType,
    pub occurred_at: Timestamp,
    pub organization_id: OrgId,
    /// The zone the change happened in; for `zone.*`, the zone itself.
    pub zone: ZoneId,
    pub actor: Actor,
    pub object: Snapshot,
    /// The fields an update changed (`user.updated`).
    pub changed_fields: Option<Vec<&'static str>>,
}

impl NewEvent {
    /// The user the event is about (see `Snapshot::user_id`).
    pub fn user_id(&self) -> Option<UserId> {
        self.object.user_id()
    }

    pub fn changed(mut self, fields: Vec<&'static str>) -> Self {
        self.changed_fields = Some(fields);
        self
    }
}

/// A recorded event, as the feed returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub kind: EventType,
    pub occurred_at: Timestamp,
    pub organization_id: OrgId,
    pub zone: ZoneId,
    pub actor: Actor,
    pub object: Snapshot,
    pub changed_fields: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Attributes, UserId, UserStatus, UserType};

    fn user() -> User {
        let at = Timestamp::parse_rfc3339("2026-12-07T10:00:00Z").unwrap();
        let ulid = crate::ids::Ulid::from_parts(1_700_000_000_000, 42);
        User {
            id: UserId::from_ulid(ulid),
            organization_id: OrgId::from_ulid(ulid),
            zone_id: ZoneId::from_ulid(ulid),
            identifier: "ada".into(),
            email: "ada@example.com".into(),
            email_verified: true,
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            name: "Ada Lovelace".into(),
            description: None,
            user_type: UserType::SaasAdmin,
            status: UserStatus::Risky,
            attributes: Attributes::from_stored(r#"{"tier": 1.50, "b": [true]}"#.into()),
            issuer: None,
            provider_id: Some("idp_x".into()),
            subject: None,
            authenticated_at: Some(at),
            created_at: at,
            updated_at: at,
            created_by: "key_a".into(),
            updated_by: "key_b".into(),
            version: 3,
            external_id: None,
        }
    }

    /// The snapshot is a stored format: events written by one version are
    /// read by the next for as long as retention keeps them. This pins it.
    #[test]
    fn a_user_snapshot_is_pinned_and_reads_back_whole() {
        let snapshot = Snapshot::User(user());
        let json = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"kind":"user","id":"user_01HF7YAT00000000000000001A","#,
                r#""organization_id":"org_01HF7YAT00000000000000001A","#,
                r#""zone_id":"zone_01HF7YAT00000000000000001A","identifier":"ada","#,
                r#""email":"ada@example.com","email_verified":true,"first_name":"Ada","#,
                r#""last_name":"Lovelace","name":"Ada Lovelace","description":null,"#,
                r#""user_type":"saas_admin","status":"risky","#,
                r#""attributes":"{\"tier\": 1.50, \"b\": [true]}","issuer":null,"#,
                r#""provider_id":"idp_x","subject":null,"#,
                r#""authenticated_at":"2026-12-07T10:00:00Z","#,
                r#""created_at":"2026-12-07T10:00:00Z","updated_at":"2026-12-07T10:00:00Z","#,
                r#""created_by":"key_a","updated_by":"key_b","version":3}"#
            )
        );
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snapshot);
        // Byte for byte: the attributes' text is not re-encoded.
        let Snapshot::User(u) = back else { panic!("a user snapshot reads back as a user") };
        assert_eq!(u.attributes.as_json(), r#"{"tier": 1.50, "b": [true]}"#);
        // A field added later is written only when set.
        let with = Snapshot::User(User { external_id: Some("00u1".into()), ..user() });
        let json = serde_json::to_string(&with).unwrap();
        assert!(json.ends_with(r#""version":3,"external_id":"00u1"}"#), "{json}");
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), with);
    }

    /// The migrations that added the events' user column filled it for
    /// older rows from the stored JSON: a user's `id`, else the object's
    /// `user_id`. What the store writes for new rows must be the same.
    #[test]
    fn the_user_an_event_is_about_is_the_one_its_stored_json_names() {
        use crate::access::{Grant, RoleAssignment, Session};
        use crate::{GrantId, RoleAssignmentId, RoleId, SessionId};
        let u = user();
        let at = u.created_at;
        let other = UserId::from_ulid(Ulid::from_parts(1_700_000_000_001, 7));
        let session = Session {
            id: SessionId::from_ulid(Ulid::from_parts(1, 1)),
            user_id: other,
            provider_id: None,
            created_at: at,
            expires_at: None,
            revoked_at: None,
            created_by: "key_a".into(),
        };
        let grant = Grant {
            id: GrantId::from_ulid(Ulid::from_parts(1, 2)),
            user_id: other,
            client_id: "app".into(),
            resource: "files".into(),
            scopes: vec!["read".into()],
            created_at: at,
            expires_at: None,
            revoked_at: None,
            created_by: "key_a".into(),
        };
        let assignment = RoleAssignment {
            id: RoleAssignmentId::from_ulid(Ulid::from_parts(1, 3)),
            user_id: other,
            role_id: RoleId::from_ulid(Ulid::from_parts(1, 4)),
            role_identifier: "admin".into(),
            scope: None,
            created_at: at,
            created_by: "key_a".into(),
        };
        let cases: [(Snapshot, &str, &str, UserId); 4] = [
            (Snapshot::User(u.clone()), "user", "id", u.id),
            (Snapshot::Session(session), "session", "user_id", other),
            (Snapshot::Grant(grant), "grant", "user_id", other),
            (Snapshot::RoleAssignment(assignment), "role_assignment", "user_id", other),
        ];
        for (snapshot, kind, field, expected) in cases {
            assert_eq!(snapshot.user_id(), Some(expected), "{kind}");
            let json: serde_json::Value = serde_json::to_value(&snapshot).unwrap();
            assert_eq!(json["kind"], kind);
            assert_eq!(json[field], expected.to_string(), "{kind}");
        }
    }

    #[test]
    fn changed_fields_name_every_writable_field_that_moved() {
        let before = user();
        let mut after = before.clone();
        assert!(after.changed_since(&before).is_empty());
        after.email = "lovelace@example.com".into();
        after.attributes = Attributes::from_stored(r#"{"b":[true],"tier":1.50}"#.into());
        after.version += 1;
        assert_eq!(after.changed_since(&before), vec!["email"], "same attributes, respaced");
        after.status = UserStatus::Active;
        after.authenticated_at = None;
        assert_eq!(after.changed_since(&before), vec!["email", "status", "authenticated_at"]);
    }

    #[test]
    fn each_writable_field_changed_alone_is_named_alone() {
        use serde_json::{Value, json};
        let before = user();
        for field in crate::user::WRITABLE_FIELDS {
            let mut v = serde_json::to_value(&before).unwrap();
            v[*field] = match (*field, &v[*field]) {
                ("email_verified", _) => json!(false),
                ("user_type", _) => json!("saas_user"),
                ("status", _) => json!("active"),
                ("attributes", _) => json!("{\"tier\":2}"),
                ("authenticated_at", _) => json!("2020-01-01T00:00:00Z"),
                (_, Value::String(s)) => json!(format!("{s}x")),
                _ => json!("x"),
            };
            let after: User = serde_json::from_value(v).unwrap();
            assert_eq!(after.changed_since(&before), vec![*field]);
        }
    }

    #[test]
    fn a_stamp_makes_the_event_of_its_change() {
        let stamp = EventStamp {
            id: EventId::from_ulid(crate::ids::Ulid::from_parts(1, 2)),
            at: Timestamp::parse_rfc3339("2026-12-07T10:00:00Z").unwrap(),
            actor: Actor::ApiKey("key_a".into()),
        };
        let u = user();
        let scope = ZoneScope { org: u.organization_id, zone: u.zone_id };
        let e = stamp
            .event(EventType::UserUpdated, &scope, Snapshot::User(u.clone()))
            .changed(vec!["email"]);
        assert_eq!((e.id, e.kind, e.occurred_at), (stamp.id, EventType::UserUpdated, stamp.at));
        assert_eq!(
            (e.organization_id, e.zone, e.actor, e.changed_fields),
            (u.organization_id, u.zone_id, stamp.actor.clone(), Some(vec!["email"]))
        );
        let next = stamp.follow_up();
        assert_ne!(next.id, stamp.id);
        assert_eq!((next.at, &next.actor), (stamp.at, &stamp.actor));
        assert_eq!(e.object, Snapshot::User(u));
    }

    #[test]
    fn every_type_reads_back_from_its_spelling() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            assert!(t.as_str().starts_with(t.resource()), "{t}");
        }
        assert_eq!(EventType::ALL.len(), 19);
    }

    #[test]
    fn a_resource_prefix_admits_that_resource_only() {
        let users = TypeFilter::parse(["user.*"]).unwrap();
        for t in EventType::ALL {
            assert_eq!(users.matches(*t), t.resource() == "user", "{t}");
        }
        // `role.*` is not a prefix of `role_assignment.created`.
        let roles = TypeFilter::parse(["role.*"]).unwrap();
        assert!(roles.matches(EventType::RoleDeleted));
        assert!(!roles.matches(EventType::RoleAssignmentCreated));
    }

    #[test]
    fn exact_types_and_prefixes_combine_without_repeats() {
        let f = TypeFilter::parse(["user.created", " zone.* ", "", "user.created"]).unwrap();
        assert_eq!(
            f.types(),
            Some(
                &[
                    EventType::UserCreated,
                    EventType::ZoneCreated,
                    EventType::ZoneUpdated,
                    EventType::ZoneDeleted
                ][..]
            )
        );
        assert!(TypeFilter::parse([]).unwrap().matches(EventType::GrantRevoked));
        assert_eq!(TypeFilter::parse(["", " "]).unwrap().types(), None);
    }

    #[test]
    fn an_unknown_type_or_prefix_is_named() {
        for bad in ["user.renamed", "users.*", "*", "user", ".*", "user.**"] {
            assert_eq!(
                TypeFilter::parse(["user.created", bad]),
                Err(UnknownEventType(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_actor_reads_back_from_its_stored_parts() {
        for actor in [Actor::ApiKey("key_1".into()), Actor::User("user_1".into()), Actor::System] {
            let back = Actor::from_parts(actor.kind(), actor.id().map(str::to_owned));
            assert_eq!(back, Some(actor));
        }
        assert_eq!(Actor::from_parts("system", Some("x".into())), None);
        assert_eq!(Actor::from_parts("robot", None), None);
    }
}
