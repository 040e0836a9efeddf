import { describe, expect, it } from 'vitest';
import { bucketParams, reserveSlot } from '../src/sheets/quota-rules.ts';
import { maxInWindow } from './fake-clock.ts';

/** Reserves `n` slots one after another, each asked for at `askAt(i)`, and returns when each may go. */
function slots(n: number, params: ReturnType<typeof bucketParams>[], askAt: (i: number) => number): number[] {
  let tats: (number | undefined)[] = params.map(() => undefined);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = reserveSlot(tats, params, askAt(i));
    out.push(r.at);
    tats = r.tats;
  }
  return out;
}

describe('bucketParams', () => {
  it('Given 60 per minute with a sixth as burst, Then slots are 1.2 s apart with 9 of them early', () => {
    expect(bucketParams(60, 1 / 6, 60_000)).toEqual({ intervalMs: 1_200, toleranceMs: 10_800 });
  });

  it('Given a compressed window, Then the same shape scales with it', () => {
    expect(bucketParams(60, 1 / 6, 2_000)).toEqual({ intervalMs: 40, toleranceMs: 360 });
  });

  it('Given an allowance for late arrivals, Then the slots spread over the window plus it', () => {
    expect(bucketParams(60, 1 / 6, 60_000, 1_000)).toEqual({ intervalMs: 1_220, toleranceMs: 10_980 });
  });

  it('Given calls arriving up to the allowance late, When 200 are sent, Then no window of arrivals holds more than 60', () => {
    const p = bucketParams(60, 1 / 6, 60_000, 1_000);
    const at = slots(200, [p], () => 0);
    // The worst case: every other call arrives as late as allowed, the others on time.
    const arrivals = at.map((t, i) => (i % 2 === 0 ? t + 1_000 : t));
    expect(maxInWindow(arrivals)).toBeLessThanOrEqual(60);
  });

  it('Given a limit too small for a burst, Then the burst is one call', () => {
    expect(bucketParams(3, 1 / 6, 60_000)).toEqual({ intervalMs: 30_000, toleranceMs: 0 });
  });
});

describe('reserveSlot', () => {
  it('Given an unused bucket, When 200 calls ask at once, Then 10 go now and no minute ever holds more than 60', () => {
    const at = slots(200, [bucketParams(60, 1 / 6, 60_000)], () => 0);
    expect(at.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(at[10]).toBe(1_200);
    expect(maxInWindow(at)).toBeLessThanOrEqual(60);
  });

  it('Given calls asked in order, Then their slots are in the same order (first come, first served)', () => {
    const at = slots(100, [bucketParams(60, 1 / 6, 60_000)], (i) => i * 7);
    for (let i = 1; i < at.length; i++) expect(at[i]!).toBeGreaterThanOrEqual(at[i - 1]!);
  });

  it('Given an idle bucket, When a call asks long after, Then it goes at once and no credit was banked beyond the burst', () => {
    const p = bucketParams(60, 1 / 6, 60_000);
    const r = reserveSlot([5_000], [p], 1_000_000);
    expect(r.at).toBe(1_000_000);
    expect(r.tats).toEqual([1_001_200]);
  });

  it('Given a principal bucket and a stricter project bucket, When both are asked, Then the slot obeys both', () => {
    const user = bucketParams(60, 1 / 6, 60_000);
    const project = bucketParams(12, 1 / 6, 60_000);
    const at = slots(50, [user, project], () => 0);
    expect(maxInWindow(at)).toBeLessThanOrEqual(12);
  });

  it('Given a call held back by the project bucket, Then the principal bucket advances from the slot taken, not from now', () => {
    const user = bucketParams(60, 1 / 6, 60_000);
    const project = bucketParams(6, 1 / 6, 60_000);
    const r = reserveSlot([undefined, 12_000], [user, project], 0);
    expect(r.at).toBe(12_000);
    expect(r.tats).toEqual([13_200, 24_000]);
  });

  it('Given several imports taking turns (one call in flight each), Then each gets an equal share of any minute', () => {
    const p = bucketParams(60, 1 / 6, 60_000);
    // Three imports, each asking for its next call the moment its previous one is reserved: round robin by arrival.
    let tats: (number | undefined)[] = [undefined];
    const byImport: number[][] = [[], [], []];
    for (let i = 0; i < 300; i++) {
      const r = reserveSlot(tats, [p], 0);
      byImport[i % 3]!.push(r.at);
      tats = r.tats;
    }
    const shares = byImport.map((times) => times.filter((t) => t >= 60_000 && t < 120_000).length);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });
});
