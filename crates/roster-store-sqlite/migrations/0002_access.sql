-- Roster schema, version 2: roles, role assignments, sessions, delegated
-- grants and identity providers, all inside a zone.
--
-- Children of a user or a role reference its rowid with ON DELETE CASCADE,
-- so deleting a user removes its assignments, sessions and grants, and
-- deleting a role removes its assignments, in the same statement.

CREATE TABLE roles (
    seq         INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE,
    zone        INTEGER NOT NULL REFERENCES zones (seq),
    identifier  TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- Role identifiers are opaque: unique per zone as given (case-sensitive).
CREATE UNIQUE INDEX roles_identifier ON roles (zone, identifier);
CREATE INDEX roles_zone ON roles (zone, id);

CREATE TABLE role_assignments (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    user_seq   INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    role_seq   INTEGER NOT NULL REFERENCES roles (seq) ON DELETE CASCADE,
    -- '' for an unscoped assignment, so uniqueness treats it as a value.
    scope_type TEXT NOT NULL,
    scope_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX role_assignments_unique
    ON role_assignments (user_seq, role_seq, scope_type, scope_id);
CREATE INDEX role_assignments_user ON role_assignments (user_seq, id);
CREATE INDEX role_assignments_role ON role_assignments (role_seq, user_seq);

CREATE TABLE providers (
    seq                   INTEGER PRIMARY KEY,
    id                    BLOB NOT NULL UNIQUE,
    zone                  INTEGER NOT NULL REFERENCES zones (seq),
    identifier            TEXT NOT NULL,
    issuer                TEXT NOT NULL,
    user_identifier_claim TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE UNIQUE INDEX providers_identifier ON providers (zone, identifier);
CREATE INDEX providers_zone ON providers (zone, id);

CREATE TABLE sessions (
    seq         INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE,
    user_seq    INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    provider_id TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_by  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_seq, id);

CREATE TABLE grants (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    user_seq   INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    resource   TEXT NOT NULL,
    scopes     TEXT NOT NULL,           -- JSON array of strings
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    created_by TEXT NOT NULL
);
CREATE INDEX grants_user ON grants (user_seq, id);
