import { ImportRequestedV2, makeEvent } from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createPool, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forgetOldHistory, recordImportHistory, storedHistory } from '../src/history.ts';

let pool: Pool;
beforeAll(async () => {
  pool = createPool((await isolatedEnvironment()).databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const DAY = 86_400_000;

/**
 * The history lengths' retention runs on the service's clock; so must the time one is recorded at. A simulated clock
 * ten days ahead once saw every entry forgotten the moment it was recorded (Postgres stamped it with its real now()),
 * and the import's write then waited for a request it had already read.
 */
it('Given a clock ten days ahead, When a history is recorded and the week-old ones forgotten, Then it is kept', async () => {
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
      historyDays: 14,
    },
    { source: 'test', importId: crypto.randomUUID(), customerId: '5550009', now: at },
  );
  await recordImportHistory(pool, event, at);
  await forgetOldHistory(pool, new Date(at.getTime() - 7 * DAY));
  await expect(storedHistory(pool).historyDaysOf(event.importId)).resolves.toBe(14);
  await forgetOldHistory(pool, new Date(at.getTime() + 1));
  await expect(storedHistory(pool).historyDaysOf(event.importId)).rejects.toThrow(/not been read yet/);
});
