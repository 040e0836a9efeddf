-- Up Migration
-- What the SSE streams (GET /events, GET /imports/:id/events) carry, one row per change, appended by triggers in the
-- transaction that made the change: a change is in the feed if and only if it committed, and no code path that saves
-- a view or a connection can forget it.
--
-- Ordering: the triggers' `seq` is no resume position, since transactions commit out of seq order (a reader that saw
-- seq 7 may later see a seq 6 committed after it). A committed row gets its `pos` from scheduler.sequence_feed(), one
-- caller at a time (an advisory lock held to its commit): every pos handed out is above those of every sequencing
-- transaction that committed before, so a reader that saw pos N never later finds a new row at or below N. The SSE id
-- is the pos. (Reading below the snapshot's xmin would also be safe, but one long transaction anywhere in the
-- cluster, a backup for one, would then hold every stream back.)
CREATE TABLE scheduler.event_feed (
  seq           bigserial   PRIMARY KEY,
  pos           bigint      UNIQUE,
  tenant_id     uuid        NOT NULL,
  import_id     uuid,
  connection_id uuid,
  customer_id   text,
  kind          text        NOT NULL CHECK (kind IN ('import', 'connection', 'lock')),
  payload       jsonb       NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_feed_by_tenant ON scheduler.event_feed (tenant_id, pos) WHERE pos IS NOT NULL;
CREATE INDEX event_feed_by_import ON scheduler.event_feed (import_id, pos) WHERE pos IS NOT NULL;
CREATE INDEX event_feed_unsequenced ON scheduler.event_feed (seq) WHERE pos IS NULL;
CREATE INDEX event_feed_by_time ON scheduler.event_feed (at);
CREATE SEQUENCE scheduler.event_feed_pos;

-- Gives the committed rows without a pos theirs; 0 when another caller is at it (its rows will do). Call it in a
-- transaction of its own: the lock, and so the order, holds until that commit.
CREATE FUNCTION scheduler.sequence_feed(max_rows int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('scheduler.event_feed')) THEN
    RETURN 0;
  END IF;
  WITH todo AS (
    SELECT seq FROM scheduler.event_feed WHERE pos IS NULL ORDER BY seq LIMIT max_rows FOR UPDATE
  )
  UPDATE scheduler.event_feed f SET pos = nextval('scheduler.event_feed_pos') FROM todo WHERE f.seq = todo.seq;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

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
DROP FUNCTION scheduler.sequence_feed(int);
DROP SEQUENCE scheduler.event_feed_pos;
DROP TABLE scheduler.event_feed;
