-- Up Migration
-- What the writer's last commit left in each spreadsheet (its tabs and where each connection's rows are), so the next
-- write reads the tab and `_reportline` in one request (src/sheets/layout-memory.ts). Deleted before any write of the
-- writer goes out; a missing row only costs the next write the read that lists every tab.
CREATE TABLE sheets.spreadsheet_layouts (
  spreadsheet_id text        PRIMARY KEY,
  layout         jsonb       NOT NULL,
  remembered_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE sheets.spreadsheet_layouts;
