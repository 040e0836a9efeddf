-- Up Migration
-- What the SSE streams (GET /events, GET /imports/:id/events) carry, one row per change, appended by triggers in the
-- transaction that made the change: a change is in the feed if and only if it committed, and no code path that saves
-- a view or a connection can forget it.
--
-- Ordering: `seq` alone is not a safe resume position, since transactions commit out of seq order (a reader that saw
-- seq 7 may later see a seq 6 committed after it). Rows are read in (tx, seq) order and only below the snapshot's
-- xmin (src/sse/feed.ts): every transaction with a smaller id has ended, so nothing can appear behind a position once
-- it was read. The SSE id is "<tx>-<seq>".
CREATE TABLE scheduler.event_feed (
  seq           bigserial   PRIMARY KEY,
  tx            xid8        NOT NULL DEFAULT pg_current_xact_id(),
  tenant_id     uuid        NOT NULL,
  import_id     uuid,
  connection_id uuid,
  customer_id   text,
  kind          text        NOT NULL CHECK (kind IN ('import', 'connection', 'lock')),
  payload       jsonb       NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_feed_by_tenant ON scheduler.event_feed (tenant_id, tx, seq);
CREATE INDEX event_feed_by_import ON scheduler.event_feed (import_id, tx, seq) WHERE import_id IS NOT NULL;
CREATE INDEX event_feed_by_time ON scheduler.event_feed (at);

CREATE FUNCTION scheduler.feed_import() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.view IS NOT DISTINCT FROM OLD.view THEN
    RETURN NULL;
  END IF;
  INSERT INTO scheduler.event_feed (tenant_id, import_id, connection_id, customer_id, kind, payload)
  SELECT c.tenant_id, NEW.import_id, NEW.connection_id, NEW.customer_id, 'import',
         jsonb_build_object('connectionId', NEW.connection_id, 'view', NEW.view)
  FROM scheduler.connections c WHERE c.id = NEW.connection_id;
  RETURN NULL;
END $$;
CREATE TRIGGER imports_feed AFTER INSERT OR UPDATE ON scheduler.imports
  FOR EACH ROW EXECUTE FUNCTION scheduler.feed_import();

-- Only what the API shows of a connection (connection-store.ts toConnection); credentials are never on this row.
CREATE FUNCTION scheduler.feed_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (NEW.status, NEW.health_code, NEW.health_message, NEW.paused_at, NEW.deleted_at, NEW.schedule_time, NEW.name,
          NEW.spreadsheet_id, NEW.sheet_name, NEW.report_types, NEW.history_days)
         IS NOT DISTINCT FROM
         (OLD.status, OLD.health_code, OLD.health_message, OLD.paused_at, OLD.deleted_at, OLD.schedule_time, OLD.name,
          OLD.spreadsheet_id, OLD.sheet_name, OLD.report_types, OLD.history_days) THEN
    RETURN NULL;
  END IF;
  INSERT INTO scheduler.event_feed (tenant_id, connection_id, customer_id, kind, payload)
  VALUES (NEW.tenant_id, NEW.id, NEW.customer_id, 'connection', jsonb_build_object(
    'id', NEW.id, 'name', NEW.name, 'customerId', NEW.customer_id, 'status', NEW.status,
    'health', CASE WHEN NEW.health_code IS NULL THEN NULL ELSE jsonb_build_object(
      'code', NEW.health_code, 'message', NEW.health_message, 'action', NEW.health_action, 'at', NEW.health_at) END,
    'paused', NEW.paused_at IS NOT NULL, 'deleted', NEW.deleted_at IS NOT NULL, 'scheduleTime', NEW.schedule_time,
    'spreadsheetId', NEW.spreadsheet_id, 'sheetName', NEW.sheet_name, 'updatedAt', NEW.updated_at));
  RETURN NULL;
END $$;
CREATE TRIGGER connections_feed AFTER INSERT OR UPDATE ON scheduler.connections
  FOR EACH ROW EXECUTE FUNCTION scheduler.feed_connection();

-- The lock's events of the tenant's own imports: the dashboard redraws that customer id's timeline on them. Renewals
-- are left out (one every few seconds per hold, and they change no bar). Fencing tokens sit outside `data`.
CREATE FUNCTION scheduler.feed_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scheduler.event_feed (tenant_id, import_id, connection_id, customer_id, kind, payload)
  SELECT c.tenant_id, NEW.import_id, i.connection_id, i.customer_id, 'lock',
         jsonb_build_object('type', NEW.type, 'importId', NEW.import_id, 'customerId', i.customer_id,
                            'time', NEW.time, 'data', NEW.event->'data')
  FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
  WHERE i.import_id = NEW.import_id;
  RETURN NULL;
END $$;
CREATE TRIGGER import_events_lock_feed AFTER INSERT ON scheduler.import_events
  FOR EACH ROW WHEN (NEW.type IN ('LeaseRequested', 'LockQueued', 'LockGranted', 'LeaseReleased', 'LeaseExpired'))
  EXECUTE FUNCTION scheduler.feed_lock();

-- Down Migration
DROP TRIGGER import_events_lock_feed ON scheduler.import_events;
DROP TRIGGER connections_feed ON scheduler.connections;
DROP TRIGGER imports_feed ON scheduler.imports;
DROP FUNCTION scheduler.feed_lock();
DROP FUNCTION scheduler.feed_connection();
DROP FUNCTION scheduler.feed_import();
DROP TABLE scheduler.event_feed;
