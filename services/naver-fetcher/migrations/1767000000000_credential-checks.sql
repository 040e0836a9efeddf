-- Up Migration
-- Credentials checks the fetcher was asked for (CredentialsCheckRequested; `check_id` is the envelope's importId):
-- written when the check asks for its lease, answered once (`answered_at`), whichever comes first of NAVER's answer
-- under the lease and the lock-service ending its wait. A grant for an answered check is given back unused.
CREATE TABLE fetcher.credential_checks (
  check_id      uuid        PRIMARY KEY,
  customer_id   text        NOT NULL,
  connection_id uuid        NOT NULL,
  reason        text        NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  answered_at   timestamptz,
  ok            boolean,
  code          text,
  CHECK ((answered_at IS NULL) = (ok IS NULL))
);

-- Down Migration
DROP TABLE fetcher.credential_checks;
