-- Up Migration
-- One row per NAVER customer id: the whole lock state (holder, queue, last token) as the decider sees it.
-- next_deadline lets the expiry sweep find locks that need a tick without reading every row.
CREATE TABLE lock.customer_locks (
  customer_id   text        PRIMARY KEY,
  state         jsonb       NOT NULL,
  next_deadline timestamptz,
  version       bigint      NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_locks_deadline ON lock.customer_locks (next_deadline) WHERE next_deadline IS NOT NULL;

-- History of lease holds for the read model and the safety oracle.
CREATE TABLE lock.lease_history (
  customer_id text        NOT NULL,
  token       bigint      NOT NULL,
  import_id   uuid        NOT NULL,
  granted_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  ended_by    text,
  PRIMARY KEY (customer_id, token)
);

-- Down Migration
DROP TABLE lock.lease_history;
DROP TABLE lock.customer_locks;
