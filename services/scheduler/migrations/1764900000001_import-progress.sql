-- Up Migration
-- The stall sweep judges imports by work done, not by any event: `progress_at` is the time of the import's last work
-- step (domain/stall.ts), kept by the projection. `overdue_at` marks an import the sweep already ended, so the next
-- sweep does not end it again before the projection folds its ImportFailed in.
ALTER TABLE scheduler.imports ADD COLUMN progress_at timestamptz, ADD COLUMN overdue_at timestamptz;
UPDATE scheduler.imports SET progress_at = requested_at;
CREATE INDEX imports_open ON scheduler.imports (requested_at)
  WHERE status NOT IN ('completed', 'failed') AND overdue_at IS NULL;

-- Down Migration
DROP INDEX scheduler.imports_open;
ALTER TABLE scheduler.imports DROP COLUMN overdue_at, DROP COLUMN progress_at;
