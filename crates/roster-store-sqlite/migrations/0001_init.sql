-- Roster schema, version 1.
--
-- Ids are stored as their 16 ULID bytes (they sort like the text form) and
-- zones are referenced by their integer rowid inside this database: both keep
-- the many user indexes small. Timestamps are integer microseconds (UTC).
-- Case-insensitive rules use SQLite's lower(), which folds ASCII only; the
-- domain defines case-insensitivity the same way.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE organizations (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    identifier TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE zones (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    org_id     BLOB NOT NULL REFERENCES organizations (id),
    identifier TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX zones_identifier ON zones (org_id, identifier);

CREATE TABLE api_keys (
    seq          INTEGER PRIMARY KEY,
    id           BLOB NOT NULL UNIQUE,
    org_id       BLOB NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    secret_hash  BLOB NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,          -- space-separated, as granted
    zones        TEXT,                   -- JSON array of zone ids; NULL = every zone
    default_zone BLOB,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

-- seq is the rowid: assigned in insertion order, it also names the user's
-- row in the search index.
CREATE TABLE users (
    seq              INTEGER PRIMARY KEY,
    id               BLOB NOT NULL UNIQUE,
    zone             INTEGER NOT NULL REFERENCES zones (seq),
    identifier       TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_verified   INTEGER NOT NULL,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    user_type        TEXT NOT NULL,
    status           TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    issuer           TEXT,
    provider_id      TEXT,
    subject          TEXT,
    authenticated_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    version          INTEGER NOT NULL
);

-- Uniqueness per zone, case-insensitive.
CREATE UNIQUE INDEX users_email ON users (zone, lower(email));
CREATE UNIQUE INDEX users_identifier ON users (zone, lower(identifier));
CREATE UNIQUE INDEX users_subject ON users (zone, issuer, subject)
    WHERE issuer IS NOT NULL AND subject IS NOT NULL;

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

-- Exact totals without scans: kept in the same transaction as every write.
CREATE TABLE user_counts (
    zone   INTEGER NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (zone, status)
) WITHOUT ROWID;

-- Substring search: trigrams of id, email, name, identifier and description,
-- one document per user keyed by users.seq. Contentless (the text lives in
-- users) and without positions: matches are re-checked exactly against the
-- row, so the index only has to narrow the candidates.
CREATE VIRTUAL TABLE users_search USING fts5 (
    doc,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'trigram'
);

CREATE TABLE idempotency (
    api_key_id   BLOB NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    location     TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);
