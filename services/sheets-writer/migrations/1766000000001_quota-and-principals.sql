-- Up Migration
-- Google's per-minute quotas shared by every writer process: one row per bucket (a principal's, a Cloud project's),
-- holding the bucket's next free slot in epoch milliseconds of the database clock (quota-rules.ts).
CREATE TABLE sheets.quota_buckets (
  key    text             PRIMARY KEY,
  tat_ms double precision NOT NULL
);

-- Which Google principal (service account) writes for each connection: the email the user shares the spreadsheet
-- with. Bound once, at the connection's first preflight or write, and never moved (a move would need a new share).
CREATE TABLE sheets.connection_principals (
  connection_id   uuid        PRIMARY KEY,
  principal_email text        NOT NULL,
  bound_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connection_principals_by_principal ON sheets.connection_principals (principal_email);

-- Down Migration
DROP TABLE sheets.connection_principals;
DROP TABLE sheets.quota_buckets;
