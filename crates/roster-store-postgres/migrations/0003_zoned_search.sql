-- Search costs what the caller's zone holds: the trigram index leads with
-- the zone (btree_gin), so a term's candidates are read for one zone only
-- instead of for every zone of the database and filtered afterwards.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX users_zone_search ON users USING gin (zone, (
    search_id || ' ' || lower(email) || ' ' || lower(name) || ' ' ||
    lower(identifier) || ' ' || lower(coalesce(description, ''))
) gin_trgm_ops);

DROP INDEX users_search;
