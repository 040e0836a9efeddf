-- Up Migration
-- The history each import asked for (ImportRequested v2 `historyDays`), kept until its rows arrive: the writer keeps
-- that many days in the tab. An ImportRequested v1 is kept too, with none (the writer's default), so "not read yet"
-- differs from "none asked".
CREATE TABLE sheets.import_history (
  import_id    uuid        PRIMARY KEY,
  history_days integer     CHECK (history_days > 0),
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_history_by_age ON sheets.import_history (recorded_at);

-- Down Migration
DROP TABLE sheets.import_history;
