-- Webhook endpoints of an organization, with where each stands in the
-- feed: the position of the last event it was sent (or skipped), the
-- failed attempts in a row at the next one, when to look again, and the
-- lease of the node delivering to it.
CREATE TABLE webhook_endpoints (
    seq                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                         uuid NOT NULL UNIQUE,
    org_id                     uuid NOT NULL REFERENCES organizations (id),
    url                        text NOT NULL,
    event_types                text NOT NULL,  -- a JSON array
    zones                      text,           -- a JSON array of zone ids, or NULL
    enabled                    boolean NOT NULL,
    description                text,
    secret                     text NOT NULL,
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    metadata                   boolean NOT NULL,
    disabled_reason            text,
    created_by                 text NOT NULL,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    cursor_tx                  bigint,
    cursor_seq                 bigint,
    failures                   integer NOT NULL DEFAULT 0,
    next_attempt_at            timestamptz NOT NULL,
    lease_token                bigint,
    lease_until                timestamptz
);

CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);
CREATE INDEX webhook_endpoints_due ON webhook_endpoints (next_attempt_at) WHERE enabled;

-- Every attempt, for `GET /v1/webhook-endpoints/{id}/deliveries`.
CREATE TABLE webhook_deliveries (
    id           uuid PRIMARY KEY,
    endpoint_seq bigint NOT NULL REFERENCES webhook_endpoints (seq) ON DELETE CASCADE,
    event_id     uuid NOT NULL,
    event_type   text NOT NULL,
    event_tx     bigint NOT NULL,
    event_seq    bigint NOT NULL,
    attempt      integer NOT NULL,
    status_code  integer,
    error        text,
    duration_ms  bigint NOT NULL,
    succeeded    boolean NOT NULL,
    manual       boolean NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_seq, id);
