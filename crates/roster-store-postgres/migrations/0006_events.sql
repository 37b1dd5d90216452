-- The change feed (a transactional outbox): one row per change, written in
-- the transaction of the change, so neither commits without the other.
--
-- Order: `seq` is taken when the row is inserted, not when it commits, so
-- two writers can commit out of `seq` order and a reader paging by `seq`
-- alone would skip the later-committing one for good. Each row therefore
-- records its transaction's id (`tx`), and readers take only rows below
-- the oldest transaction still running (`pg_snapshot_xmin`): every
-- transaction that can still add a row lies at or above it, so the part of
-- the feed a reader sees never grows in the middle. Within a transaction,
-- `seq` orders its events. A long transaction holds the feed back until it
-- ends; nothing is ever skipped.
CREATE TABLE events (
    tx             xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    id             uuid NOT NULL,
    org_id         uuid NOT NULL,
    -- The zone's id, not its key: events outlive a deleted zone.
    zone_id        uuid NOT NULL,
    type           text COLLATE "C" NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor_type     text COLLATE "C" NOT NULL,
    actor_id       text COLLATE "C",
    -- The domain's snapshot of the object (roster_domain::events::Snapshot).
    object         text NOT NULL,
    -- A JSON array of field names, for updates.
    changed_fields text,
    PRIMARY KEY (tx, seq)
);

CREATE INDEX events_org ON events (org_id, tx, seq);
