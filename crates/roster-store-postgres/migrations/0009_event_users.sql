-- The user an event is about, for the feed's `user_id` filter: a user's
-- own events, and those of its sessions, grants and role assignments; NULL
-- for roles, providers and zones. Stored as the id's text, the form the
-- snapshot in `object` holds it in, so rows written before this migration
-- are filled here from their JSON alone (roster_domain::events::Snapshot::
-- user_id reads the same fields).
ALTER TABLE events ADD COLUMN user_id text COLLATE "C";

-- Rewrites the kept events once (retention bounds how many); `tx` keeps
-- the writing transaction's id, so the feed's order does not move.
UPDATE events SET user_id = CASE object::json ->> 'kind'
        WHEN 'user' THEN object::json ->> 'id'
        ELSE object::json ->> 'user_id'
    END
WHERE object::json ->> 'kind' IN ('user', 'session', 'grant', 'role_assignment');

-- One user's events in feed order, read without looking at anyone else's.
-- The zone rides along so a zone-limited reader's window is read from the
-- index alone. Partial: role, provider and zone events never match a user.
CREATE INDEX events_user ON events (org_id, user_id, tx, seq) INCLUDE (zone_id)
    WHERE user_id IS NOT NULL;
