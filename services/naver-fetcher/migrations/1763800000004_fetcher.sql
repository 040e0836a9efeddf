-- Up Migration
-- Import requests as the fetcher learnt them from ImportRequested (event-carried state: grants only name the import).
CREATE TABLE fetcher.requests (
  import_id   uuid        PRIMARY KEY,
  customer_id text        NOT NULL,
  event       jsonb       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- One row per lease the fetcher worked under; `outcome` set once the lease was released.
CREATE TABLE fetcher.fetches (
  import_id      uuid        NOT NULL,
  token          bigint      NOT NULL,
  customer_id    text        NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  outcome        text,
  naver_requests int,
  PRIMARY KEY (import_id, token)
);

-- Every stat-report job we created, so we delete only our own jobs and find leftovers after a crash.
CREATE TABLE fetcher.naver_jobs (
  customer_id   text        NOT NULL,
  report_job_id bigint      NOT NULL,
  import_id     uuid        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  PRIMARY KEY (customer_id, report_job_id)
);

-- Down Migration
DROP TABLE fetcher.naver_jobs;
DROP TABLE fetcher.fetches;
DROP TABLE fetcher.requests;
