import { ImportRequestedV1, makeEvent } from '@reportline/contracts';

/** An ImportRequested as the scheduler sends it, with only what the lock decides on as parameters. */
export function importRequested(
  customerId: string,
  opts: { importId?: string; priority?: 'on-demand' | 'scheduled'; id?: string; source?: string } = {},
) {
  return makeEvent(
    ImportRequestedV1,
    {
      connectionId: crypto.randomUUID(),
      trigger: 'manual',
      priority: opts.priority ?? 'scheduled',
      reportTypes: ['AD'],
      dateRange: { from: '2026-11-01', to: '2026-11-02' },
      target: { spreadsheetId: 's', sheetName: 't' },
    },
    {
      source: opts.source ?? 'test',
      importId: opts.importId ?? crypto.randomUUID(),
      customerId,
      now: new Date(),
      id: opts.id,
    },
  );
}
