-- Up Migration
-- The data calendar: what Reportline knows per (customer id, report type, KST date), shared by every connection of
-- the customer id. `stored_*` is the last good generation (a file, or a NONE NAVER confirmed), kept when a later
-- answer was only "not ready" or "restated". A row is written after its file is committed, so no entry lacks its file.
CREATE TABLE fetcher.calendar (
  customer_id    text        NOT NULL,
  report_type    text        NOT NULL,
  stat_date      date        NOT NULL,
  state          text        NOT NULL CHECK (state IN ('fetched', 'none', 'pending', 'changed', 'failed')),
  checked_at     timestamptz NOT NULL,
  reason         text,
  stored_outcome text        CHECK (stored_outcome IN ('built', 'none')),
  generated_at   timestamptz,
  file           jsonb,
  row_count      int,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, report_type, stat_date),
  CHECK ((stored_outcome IS NULL) = (generated_at IS NULL)),
  CHECK (stored_outcome IS DISTINCT FROM 'built' OR file IS NOT NULL),
  CHECK (state NOT IN ('fetched', 'none') OR stored_outcome IS NOT NULL)
);

-- Every generation ever stored for a date (the calendar points at the newest): restatements stay traceable.
CREATE TABLE fetcher.report_generations (
  customer_id  text        NOT NULL,
  report_type  text        NOT NULL,
  stat_date    date        NOT NULL,
  generated_at timestamptz NOT NULL,
  outcome      text        NOT NULL CHECK (outcome IN ('built', 'none')),
  file         jsonb,
  row_count    int         NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, report_type, stat_date, generated_at)
);

-- Credentials NAVER accepted for a customer id (a keyed hash, never the key or secret): stored data is served only
-- to these.
CREATE TABLE fetcher.verified_credentials (
  customer_id text        NOT NULL,
  fingerprint text        NOT NULL,
  verified_at timestamptz NOT NULL,
  PRIMARY KEY (customer_id, fingerprint)
);

-- Down Migration
DROP TABLE fetcher.verified_credentials;
DROP TABLE fetcher.report_generations;
DROP TABLE fetcher.calendar;
