-- Up Migration
-- LockGranted v2 carries the import's request, so the fetcher no longer keeps its own copy of every ImportRequested.
DROP TABLE fetcher.requests;

-- Down Migration
CREATE TABLE fetcher.requests (
  import_id   uuid        PRIMARY KEY,
  customer_id text        NOT NULL,
  event       jsonb       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
