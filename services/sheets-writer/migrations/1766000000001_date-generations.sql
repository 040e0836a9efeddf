-- Up Migration
-- The generation (the data's `generatedAt`) last written per date of a tab, so an older import never overwrites a
-- date a newer one already wrote. Tab names are kept lower-case: Sheets matches them case-insensitively.
CREATE TABLE sheets.date_generations (
  spreadsheet_id text        NOT NULL,
  sheet_name     text        NOT NULL,
  date           date        NOT NULL,
  generated_at   timestamptz NOT NULL,
  write_job_id   text        NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (spreadsheet_id, sheet_name, date)
);

-- Down Migration
DROP TABLE sheets.date_generations;
