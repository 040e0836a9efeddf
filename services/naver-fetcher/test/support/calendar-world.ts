import { randomBytes } from 'node:crypto';
import { type EventOfType, ImportRequestedV1, makeEvent, naverSecretRef, type ReportType } from '@reportline/contracts';
import type { Clock, SecretStore } from '@reportline/platform';

// Shared by the calendar int test and the calendar bench: both play the scheduler over several KST mornings.

const KST = 9 * 3_600_000;

/** A wall clock set forward between imports (KST mornings); durations stay monotonic and real. */
export function steppedClock(start: Date): Clock & { setKst(date: string, hour: number): void } {
  let offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    monotonicMs: () => performance.now(),
    setKst(date, hour) {
      const at = Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`) - KST;
      if (at < Date.now() + offset) throw new Error(`the clock only moves forward (asked for ${date} ${hour}:00 KST)`);
      offset = at - Date.now();
    },
  };
}

/** An instant of a KST day, e.g. kstInstant('2026-11-26', 7) for 07:00 KST. */
export const kstInstant = (date: string, hour: number) =>
  new Date(Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`) - KST);

/** Fresh simulator credentials for a customer id (the simulator accepts whatever its config lists). */
export const credentials = (customerId: string) => ({
  customerId,
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
});

export interface Connection {
  connectionId: string;
  customerId: string;
}

/** A connection of a customer id: its credentials stored as the scheduler stores them. */
export async function storeConnection(
  secrets: SecretStore,
  creds: { customerId: string; apiKey: string; secret: string },
): Promise<Connection> {
  const connectionId = crypto.randomUUID();
  await secrets.put(naverSecretRef(connectionId), creds);
  return { connectionId, customerId: creds.customerId };
}

/** The scheduler's ImportRequested, one per connection, for the caller to publish together. */
export function importRequests(
  connections: readonly Connection[],
  dateRange: { from: string; to: string },
  reportTypes: ReportType[],
  ctx: { source: string; now: Date },
): EventOfType<'ImportRequested'>[] {
  return connections.map(({ connectionId, customerId }) =>
    makeEvent(
      ImportRequestedV1,
      {
        connectionId,
        trigger: 'scheduled',
        priority: 'scheduled',
        reportTypes,
        dateRange,
        target: { spreadsheetId: 's', sheetName: 't' },
      },
      { source: ctx.source, importId: crypto.randomUUID(), customerId, now: ctx.now },
    ),
  );
}
