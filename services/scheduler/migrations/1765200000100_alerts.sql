-- Up Migration
-- A tenant's alert webhook. Its URL (a Slack URL is itself a credential) and signing secret live encrypted in
-- platform.secrets under 'alert-webhook:<tenant id>'; this row keeps only what may be shown and logged.
CREATE TABLE scheduler.alert_webhooks (
  tenant_id  uuid        PRIMARY KEY REFERENCES scheduler.tenants (id),
  id         uuid        NOT NULL UNIQUE,
  -- Scheme, host and path: never the query, which may carry a token.
  url_shown  text        NOT NULL,
  format     text        NOT NULL CHECK (format IN ('json', 'slack')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per alert (a tenant has at most one webhook): the outbox of the delivery loop and the log tenants read.
-- `payload` is the alert as the JSON format sends it; the Slack form is built from it when sent.
CREATE TABLE scheduler.alert_deliveries (
  id               uuid        PRIMARY KEY,
  tenant_id        uuid        NOT NULL REFERENCES scheduler.tenants (id),
  webhook_id       uuid        REFERENCES scheduler.alert_webhooks (id) ON DELETE SET NULL,
  kind             text        NOT NULL,
  dedupe_key       text        NOT NULL,
  payload          jsonb       NOT NULL,
  status           text        NOT NULL CHECK (status IN ('queued', 'delivered', 'failed', 'no-webhook')),
  -- Counted when an attempt is claimed, so a process dying mid-send still uses up an attempt: nothing retries forever.
  attempts         integer     NOT NULL DEFAULT 0,
  -- While queued: when the next attempt is due; during an attempt, when its claim lapses (another instance may retry).
  next_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz,
  UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX alert_deliveries_due ON scheduler.alert_deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX alert_deliveries_by_tenant ON scheduler.alert_deliveries (tenant_id, created_at DESC, id DESC);

-- Down Migration
DROP TABLE scheduler.alert_deliveries;
DROP TABLE scheduler.alert_webhooks;
DELETE FROM platform.secrets WHERE ref LIKE 'alert-webhook:%';
