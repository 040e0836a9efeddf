-- Up Migration
-- Transactional outbox: a service writes its state change and the events it implies in one transaction; the relay
-- publishes them afterwards, in seq order, and marks them published.
CREATE TABLE platform.outbox (
  seq          bigserial PRIMARY KEY,
  service      text        NOT NULL,
  event_id     uuid        NOT NULL UNIQUE,
  event        jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON platform.outbox (service, seq) WHERE published_at IS NULL;

-- Inbox: ids of events whose effects a consumer already committed. Checked and written in the effect's transaction,
-- which turns at-least-once delivery into exactly-once effects.
CREATE TABLE platform.inbox (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  handled_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Claim-check storage for report files and row sets: content is gzip-compressed; events carry only the reference.
CREATE TABLE platform.blobs (
  key          text        PRIMARY KEY,
  sha256       text        NOT NULL,
  bytes        bigint      NOT NULL,
  content_type text        NOT NULL,
  gz           bytea       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE platform.blobs;
DROP TABLE platform.inbox;
DROP TABLE platform.outbox;
