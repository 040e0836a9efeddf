import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultSchedule } from '../src/faults.ts';

const options = { seed: 2026, imports: 1000, faults: 400, instances: 2, ttlMs: 15_000 };

describe('the fault schedule', () => {
  it('is the same list for the same seed, and another for another seed', () => {
    expect(faultSchedule(options)).toEqual(faultSchedule(options));
    expect(faultSchedule({ ...options, seed: 2027 })).not.toEqual(faultSchedule(options));
  });

  it('draws every kind of fault in a long schedule, in the order of the workload', () => {
    const schedule = faultSchedule(options);
    expect(schedule).toHaveLength(400);
    expect(new Set(schedule.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    const moments = schedule.map((f) => f.atImport * 10_000 + f.delayMs);
    expect(moments).toEqual([...moments].sort((a, b) => a - b));
    expect(schedule.every((f) => f.atImport >= 0 && f.atImport < options.imports)).toBe(true);
  });

  it('pauses an instance for longer than the lease TTL, so the stopped holder loses its lease', () => {
    const stops = faultSchedule(options).filter((f) => f.kind === 'stop');
    expect(stops.length).toBeGreaterThan(0);
    expect(stops.every((f) => f.durationMs > options.ttlMs)).toBe(true);
  });

  it('restarts the broker both ways (controlled shutdown and crash), and keeps it and Postgres down a while', () => {
    const schedule = faultSchedule(options);
    const broker = schedule.filter((f) => f.kind === 'brokerRestart');
    expect(new Set(broker.map((f) => f.signal))).toEqual(new Set(['SIGTERM', 'SIGKILL']));
    const restarts = schedule.filter((f) => f.kind === 'brokerRestart' || f.kind === 'postgresRestart');
    expect(restarts.every((f) => f.durationMs >= 1_000 && f.durationMs < 6_000)).toBe(true);
  });
});
