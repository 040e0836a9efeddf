import { createServiceMetrics } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import type { Decided } from '../src/decisions.ts';
import { emptyLock, type Holder } from '../src/domain/lock.ts';
import { observeLeases } from '../src/lease-metrics.ts';

const holder = (importId: string, token: number, grantedAt: string): Holder => ({
  importId,
  token,
  grantedAt,
  expiresAt: '2026-12-01T01:00:00.000Z',
  requestEventId: crypto.randomUUID(),
  correlationId: crypto.randomUUID(),
});

describe('observeLeases', () => {
  it('observes the wait of a grant and the hold of the lease it ended, by how it ended', async () => {
    const metrics = createServiceMetrics('lock-service', { defaultMetrics: false });
    const a = holder('a', 1, '2026-12-01T00:00:00.000Z');
    const b = holder('b', 2, '2026-12-01T00:01:30.000Z');
    const before = { ...emptyLock('c1'), holder: a };
    const decided: Decided = {
      published: 2,
      before,
      after: { ...before, holder: b },
      events: [
        { kind: 'released', importId: 'a', token: 1, at: '2026-12-01T00:01:30.000Z', lockDelayUntil: null },
        { kind: 'granted', holder: b, waitedMs: 45_000, request: null },
      ],
    };
    observeLeases(metrics, decided);
    observeLeases(metrics, undefined);
    const text = await metrics.registry.metrics();
    expect(text).toContain('reportline_lease_wait_seconds_sum{service="lock-service"} 45');
    expect(text).toMatch(/^reportline_lease_hold_seconds_sum\{(?=[^}]*end="released")[^}]*\} 90$/m);
    expect(text).toMatch(/^reportline_lease_hold_seconds_count\{(?=[^}]*end="released")[^}]*\} 1$/m);
  });

  it('labels an expiry at the maximum hold apart from one for want of renewals', async () => {
    const metrics = createServiceMetrics('lock-service', { defaultMetrics: false });
    const a = holder('a', 1, '2026-12-01T00:00:00.000Z');
    const before = { ...emptyLock('c1'), holder: a };
    observeLeases(metrics, {
      published: 2,
      before,
      after: { ...before, holder: null },
      events: [
        {
          kind: 'expired',
          importId: 'a',
          token: 1,
          at: '2026-12-01T00:10:00.000Z',
          lockDelayUntil: '2026-12-01T00:11:00.000Z',
          correlationId: crypto.randomUUID(),
          maxHoldReached: true,
        },
      ],
    });
    expect(await metrics.registry.metrics()).toMatch(
      /^reportline_lease_hold_seconds_sum\{(?=[^}]*end="max-hold")[^}]*\} 600$/m,
    );
  });
});
