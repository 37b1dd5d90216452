-- A provisioning system's identifier for a user or a role (SCIM's User
-- and Group `externalId`).
-- Clients look users up by it (`externalId eq "…"`), so it is indexed;
-- it is not unique: its meaning belongs to the client that sets it.
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE INDEX users_external_id ON users (zone, external_id) WHERE external_id IS NOT NULL;
ALTER TABLE roles ADD COLUMN external_id TEXT;
