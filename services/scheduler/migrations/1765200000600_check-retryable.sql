-- Up Migration
-- Whether a check's refusal could pass by itself (NAVER or the lease unavailable): such a check is asked again, a few
-- times, before the connection is called unhealthy.
ALTER TABLE scheduler.credential_checks ADD COLUMN retryable boolean;

-- Down Migration
ALTER TABLE scheduler.credential_checks DROP COLUMN retryable;
