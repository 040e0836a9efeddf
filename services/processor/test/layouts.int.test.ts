import { ImportRequestedV2, makeEvent } from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createPool, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forgetOldLayouts, recordImportLayout, storedLayouts } from '../src/layouts.ts';

let pool: Pool;
beforeAll(async () => {
  pool = createPool((await isolatedEnvironment()).databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const DAY = 86_400_000;

/**
 * The layouts' retention runs on the service's clock; so must the time a layout is recorded at. A simulated clock ten
 * days ahead (the chaos harness over several days) once saw every layout forgotten the moment it was recorded, as
 * Postgres stamped it with its own, real now().
 */
it('Given a clock ten days ahead, When a layout is recorded and the week-old ones forgotten, Then it is kept', async () => {
  const at = new Date(Date.now() + 10 * DAY);
  const event = makeEvent(
    ImportRequestedV2,
    {
      connectionId: crypto.randomUUID(),
      trigger: 'scheduled',
      priority: 'scheduled',
      reportTypes: ['AD'],
      dateRange: { from: '2026-11-01', to: '2026-11-07' },
      target: { spreadsheetId: 'ss', sheetName: '로우데이터' },
      layout: null,
      historyDays: 7,
    },
    { source: 'test', importId: crypto.randomUUID(), customerId: '5550009', now: at },
  );
  await recordImportLayout(pool, event, at);
  await forgetOldLayouts(pool, new Date(at.getTime() - 7 * DAY));
  await expect(storedLayouts(pool).layoutOf(event.importId)).resolves.toBeDefined();
  // A week later on that clock it goes, as intended.
  await forgetOldLayouts(pool, new Date(at.getTime() + 1));
  await expect(storedLayouts(pool).layoutOf(event.importId)).rejects.toThrow(/not been read yet/);
});
