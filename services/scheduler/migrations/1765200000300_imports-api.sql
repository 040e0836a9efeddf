-- Up Migration
-- GET /imports pages by the keyset (requested_at, import_id), newest first, over a tenant's or one connection's imports.
CREATE INDEX imports_by_request ON scheduler.imports (requested_at DESC, import_id DESC);
CREATE INDEX imports_by_connection_request ON scheduler.imports (connection_id, requested_at DESC, import_id DESC);
-- Coalescing reads a connection's open imports with their ImportRequested.
CREATE INDEX import_events_requested ON scheduler.import_events (import_id) WHERE type = 'ImportRequested';

-- Down Migration
DROP INDEX scheduler.import_events_requested;
DROP INDEX scheduler.imports_by_connection_request;
DROP INDEX scheduler.imports_by_request;
