-- Roster schema (PostgreSQL), version 5: whole-description matches by index.
--
-- A search ranks users whose field equals the term first (rank level 0).
-- Email, identifier and name answer that equality from their b-tree
-- indexes and the id from the primary key; the description had only the
-- trigram index, which gathers every candidate of a common word before it
-- can stop (hundreds of milliseconds at ten million users). Descriptions
-- may be longer than a b-tree entry allows, so the index holds their
-- digest; the query re-checks the text itself.

CREATE INDEX users_description ON users (zone, md5(lower(description)))
    WHERE description IS NOT NULL;
