-- Up Migration
-- Where each import's rows go, as learnt from ImportRequested (RowsProcessed only names the import).
CREATE TABLE sheets.targets (
  import_id      uuid        PRIMARY KEY,
  customer_id    text        NOT NULL,
  spreadsheet_id text        NOT NULL,
  sheet_name     text        NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE sheets.targets;
