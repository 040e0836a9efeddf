-- Up Migration
-- RowsProcessed v2 carries the import's target, so the writer no longer keeps its own copy from ImportRequested.
DROP TABLE sheets.targets;

-- Down Migration
CREATE TABLE sheets.targets (
  import_id      uuid        PRIMARY KEY,
  customer_id    text        NOT NULL,
  spreadsheet_id text        NOT NULL,
  sheet_name     text        NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
