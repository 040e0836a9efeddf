-- Up Migration
-- Tenants own connections; every API call acts for one tenant, through a token of that tenant.
CREATE TABLE scheduler.tenants (
  id         uuid        PRIMARY KEY,
  name       text        NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored as the SHA-256 of the whole token (it carries 256 random bits, so no slow hash is needed): a
-- leaked table lets nobody call the API. `prefix` is the token's public part, to tell tokens apart in lists.
CREATE TABLE scheduler.api_tokens (
  id           uuid        PRIMARY KEY,
  tenant_id    uuid        NOT NULL REFERENCES scheduler.tenants (id),
  name         text        NOT NULL,
  scope        text        NOT NULL CHECK (scope IN ('admin', 'member', 'read-only')),
  -- The config's bootstrap token may also create tenants.
  operator     boolean     NOT NULL DEFAULT false,
  prefix       text        NOT NULL,
  hash         bytea       NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_by_tenant ON scheduler.api_tokens (tenant_id, created_at);

-- Connections made before tenants existed belong to one tenant, so nothing is orphaned.
INSERT INTO scheduler.tenants (id, name)
  SELECT '00000000-0000-4000-8000-000000000000', 'pre-tenant connections'
  WHERE EXISTS (SELECT 1 FROM scheduler.connections);

-- The connection's lifecycle: `status` is verifying (credentials being checked with NAVER; imports wait), healthy,
-- or unhealthy (the reason and what to do in health_*). `paused_at` stops its schedule; `deleted_at` ends it (rows
-- stay for the imports that point at them).
ALTER TABLE scheduler.connections
  ADD COLUMN tenant_id       uuid REFERENCES scheduler.tenants (id),
  ADD COLUMN name            text,
  ADD COLUMN status          text NOT NULL DEFAULT 'healthy' CHECK (status IN ('verifying', 'healthy', 'unhealthy')),
  ADD COLUMN health_code     text,
  ADD COLUMN health_message  text,
  ADD COLUMN health_action   text,
  ADD COLUMN health_at       timestamptz,
  ADD COLUMN check_id        uuid,
  ADD COLUMN schedule_time   text NOT NULL DEFAULT '06:30',
  ADD COLUMN paused_at       timestamptz,
  ADD COLUMN deleted_at      timestamptz,
  ADD COLUMN layout          jsonb,
  ADD COLUMN principal_email text,
  ADD COLUMN updated_at      timestamptz NOT NULL DEFAULT now();
UPDATE scheduler.connections SET tenant_id = '00000000-0000-4000-8000-000000000000';
ALTER TABLE scheduler.connections ALTER COLUMN tenant_id SET NOT NULL;
CREATE INDEX connections_by_tenant ON scheduler.connections (tenant_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX connections_by_customer ON scheduler.connections (customer_id) WHERE deleted_at IS NULL;

-- An import of a connection still verifying waits here: its ImportRequested is published when the check passes, or
-- the import ends failed with the check's reason.
ALTER TABLE scheduler.imports ADD COLUMN held jsonb;
CREATE INDEX imports_held ON scheduler.imports (connection_id) WHERE held IS NOT NULL;

-- Every credentials check asked of the naver-fetcher, and its answer: the check's own lease events (queued, granted,
-- released) are known by its id, and the history stays readable after the connection moved on.
CREATE TABLE scheduler.credential_checks (
  check_id      uuid        PRIMARY KEY,
  connection_id uuid        NOT NULL REFERENCES scheduler.connections (id),
  reason        text        NOT NULL,
  requested_at  timestamptz NOT NULL,
  answered_at   timestamptz,
  ok            boolean,
  code          text,
  message       text
);
CREATE INDEX credential_checks_by_connection ON scheduler.credential_checks (connection_id, requested_at DESC);

-- Down Migration
DROP TABLE scheduler.credential_checks;
DROP INDEX scheduler.imports_held;
ALTER TABLE scheduler.imports DROP COLUMN held;
DROP INDEX scheduler.connections_by_customer;
DROP INDEX scheduler.connections_by_tenant;
ALTER TABLE scheduler.connections
  DROP COLUMN tenant_id, DROP COLUMN name, DROP COLUMN status, DROP COLUMN health_code, DROP COLUMN health_message,
  DROP COLUMN health_action, DROP COLUMN health_at, DROP COLUMN check_id, DROP COLUMN schedule_time,
  DROP COLUMN paused_at, DROP COLUMN deleted_at, DROP COLUMN layout, DROP COLUMN principal_email, DROP COLUMN updated_at;
DROP TABLE scheduler.api_tokens;
DROP TABLE scheduler.tenants;
