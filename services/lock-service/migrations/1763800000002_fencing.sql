-- Up Migration
-- Zombie fencing. Per consumed (topic, partition): the last offset whose decision committed, written in the decision's
-- transaction; a decision for an offset not greater than it is a redelivery or a zombie's and changes nothing.
CREATE TABLE lock.consumer_offsets (
  topic       text   NOT NULL,
  partition   int    NOT NULL,
  last_offset bigint NOT NULL,
  PRIMARY KEY (topic, partition)
);

-- Per consumed (topic, partition): the lock-service instance that owns it now (claimed when the consumer group assigns
-- it). Decisions hold this row FOR SHARE and require owner = self, so a claim waits for the old owner's in-flight
-- decision and every later decision of the old owner fails.
CREATE TABLE lock.partition_owners (
  topic      text        NOT NULL,
  partition  int         NOT NULL,
  owner      text        NOT NULL,
  epoch      bigint      NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);

-- The partition a customer id's messages arrive on (same number on every customer-keyed topic: same key, same
-- partitioner, same partition count); the expiry sweep only ticks locks of partitions its instance owns.
ALTER TABLE lock.customer_locks ADD COLUMN partition int;

ALTER TABLE lock.lease_history ADD COLUMN expires_at timestamptz, ADD COLUMN renewals int NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE lock.lease_history DROP COLUMN renewals, DROP COLUMN expires_at;
ALTER TABLE lock.customer_locks DROP COLUMN partition;
DROP TABLE lock.partition_owners;
DROP TABLE lock.consumer_offsets;
