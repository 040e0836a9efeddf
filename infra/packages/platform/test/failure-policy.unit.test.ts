import { describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../src/bus/bus.ts';
import {
  classifyCommon,
  DependencyUnavailableError,
  failureTracker,
  PermanentFailureError,
} from '../src/bus/failure-policy.ts';
import { BlobNotFoundError } from '../src/pg/blobs.ts';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('classifyCommon', () => {
  it('waits for dependencies: Postgres connection classes, network codes, kafkajs, our own marker', () => {
    for (const err of [
      pgError('08006'),
      pgError('57P01'),
      pgError('53300'),
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('broker'), { name: 'KafkaJSConnectionError' }),
      new DependencyUnavailableError('google', 'Google answered 503 for 10 minutes'),
      new Error('wrapped', { cause: pgError('57P03') }),
    ]) {
      expect(classifyCommon(err), String(err)).toBe('unavailable');
    }
  });

  it('gives up at once on poison messages, permanent failures and missing blobs', () => {
    expect(classifyCommon(new PoisonMessageError('bad'))).toBe('permanent');
    expect(classifyCommon(new PermanentFailureError('x', 'bad'))).toBe('permanent');
    expect(classifyCommon(new BlobNotFoundError('gone'))).toBe('permanent');
  });

  it('counts everything nobody classified as transient (bounded), never as unavailable', () => {
    expect(classifyCommon(new Error('TypeError somewhere'))).toBe('transient');
    expect(classifyCommon(pgError('23505'))).toBe('transient'); // unique violation: a bug, not an outage
    expect(classifyCommon('a string')).toBe('transient');
  });

  it('treats any failure once the handler was told to stop as an interruption', () => {
    const stopped = AbortSignal.abort();
    expect(classifyCommon(new Error('whatever'), stopped)).toBe('interrupted');
  });
});

describe('failureTracker', () => {
  const backoff = { initialMs: 100, maxMs: 1_000 };
  const half = () => 0.5; // no jitter: 0.8 + 0.4 × 0.5 = 1

  it('given a transient failure, when it repeats, then it backs off and gives up at maxAttempts', () => {
    const t = failureTracker({ maxAttempts: 3, backoff }, half);
    const err = new Error('boom');
    expect(t.failed('p0', '7', err)).toMatchObject({ kind: 'retry', delayMs: 100 });
    expect(t.failed('p0', '7', err)).toMatchObject({ kind: 'retry', delayMs: 200 });
    const last = t.failed('p0', '7', err);
    expect(last).toMatchObject({ kind: 'give-up', attempts: 3, code: 'message-failed-repeatedly' });
    expect(last.kind === 'give-up' && last.message).toContain('failed 3 times');
  });

  it('given an unavailable dependency, when it lasts, then it never gives up and reports until recovery', () => {
    const reports: unknown[] = [];
    const t = failureTracker(
      { maxAttempts: 2, unavailableBackoff: backoff, onUnavailable: (_k, err) => reports.push(err && 'down') },
      half,
    );
    const down = pgError('57P01');
    const delays = Array.from({ length: 10 }, () => t.failed('p0', '1', down));
    expect(delays.every((d) => d.kind === 'retry')).toBe(true);
    expect(delays.map((d) => (d.kind === 'retry' ? d.delayMs : 0)).at(-1)).toBe(1_000); // capped
    t.done('p0');
    expect(reports.at(-1)).toBeNull();
    expect(reports.filter((r) => r === 'down')).toHaveLength(10);
  });

  it('given an outage that outlasts maxUnavailableMs, then the message is given up on so the partition moves on', () => {
    let now = 0;
    const t = failureTracker({ maxUnavailableMs: 60_000, unavailableBackoff: backoff }, half, () => now);
    const down = new DependencyUnavailableError('google', 'Google answered 500 for this spreadsheet');
    expect(t.failed('p0', '1', down).kind).toBe('retry');
    now = 59_999;
    expect(t.failed('p0', '1', down).kind).toBe('retry');
    now = 60_000;
    expect(t.failed('p0', '1', down)).toMatchObject({
      kind: 'give-up',
      code: 'dependency-unavailable',
      message: 'a dependency stayed unavailable for 1 min: Google answered 500 for this spreadsheet',
    });
  });

  it('given a permanent failure, then it gives up on the first attempt with the error’s own code', () => {
    const t = failureTracker({}, half);
    expect(t.failed('p0', '1', new BlobNotFoundError('blob x does not exist'))).toMatchObject({
      kind: 'give-up',
      attempts: 1,
      code: 'blob-missing',
      message: 'blob x does not exist',
    });
  });

  it('counts per partition and head message: a new offset starts a new count', () => {
    const t = failureTracker({ maxAttempts: 2, backoff }, half);
    expect(t.failed('p0', '1', new Error('a')).kind).toBe('retry');
    expect(t.failed('p1', '1', new Error('a')).kind).toBe('retry');
    expect(t.failed('p0', '2', new Error('a')).kind).toBe('retry');
    expect(t.failed('p0', '2', new Error('a')).kind).toBe('give-up');
  });

  it('lets the consumer’s mapping win over the common one', () => {
    const t = failureTracker({ classify: (err) => ((err as Error).message === 'quota' ? 'unavailable' : undefined) });
    expect(t.classify(new Error('quota'))).toBe('unavailable');
    expect(t.classify(new Error('other'))).toBe('transient');
  });

  it('jitters within ±20 %', () => {
    const low = failureTracker({ backoff }, () => 0).failed('p', '1', new Error('x'));
    const high = failureTracker({ backoff }, () => 1).failed('p', '1', new Error('x'));
    expect([low.kind === 'retry' && low.delayMs, high.kind === 'retry' && high.delayMs]).toEqual([80, 120]);
  });
});
