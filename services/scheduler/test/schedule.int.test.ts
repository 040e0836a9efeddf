import {
  ImportCompletedV1,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createLogger, createPool, manualClock, type OutboxRelay, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.ts';
import { insertConnection } from '../src/connection-store.ts';
import type { PendingReport } from '../src/domain/schedule.ts';
import { project } from '../src/projection.ts';
import { runSchedule, type ScheduleDeps } from '../src/schedule.ts';
import { insertRun } from '../src/schedule-store.ts';

/**
 * The schedule's loop on real Postgres, driven tick by tick on a manual clock (no timers, no sleeps). The morning is
 * in 2030 so the connections here are never due on the real clock of anything else sharing the database.
 */
let pool: Pool;
let otherPool: Pool;
const tenantId = crypto.randomUUID();
const MIN = 60_000;
const relay: OutboxRelay = { nudge: () => {}, stop: async () => {} };
const logger = createLogger('scheduler-schedule-test', 'silent');
const policy = { pendingRetryMs: 30 * MIN, pendingCutoffKst: '12:00', failedRetryMs: 5 * MIN, failedRetries: 2 };
// The connections here are healthy throughout: no credentials check or failure for the lifecycle to act on.
const lifecycle = { checked: async () => false, importFailed: async () => {} };

const instance = (db: Pool, start: Date, alerts: Alert[] = []) => {
  const clock = manualClock(start);
  const deps: ScheduleDeps = {
    pool: db,
    clock,
    relay,
    logger,
    policy,
    raiseAlert: async (_tx, alert) => void alerts.push(alert),
  };
  return { clock, deps, alerts };
};

beforeAll(async () => {
  const env = await isolatedEnvironment();
  pool = createPool(env.databaseUrl);
  otherPool = createPool(env.databaseUrl);
  await pool.query('INSERT INTO scheduler.tenants (id, name) VALUES ($1, $2)', [tenantId, `schedule-${tenantId}`]);
});

afterAll(async () => {
  await pool?.end();
  await otherPool?.end();
});

let customer = 500_000;
async function connection(
  over: { scheduleTime?: string; status?: 'healthy' | 'unhealthy' | 'verifying'; paused?: boolean } = {},
) {
  const c = await insertConnection(
    pool,
    {
      id: crypto.randomUUID(),
      tenantId,
      name: null,
      customerId: String(customer++),
      reportTypes: ['AD'],
      historyDays: 7,
      spreadsheetId: 'sheet-1',
      sheetName: '로우데이터',
      status: over.status ?? 'healthy',
      checkId: null,
      scheduleTime: over.scheduleTime ?? '06:30',
      layout: null,
      principalEmail: null,
    },
    new Date('2030-03-01T00:00:00Z'),
  );
  await pool.query('UPDATE scheduler.connections SET paused_at = $2 WHERE id = $1', [
    c.id,
    over.paused ? '2030-03-02T00:00:00Z' : null,
  ]);
  return c;
}

/** Ends a test's connections so later tests, moving the clock on, leave them alone. */
const retire = (ids: string[]) =>
  pool.query("UPDATE scheduler.connections SET deleted_at = '2030-01-01' WHERE id = ANY($1)", [ids]);

/** The ImportRequested events in the outbox (what the relay publishes) for a connection, oldest first. */
async function requested(connectionId: string): Promise<Extract<ReportlineEvent, { type: 'ImportRequested' }>[]> {
  const { rows } = await pool.query(
    `SELECT event FROM platform.outbox
     WHERE event->>'type' = 'ImportRequested' AND event->'data'->>'connectionId' = $1 ORDER BY seq`,
    [connectionId],
  );
  return rows.map((r) => r.event);
}

/** A run already done for `runDay`, as an earlier morning would have left it. */
const ranOn = async (connectionId: string, runDay: string) => {
  await insertRun(pool, { connectionId, runDay }, new Date(`${runDay}T00:00:00Z`));
  await pool.query(
    `UPDATE scheduler.scheduled_runs SET outcome = 'complete', ended_at = created_at
     WHERE connection_id = $1 AND run_day = $2`,
    [connectionId, runDay],
  );
};

describe('the daily schedule', () => {
  it('runs each healthy connection once through a morning, at its KST time, as scheduled', async () => {
    const early = await connection();
    const custom = await connection({ scheduleTime: '09:15' });
    const paused = await connection({ paused: true });
    const unhealthy = await connection({ status: 'unhealthy' });
    const verifying = await connection({ status: 'verifying' });
    const all = [early, custom, paused, unhealthy, verifying];
    for (const c of all) await ranOn(c.id, '2030-03-09');

    // 05:00 to 11:00 KST on 2030-03-10, in 5-minute ticks.
    const { clock, deps } = instance(pool, new Date('2030-03-09T20:00:00Z'));
    const tickTimes: Date[] = [];
    while (clock.now() < new Date('2030-03-10T02:00:00Z')) {
      tickTimes.push(clock.now());
      await runSchedule(deps);
      clock.advance(5 * MIN);
    }

    // The first tick at or after 06:30 KST (21:30 UTC the day before) and 09:15 KST (00:15 UTC).
    const firstTickFrom = (iso: string) => tickTimes.find((t) => t >= new Date(iso))?.toISOString();
    const runs = await requested(early.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      time: firstTickFrom('2030-03-09T21:30:00Z'),
      customerId: early.customerId,
      data: { trigger: 'scheduled', priority: 'scheduled', dateRange: { from: '2030-03-03', to: '2030-03-09' } },
    });
    const customRuns = await requested(custom.id);
    expect(customRuns).toHaveLength(1);
    expect(customRuns[0]?.time).toBe(firstTickFrom('2030-03-10T00:15:00Z'));
    for (const c of [paused, unhealthy, verifying]) expect(await requested(c.id)).toEqual([]);
    await retire(all.map((c) => c.id));
  });

  it('runs once, for the latest day, after the scheduler was down for 3 days', async () => {
    const c = await connection();
    await ranOn(c.id, '2030-03-11');
    // Back at 10:00 KST on 2030-03-15: the runs of 03-12, 03-13 and 03-14 were missed, 03-15's is due.
    const { clock, deps } = instance(pool, new Date('2030-03-15T01:00:00Z'));
    for (let i = 0; i < 5; i++) {
      await runSchedule(deps);
      clock.advance(MIN);
    }
    const runs = await requested(c.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.data.dateRange).toEqual({ from: '2030-03-08', to: '2030-03-14' });
    const { rows } = await pool.query(
      "SELECT to_char(run_day, 'YYYY-MM-DD') AS day FROM scheduler.scheduled_runs WHERE connection_id = $1 ORDER BY 1",
      [c.id],
    );
    expect(rows.map((r) => r.day)).toEqual(['2030-03-11', '2030-03-15']);
    await retire([c.id]);
  });

  it('requests one import per connection-day when two instances tick at the same instant', async () => {
    const cs = await Promise.all(Array.from({ length: 6 }, () => connection()));
    for (const c of cs) await ranOn(c.id, '2030-03-19');
    const start = new Date('2030-03-19T21:30:00Z'); // 06:30 KST on 03-20
    const a = instance(pool, start);
    const b = instance(otherPool, start);
    for (let i = 0; i < 4; i++) {
      await Promise.all([runSchedule(a.deps), runSchedule(b.deps)]);
      a.clock.advance(10_000);
      b.clock.advance(10_000);
    }
    for (const c of cs) {
      const runs = await requested(c.id);
      expect(runs.map((e) => e.data.trigger)).toEqual(['scheduled']);
    }
    await retire(cs.map((c) => c.id));
  });

  it('requests the import of a run stored by an instance that stopped before requesting it, once', async () => {
    const c = await connection();
    await insertRun(pool, { connectionId: c.id, runDay: '2030-03-22' }, new Date('2030-03-21T21:30:00Z'));
    const a = instance(pool, new Date('2030-03-21T21:31:00Z'));
    const b = instance(otherPool, new Date('2030-03-21T21:31:00Z'));
    await Promise.all([runSchedule(a.deps), runSchedule(b.deps)]);
    await runSchedule(a.deps);
    const runs = await requested(c.id);
    expect(runs).toHaveLength(1);
    const { rows } = await pool.query(
      "SELECT import_id FROM scheduler.scheduled_runs WHERE connection_id = $1 AND run_day = '2030-03-22'",
      [c.id],
    );
    expect(rows[0].import_id).toBe(runs[0]?.importId);
    await retire([c.id]);
  });

  it('asks for a pending yesterday every 30 min, then ends missing it with one alert after 12:00 KST', async () => {
    const c = await connection();
    await ranOn(c.id, '2030-03-24');
    const alerts: Alert[] = [];
    const a = instance(pool, new Date('2030-03-24T21:30:00Z'), alerts); // 06:30 KST on 03-25
    const b = instance(otherPool, new Date('2030-03-24T21:30:00Z'), alerts);
    const pending: PendingReport = {
      reportType: 'AD',
      statDate: '2030-03-24',
      code: 'not-ready',
      reason: 'NAVER is still aggregating 2030-03-24 (20007); asked again later',
    };

    // What the fetcher and the writer would report: every import finds yesterday pending and completes.
    const answered = new Set<string>();
    const answer = async () => {
      for (const e of await requested(c.id)) {
        if (answered.has(e.importId)) continue;
        answered.add(e.importId);
        const ctx = { source: 'test', importId: e.importId, customerId: c.customerId, causedBy: e, now: a.clock.now() };
        const target = { spreadsheetId: 'sheet-1', sheetName: '로우데이터' };
        await project(
          pool,
          makeEvent(
            ReportsDownloadedV3,
            {
              reports: [],
              pending: [pending],
              clamped: [],
              naverRequests: 1,
              reportJobs: 0,
              connectionId: c.id,
              target,
            },
            ctx,
          ),
          lifecycle,
        );
        await project(pool, makeEvent(ImportCompletedV1, { rowsWritten: 0, ...target }, ctx), lifecycle);
      }
    };

    // 06:30 to 13:00 KST in 10-minute ticks, two instances at each.
    while (a.clock.now() <= new Date('2030-03-25T04:00:00Z')) {
      await Promise.all([runSchedule(a.deps), runSchedule(b.deps)]);
      await answer();
      a.clock.advance(10 * MIN);
      b.clock.advance(10 * MIN);
    }

    // The scheduled import at 06:30, then one retry every 30 min while before 12:00 KST (03:00 UTC).
    const expectedTimes: string[] = [];
    for (let t = Date.parse('2030-03-24T21:30:00Z'); t < Date.parse('2030-03-25T03:00:00Z'); t += 30 * MIN) {
      expectedTimes.push(new Date(t).toISOString());
    }
    const runs = await requested(c.id);
    expect(runs.map((e) => e.time)).toEqual(expectedTimes);
    expect(runs[0]?.data.dateRange).toEqual({ from: '2030-03-18', to: '2030-03-24' });
    for (const retry of runs.slice(1)) {
      expect(retry.data).toMatchObject({
        trigger: 'scheduled',
        priority: 'scheduled',
        dateRange: { from: '2030-03-24', to: '2030-03-24' },
      });
    }
    const keys = await pool.query(
      'SELECT idempotency_key FROM scheduler.imports WHERE connection_id = $1 ORDER BY requested_at',
      [c.id],
    );
    expect(keys.rows.map((r) => r.idempotency_key)).toEqual([
      'scheduled:2030-03-25',
      ...expectedTimes.slice(1).map((_, i) => `pending:2030-03-25:${i + 1}`),
    ]);

    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      tenantId,
      kind: 'data-pending',
      connectionId: c.id,
      customerId: c.customerId,
      importId: runs.at(-1)?.importId,
      at: new Date('2030-03-25T03:00:00Z'),
      dedupeKey: `data-pending:${c.id}:2030-03-25`,
    });
    expect(alerts[0]?.message).toContain('2030-03-24');
    expect(alerts[0]?.message).toContain(pending.reason);
    const { rows } = await pool.query(
      "SELECT outcome, missing, ended_at FROM scheduler.scheduled_runs WHERE connection_id = $1 AND run_day = '2030-03-25'",
      [c.id],
    );
    expect(rows[0]).toMatchObject({ outcome: 'missing', missing: [pending] });
    expect(rows[0].ended_at.toISOString()).toBe('2030-03-25T03:00:00.000Z');
    await retire([c.id]);
  });
  it('asks again, twice, 5 min after each passing failure, then ends failed with one alert', async () => {
    const c = await connection();
    await ranOn(c.id, '2030-03-27');
    const alerts: Alert[] = [];
    const a = instance(pool, new Date('2030-03-27T21:30:00Z'), alerts); // 06:30 KST on 03-28
    const b = instance(otherPool, new Date('2030-03-27T21:30:00Z'), alerts);
    // What the lock-service would report each time: the lease ran out (a broker outage longer than the TTL).
    const answered = new Set<string>();
    const answer = async () => {
      for (const e of await requested(c.id)) {
        if (answered.has(e.importId)) continue;
        answered.add(e.importId);
        const ctx = { source: 'test', importId: e.importId, customerId: c.customerId, causedBy: e, now: a.clock.now() };
        const data = {
          stage: 'lease' as const,
          code: 'lease-expired',
          message: 'the NAVER lease expired',
          retryable: true,
        };
        await project(pool, makeEvent(ImportFailedV1, data, ctx), lifecycle);
      }
    };
    // 06:30 to 08:00 KST in 1-minute ticks, two instances at each.
    while (a.clock.now() <= new Date('2030-03-27T23:00:00Z')) {
      await Promise.all([runSchedule(a.deps), runSchedule(b.deps)]);
      await answer();
      a.clock.advance(MIN);
      b.clock.advance(MIN);
    }
    // Each import fails in the tick that requested it; the next is asked for 5 min later, the whole window each time.
    const runs = await requested(c.id);
    expect(runs.map((e) => e.time)).toEqual([
      '2030-03-27T21:30:00.000Z',
      '2030-03-27T21:35:00.000Z',
      '2030-03-27T21:40:00.000Z',
    ]);
    for (const r of runs) expect(r.data.dateRange).toEqual({ from: '2030-03-21', to: '2030-03-27' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'import-failed',
      connectionId: c.id,
      importId: runs.at(-1)?.importId,
      dedupeKey: `run-failed:${c.id}:2030-03-28`,
    });
    const { rows } = await pool.query(
      "SELECT outcome FROM scheduler.scheduled_runs WHERE connection_id = $1 AND run_day = '2030-03-28'",
      [c.id],
    );
    expect(rows[0]).toMatchObject({ outcome: 'failed' });
    await retire([c.id]);
  });
});
