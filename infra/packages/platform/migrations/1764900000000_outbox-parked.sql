-- Up Migration
-- A row the broker refuses for good (an event too large, a record it rejects) is parked with its reason instead of
-- wedging the relay for every row behind it. Parked rows stay for a person to inspect or replay.
ALTER TABLE platform.outbox ADD COLUMN parked_at timestamptz, ADD COLUMN parked_reason text;
DROP INDEX platform.outbox_unpublished;
CREATE INDEX outbox_unpublished ON platform.outbox (service, seq) WHERE published_at IS NULL AND parked_at IS NULL;

-- Down Migration
DROP INDEX platform.outbox_unpublished;
CREATE INDEX outbox_unpublished ON platform.outbox (service, seq) WHERE published_at IS NULL;
ALTER TABLE platform.outbox DROP COLUMN parked_reason, DROP COLUMN parked_at;
