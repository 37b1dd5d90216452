-- Roster schema for PostgreSQL, version 2: roles, role assignments,
-- sessions, delegated grants and identity providers, all inside a zone.
--
-- Roles and providers belong to a zone by its surrogate key, as users do.
-- What hangs off a user or a role references it with ON DELETE CASCADE, so
-- deleting a user removes its assignments, sessions and grants, and deleting
-- a role its assignments, in the same statement. A session's provider is a
-- real reference that deleting the provider sets to NULL; a user's
-- `provider_id` stays the text the client gave (version 1), unlinked by the
-- provider's deletion itself.
--
-- Role and provider identifiers are opaque: unique per zone byte for byte
-- (COLLATE "C", no folding). Constraints are named: the backend maps
-- violations to errors by name.

CREATE TABLE roles (
    id          uuid PRIMARY KEY,
    zone        bigint NOT NULL CONSTRAINT roles_zone_fkey REFERENCES zones (seq),
    identifier  text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    description text COLLATE "C",
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT roles_identifier UNIQUE (zone, identifier)
);
CREATE INDEX roles_zone ON roles (zone, id);

CREATE TABLE role_assignments (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL
        CONSTRAINT role_assignments_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    role_id    uuid NOT NULL
        CONSTRAINT role_assignments_role_fkey REFERENCES roles (id) ON DELETE CASCADE,
    -- '' for an unscoped assignment, so uniqueness treats it as a value
    -- (as the SQLite backend does; NULLS NOT DISTINCT needs PostgreSQL 15).
    scope_type text COLLATE "C" NOT NULL,
    scope_id   text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    CONSTRAINT role_assignments_unique UNIQUE (user_id, role_id, scope_type, scope_id)
);
-- A user's assignments in id order (lists, expansions, the user's cascade).
CREATE INDEX role_assignments_user ON role_assignments (user_id, id);
-- A role's holders (the `role` filter, the role's cascade).
CREATE INDEX role_assignments_role ON role_assignments (role_id, user_id);

CREATE TABLE providers (
    id                    uuid PRIMARY KEY,
    zone                  bigint NOT NULL
        CONSTRAINT providers_zone_fkey REFERENCES zones (seq),
    identifier            text COLLATE "C" NOT NULL,
    issuer                text COLLATE "C" NOT NULL,
    user_identifier_claim text COLLATE "C",
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT providers_identifier UNIQUE (zone, identifier)
);
CREATE INDEX providers_zone ON providers (zone, id);

CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL
        CONSTRAINT sessions_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    provider_id uuid
        CONSTRAINT sessions_provider_fkey REFERENCES providers (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    created_by  text COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, id);
-- Deleting a provider finds its sessions without a scan.
CREATE INDEX sessions_provider ON sessions (provider_id) WHERE provider_id IS NOT NULL;

CREATE TABLE grants (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL
        CONSTRAINT grants_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    client_id  text COLLATE "C" NOT NULL,
    resource   text COLLATE "C" NOT NULL,
    scopes     text[] NOT NULL,         -- as given, in order
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_by text COLLATE "C" NOT NULL
);
CREATE INDEX grants_user ON grants (user_id, id);
