import { describe, expect, it } from 'vitest';
import { AmbiguousOutcomeError, RetriesExhaustedError, SheetsApiError } from '../src/sheets/errors.ts';
import { backoffDelay, classifyFailure, createQuotaScheduler } from '../src/sheets/quota.ts';
import { fakeClock, maxInWindow } from './fake-clock.ts';

const rateLimited = () => new SheetsApiError('429 Quota exceeded', { status: 429, googleStatus: 'RESOURCE_EXHAUSTED' });
const hangUp = () => new SheetsApiError('socket hang up', { transportCode: 'ECONNRESET' });

describe('backoffDelay', () => {
  it('is 2^n seconds plus up to a second of jitter, capped', () => {
    expect(backoffDelay(0, () => 0, 32_000)).toBe(1_000);
    expect(backoffDelay(3, () => 0.5, 32_000)).toBe(8_500);
    expect(backoffDelay(4, () => 0.999, 32_000)).toBe(16_999);
    expect(backoffDelay(10, () => 0, 32_000)).toBe(32_000);
  });
});

describe('classifyFailure', () => {
  it('separates rate limits, Google 5xx, ambiguous outcomes and permanent errors', () => {
    expect(classifyFailure(rateLimited())).toBe('rate-limited');
    expect(classifyFailure(new SheetsApiError('503', { status: 503, googleStatus: 'UNAVAILABLE' }))).toBe(
      'server-error',
    );
    expect(classifyFailure(new SheetsApiError('502', { status: 502 }))).toBe('ambiguous');
    expect(classifyFailure(hangUp())).toBe('ambiguous');
    expect(classifyFailure(new SheetsApiError('400', { status: 400, googleStatus: 'INVALID_ARGUMENT' }))).toBe(
      'permanent',
    );
    expect(classifyFailure(new TypeError('bug'))).toBe('permanent');
  });
});

describe('token buckets', () => {
  it('never lets more than 60 writes of a principal into any minute, bursting 2 at first', async () => {
    const clock = fakeClock();
    const quota = createQuotaScheduler({ clock }).forPrincipal('sa@x');
    const times: number[] = [];
    for (let i = 0; i < 150; i++) await quota.run('values.update', async () => times.push(clock.now()));
    expect(times.slice(0, 2).every((t) => t === times[0])).toBe(true);
    expect(times[2]).toBeGreaterThan(times[0]!);
    expect(maxInWindow(times)).toBeLessThanOrEqual(60);
    expect(times.at(-1)! - times[0]!).toBeLessThan(3 * 60_000);
  });

  it('shares the project bucket across principals and keeps reads apart from writes', async () => {
    const clock = fakeClock();
    const scheduler = createQuotaScheduler({
      clock,
      limits: {
        writesPerMinutePerUser: 10,
        writesPerMinutePerProject: 15,
        readsPerMinutePerUser: 1000,
        readsPerMinutePerProject: 1000,
        burstFraction: 1 / 6,
      },
    });
    const writes: number[] = [];
    for (let i = 0; i < 30; i++) {
      await scheduler.forPrincipal(`p${i % 3}`).run('values.update', async () => writes.push(clock.now()));
    }
    expect(maxInWindow(writes)).toBeLessThanOrEqual(15);
    const before = clock.now();
    for (let i = 0; i < 20; i++) await scheduler.forPrincipal('p0').run('values.get', async () => undefined);
    expect(clock.now()).toBe(before);
  });
});

describe('quota waits', () => {
  it('reports each wait for a token and each backoff, so the writer can observe them', async () => {
    const clock = fakeClock();
    const waits: { reason: string; kind: string; ms: number }[] = [];
    const quota = createQuotaScheduler({
      clock,
      random: () => 0,
      limits: { writesPerMinutePerUser: 6, burstFraction: 1 / 6 },
      onWait: (w) => waits.push(w),
    }).forPrincipal('sa');
    await quota.run('values.update', async () => undefined); // the one token of the burst: no wait
    let calls = 0;
    await quota.run('values.update', async () => {
      if (++calls === 1) throw rateLimited();
    });
    // The retry after the backoff needs a token again, and waits for it.
    expect(waits.map((w) => w.reason)).toEqual(['bucket', 'backoff', 'bucket']);
    expect(waits.every((w) => w.kind === 'write' && w.ms > 0)).toBe(true);
    expect(waits[1]!.ms).toBe(1_000);
  });
});

describe('retry policy', () => {
  it('retries a 429 after Google-style backoff', async () => {
    const clock = fakeClock();
    const quota = createQuotaScheduler({ clock, random: () => 0.25 }).forPrincipal('sa');
    let calls = 0;
    const result = await quota.run('spreadsheets.batchUpdate', async () => {
      calls++;
      if (calls <= 2) throw rateLimited();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(clock.slept).toEqual([1_250, 2_250]);
  });

  it('retries idempotent calls after any transient failure', async () => {
    const quota = createQuotaScheduler({ clock: fakeClock() }).forPrincipal('sa');
    const failures = [hangUp(), new SheetsApiError('500', { status: 500, googleStatus: 'INTERNAL' })];
    let calls = 0;
    await quota.run('values.update', async () => {
      calls++;
      const f = failures.shift();
      if (f) throw f;
    });
    expect(calls).toBe(3);
  });

  it('hands an ambiguous batchUpdate or append back to the caller instead of repeating it', async () => {
    const quota = createQuotaScheduler({ clock: fakeClock() }).forPrincipal('sa');
    for (const method of ['spreadsheets.batchUpdate', 'values.append'] as const) {
      for (const failure of [hangUp(), new SheetsApiError('500', { status: 500, googleStatus: 'INTERNAL' })]) {
        let calls = 0;
        await expect(
          quota.run(method, async () => {
            calls++;
            throw failure;
          }),
        ).rejects.toBeInstanceOf(AmbiguousOutcomeError);
        expect(calls).toBe(1);
      }
    }
  });

  it('does not retry permanent errors and gives up after maxRetries', async () => {
    const quota = createQuotaScheduler({ clock: fakeClock(), backoff: { maxRetries: 2 } }).forPrincipal('sa');
    let calls = 0;
    const bad = new SheetsApiError('400 Unable to parse range', { status: 400 });
    await expect(
      quota.run('values.update', async () => {
        calls++;
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
    await expect(
      quota.run('values.update', async () => {
        calls++;
        throw rateLimited();
      }),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(calls).toBe(4);
  });
});
