-- Up Migration
CREATE TABLE scheduler.connections (
  id             uuid        PRIMARY KEY,
  customer_id    text        NOT NULL,
  report_types   text[]      NOT NULL,
  history_days   int         NOT NULL,
  spreadsheet_id text        NOT NULL,
  sheet_name     text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- The import read model: `view` is the fold of the import's events (domain/import-view.ts), never inferred from
-- side fields. `events` keeps every event once, for the timeline and to rebuild the view.
CREATE TABLE scheduler.imports (
  import_id       uuid        PRIMARY KEY,
  connection_id   uuid        NOT NULL REFERENCES scheduler.connections (id),
  customer_id     text        NOT NULL,
  idempotency_key text,
  status          text        NOT NULL,
  view            jsonb       NOT NULL,
  requested_at    timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_by_connection ON scheduler.imports (connection_id, requested_at DESC);
-- Idempotency keys are the caller's, so they are only unique per connection.
CREATE UNIQUE INDEX imports_idempotency ON scheduler.imports (connection_id, idempotency_key);
CREATE INDEX imports_by_status ON scheduler.imports (status) WHERE status NOT IN ('completed', 'failed');

CREATE TABLE scheduler.import_events (
  event_id  uuid        PRIMARY KEY,
  import_id uuid        NOT NULL,
  type      text        NOT NULL,
  time      timestamptz NOT NULL,
  event     jsonb       NOT NULL
);
CREATE INDEX import_events_by_import ON scheduler.import_events (import_id, time);

-- Down Migration
DROP TABLE scheduler.import_events;
DROP TABLE scheduler.imports;
DROP TABLE scheduler.connections;
