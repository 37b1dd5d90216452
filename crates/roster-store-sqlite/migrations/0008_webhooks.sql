-- Webhook endpoints of an organization, with where each stands in the
-- feed: the position of the last event it was sent (or skipped), the
-- failed attempts in a row at the next one, when to look again, and the
-- lease of the node delivering to it.
CREATE TABLE webhook_endpoints (
    seq                        INTEGER PRIMARY KEY,
    id                         BLOB NOT NULL UNIQUE,
    org_id                     BLOB NOT NULL REFERENCES organizations (id),
    url                        TEXT NOT NULL,
    event_types                TEXT NOT NULL,  -- a JSON array
    zones                      TEXT,           -- a JSON array of zone ids, or NULL
    enabled                    INTEGER NOT NULL,
    description                TEXT,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    metadata                   INTEGER NOT NULL,
    disabled_reason            TEXT,
    created_by                 TEXT NOT NULL,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    cursor                     INTEGER,
    failures                   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at            INTEGER NOT NULL,
    lease_token                INTEGER,
    lease_until                INTEGER
);

CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);
CREATE INDEX webhook_endpoints_due ON webhook_endpoints (next_attempt_at) WHERE enabled = 1;

-- Every attempt, for `GET /v1/webhook-endpoints/{id}/deliveries`.
CREATE TABLE webhook_deliveries (
    seq          INTEGER PRIMARY KEY,
    id           BLOB NOT NULL UNIQUE,
    endpoint_seq INTEGER NOT NULL REFERENCES webhook_endpoints (seq) ON DELETE CASCADE,
    event_id     BLOB NOT NULL,
    event_type   TEXT NOT NULL,
    event_pos    INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL,
    succeeded    INTEGER NOT NULL,
    manual       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_seq, id);
