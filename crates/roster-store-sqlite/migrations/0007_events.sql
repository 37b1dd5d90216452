-- The change feed (a transactional outbox): one row per change, written in
-- the transaction of the change, so neither commits without the other.
-- `pos` is the feed's order: the single writer makes it commit order, and
-- AUTOINCREMENT never hands out a position again after retention deletes
-- the oldest rows (a reused position would replay as new).
CREATE TABLE events (
    pos            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             BLOB NOT NULL,
    org_id         BLOB NOT NULL,
    -- The zone's id, not its rowid: events outlive a deleted zone.
    zone_id        BLOB NOT NULL,
    type           TEXT NOT NULL,
    occurred_at    INTEGER NOT NULL,
    actor_type     TEXT NOT NULL,
    actor_id       TEXT,
    -- The domain's snapshot of the object (roster_domain::events::Snapshot).
    object         TEXT NOT NULL,
    -- A JSON array of field names, for updates.
    changed_fields TEXT
);

CREATE INDEX events_org ON events (org_id, pos);
