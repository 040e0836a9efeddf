import { type ImportRequest, LeaseRequestedV1, makeEvent } from '@reportline/contracts';
import type { LockCommand, Priority } from '../../src/domain/lock.ts';

/** What an import asks for (ImportRequested's data): the lock passes it on to the grant without reading it. */
export const requestData = (priority: Priority = 'scheduled'): ImportRequest => ({
  connectionId: '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c',
  trigger: 'manual',
  priority,
  reportTypes: ['AD'],
  dateRange: { from: '2026-11-01', to: '2026-11-02' },
  target: { spreadsheetId: 's', sheetName: 't' },
});

/** The lock's command for an import's request, as `commandFor` makes it of a LeaseRequested. */
export const requestCommand = (
  importId: string,
  opts: { priority?: Priority; eventId?: string; correlationId?: string } = {},
): LockCommand => ({
  kind: 'request',
  importId,
  priority: opts.priority ?? 'scheduled',
  eventId: opts.eventId ?? importId,
  correlationId: opts.correlationId ?? importId,
  request: requestData(opts.priority),
});

/** A LeaseRequested as the naver-fetcher sends it when NAVER is needed, with only what the lock decides on as parameters. */
export function leaseRequested(
  customerId: string,
  opts: { importId?: string; priority?: 'on-demand' | 'scheduled'; id?: string; source?: string } = {},
) {
  return makeEvent(
    LeaseRequestedV1,
    {
      request: { ...requestData(opts.priority), connectionId: crypto.randomUUID() },
      naverReports: 2,
      storeReports: 0,
      verifyCredentials: false,
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
