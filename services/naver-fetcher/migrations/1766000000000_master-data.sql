-- Up Migration
-- The names behind NAVER's ids, per customer id, kept up to date from master reports for the processor to join.
-- Deleted entities stay (with the name they had when deleted): old report days still name them. kind and id sort in
-- "C" order so the snapshot's key-ordered pages are stable whatever the database's locale.
CREATE TABLE fetcher.master_entities (
  customer_id   text        NOT NULL,
  kind          text        COLLATE "C" NOT NULL CHECK (kind IN ('campaign', 'adgroup', 'keyword', 'ad', 'business-channel')),
  id            text        COLLATE "C" NOT NULL,
  name          text        NOT NULL,
  parent_id     text,
  campaign_type int,
  state         text        CHECK (state IN ('ON', 'OFF')),
  deleted_at    timestamptz,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (customer_id, kind, id)
);

-- Per item, the instant the last successful fetch asked as of: the next fetch asks for the delta since then.
CREATE TABLE fetcher.master_fetches (
  customer_id text        NOT NULL,
  item        text        NOT NULL,
  from_time   timestamptz NOT NULL,
  fetched_at  timestamptz NOT NULL,
  PRIMARY KEY (customer_id, item)
);

-- Every master job we created (NAVER caps a customer id at 100 and never evicts), so we delete only our own, and a
-- job a lease could not wait for (builds take ~10 minutes) or left by a crash is adopted or deleted by the next lease.
CREATE TABLE fetcher.master_jobs (
  customer_id text        NOT NULL,
  id          text        NOT NULL,
  item        text        NOT NULL,
  from_time   timestamptz,
  created_at  timestamptz NOT NULL,
  deleted_at  timestamptz,
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX master_jobs_open ON fetcher.master_jobs (customer_id, item) WHERE deleted_at IS NULL;

-- Down Migration
DROP TABLE fetcher.master_jobs;
DROP TABLE fetcher.master_fetches;
DROP TABLE fetcher.master_entities;
