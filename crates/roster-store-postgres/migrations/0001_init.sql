-- Roster schema for PostgreSQL, version 1.
--
-- Ids are `uuid` holding the 16 ULID bytes: uuid compares bytewise, so the
-- order is the ULID's (creation) order, and it is half the size of the text
-- form. Users reference their zone by a bigint surrogate key to keep the many
-- user indexes small. Timestamps are timestamptz (microsecond resolution,
-- exactly the domain's).
--
-- Every text column that is compared, sorted or folded is COLLATE "C": sorts
-- and uniqueness then follow raw bytes, and lower() folds ASCII only, so the
-- answers agree byte for byte with the SQLite backend and with the domain's
-- rules whatever the database's default collation is.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The text form of a user id (`user_` + 26 Crockford base32 characters),
-- lower-cased as search compares it. 128 bits padded to 130 make 26 groups
-- of five.
CREATE FUNCTION roster_user_id_text(id uuid) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT 'user_' || string_agg(
        substr('0123456789abcdefghjkmnpqrstvwxyz',
               substring(bits FROM i * 5 + 1 FOR 5)::integer + 1, 1),
        '' ORDER BY i)
    FROM (SELECT B'00' || ('x' || encode(uuid_send(id), 'hex'))::bit(128) AS bits) AS b,
         generate_series(0, 25) AS i
$$;

CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE organizations (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL CONSTRAINT organizations_id UNIQUE,
    identifier text COLLATE "C" NOT NULL CONSTRAINT organizations_identifier UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE zones (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL CONSTRAINT zones_id UNIQUE,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    identifier text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT zones_identifier UNIQUE (org_id, identifier)
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id),
    name         text COLLATE "C" NOT NULL,
    secret_hash  bytea NOT NULL CONSTRAINT api_keys_secret_hash UNIQUE,
    scopes       text[] NOT NULL,        -- as granted, canonical order
    zones        uuid[],                 -- NULL: every zone of the organization
    default_zone uuid,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE users (
    id               uuid NOT NULL,
    zone             bigint NOT NULL CONSTRAINT users_zone_fkey REFERENCES zones (seq),
    identifier       text COLLATE "C" NOT NULL,
    email            text COLLATE "C" NOT NULL,
    email_verified   boolean NOT NULL,
    first_name       text COLLATE "C" NOT NULL,
    last_name        text COLLATE "C" NOT NULL,
    name             text COLLATE "C" NOT NULL,
    description      text COLLATE "C",
    user_type        text COLLATE "C" NOT NULL,
    status           text COLLATE "C" NOT NULL,
    -- json, not jsonb: it keeps the object exactly as written (key order
    -- included), as SQLite does; filters go through the jsonb index below.
    attributes       json NOT NULL,
    issuer           text COLLATE "C",
    provider_id      text COLLATE "C",
    subject          text COLLATE "C",
    authenticated_at timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    created_by       text COLLATE "C" NOT NULL,
    updated_by       text COLLATE "C" NOT NULL,
    version          bigint NOT NULL,
    -- The id as search matches it, computed once per row rather than on
    -- every candidate a search re-checks.
    search_id        text COLLATE "C" NOT NULL
        GENERATED ALWAYS AS (roster_user_id_text(id)) STORED
);

-- Uniqueness per zone, case-insensitive (ASCII folding, as everywhere).
-- PostgreSQL checks unique indexes in creation (OID) order and reports the
-- first one broken; this order (subject, identifier, email, then the id) is
-- the one the SQLite backend reports when a write breaks several rules at
-- once, hence the primary key added last.
CREATE UNIQUE INDEX users_subject ON users (zone, issuer, subject)
    WHERE issuer IS NOT NULL AND subject IS NOT NULL;
CREATE UNIQUE INDEX users_identifier ON users (zone, lower(identifier));
CREATE UNIQUE INDEX users_email ON users (zone, lower(email));
ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id);

-- One index per sort order (the unique indexes above serve email and
-- identifier: the folded value alone is already unique in a zone).
CREATE INDEX users_created ON users (zone, created_at, id);
CREATE INDEX users_updated ON users (zone, updated_at, id);
CREATE INDEX users_name ON users (zone, lower(name), name, id);
CREATE INDEX users_first_name ON users (zone, lower(first_name), first_name, id);
CREATE INDEX users_last_name ON users (zone, lower(last_name), last_name, id);
-- Status and type are mostly filters over the default order.
CREATE INDEX users_status ON users (zone, status, created_at, id);
CREATE INDEX users_user_type ON users (zone, user_type, created_at, id);
CREATE INDEX users_provider ON users (zone, provider_id) WHERE provider_id IS NOT NULL;

-- `attributes.<key>=value` filters as `attributes::jsonb @> {key: value}`:
-- jsonb compares numbers by value (3 = 3.0) and never equates a string,
-- number or boolean with another type, which is the domain's rule.
CREATE INDEX users_attributes ON users USING gin ((attributes::jsonb) jsonb_path_ops);

-- Substring search: trigrams of the folded searchable fields. The index only
-- narrows candidates (LIKE on this exact expression); every match is
-- re-checked field by field, so the separator never joins two fields into a
-- false match. Queries must repeat this expression verbatim to use it.
CREATE INDEX users_search ON users USING gin ((
    search_id || ' ' || lower(email) || ' ' || lower(name) || ' ' ||
    lower(identifier) || ' ' || lower(coalesce(description, ''))
) gin_trgm_ops);

-- Exact totals without scans, kept in the same transaction as every write.
-- Each connection adds to its own shard (backend pid modulo 16), so
-- concurrent writes to one zone do not queue on a single counter row.
CREATE TABLE user_counts (
    zone   bigint NOT NULL,
    status text COLLATE "C" NOT NULL,
    shard  smallint NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (zone, status, shard)
);

CREATE TABLE idempotency (
    api_key_id   uuid NOT NULL,
    key          text COLLATE "C" NOT NULL,
    request_hash bytea NOT NULL,
    status       integer NOT NULL,
    body         bytea NOT NULL,
    location     text,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);
