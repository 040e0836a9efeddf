-- Up Migration
-- The layout each import asked for (ImportRequested v2), kept until its reports arrive: the processor builds the rows
-- in it. An ImportRequested v1 is kept too, with no layout (the default), so "not seen yet" differs from "none asked".
CREATE TABLE processor.import_layouts (
  import_id   uuid        PRIMARY KEY,
  layout      jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_layouts_by_age ON processor.import_layouts (recorded_at);

-- Down Migration
DROP TABLE processor.import_layouts;
