-- Up Migration
-- One row per connection and KST run day of the daily schedule. The primary key is what keeps several scheduler
-- instances from running one day twice: only the instance whose insert wins starts the run, and the run's imports
-- carry idempotency keys (scheduled:<run_day>, pending:<run_day>:<n>) so a crash between the two never makes two.
-- `import_id` is the scheduled import; `retry_import_ids` the re-requests of its pending dates, in order (`retries`
-- of them). `missing` holds the pending dates a run ended without, `outcome` how it ended.
CREATE TABLE scheduler.scheduled_runs (
  connection_id    uuid        NOT NULL REFERENCES scheduler.connections (id),
  run_day          date        NOT NULL,
  created_at       timestamptz NOT NULL,
  import_id        uuid,
  retries          int         NOT NULL DEFAULT 0,
  retry_import_ids uuid[]      NOT NULL DEFAULT '{}',
  last_retry_at    timestamptz,
  outcome          text        CHECK (outcome IN ('complete', 'missing', 'failed', 'stopped')),
  missing          jsonb,
  ended_at         timestamptz,
  PRIMARY KEY (connection_id, run_day)
);
CREATE INDEX scheduled_runs_open ON scheduler.scheduled_runs (created_at) WHERE ended_at IS NULL;

-- Down Migration
DROP TABLE scheduler.scheduled_runs;
