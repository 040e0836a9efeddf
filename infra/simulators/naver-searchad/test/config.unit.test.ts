import { describe, expect, it } from 'vitest';
import { parseKnobPatch, parseSimulatorConfig } from '../src/config.ts';

describe('simulator config', () => {
  it('fills every knob with the sheet’s defaults', () => {
    const config = parseSimulatorConfig({ customers: [{ customerId: 1, apiKey: 'k', secret: 's' }] });
    expect(config.customers[0]).toMatchObject({ customerId: '1', size: 'small', seed: 1 });
    expect(config.knobs).toMatchObject({
      clockSkewMs: 30_000,
      dataReadyHourKst: 6,
      rateLimit: { perSecond: 10, key: 'customer', style: 'json' },
      lookBackDays: { AD: 365, AD_DETAIL: 30, AD_CONVERSION: 365, AD_CONVERSION_DETAIL: 45 },
      statJobLimit: 100,
      masterJobLimit: 100,
      listOrder: 'created-asc',
      dedupeDuplicatePosts: false,
    });
  });

  it('names every problem with its path and never echoes a secret', () => {
    let message = '';
    try {
      parseSimulatorConfig({
        customers: [
          { customerId: 'abc', apiKey: 'k', secret: 'TOPSECRET', size: 'huge' },
          { customerId: '2', apiKey: 'k', secret: 'OTHERSECRET' },
        ],
        knobs: { rates: { http500: 1.5 }, today: '2025/10/01' },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('customers[0].customerId');
    expect(message).toContain('customers[0].size');
    expect(message).toContain('knobs.rates.http500');
    expect(message).toContain('knobs.today');
    expect(message).not.toContain('TOPSECRET');
    expect(message).not.toContain('OTHERSECRET');
  });

  it('rejects one license with two secrets and duplicate customer ids', () => {
    expect(() =>
      parseSimulatorConfig({
        customers: [
          { customerId: '1', apiKey: 'k', secret: 'a' },
          { customerId: '1', apiKey: 'k', secret: 'b' },
        ],
      }),
    ).toThrow(/duplicate 1[\s\S]*one apiKey/);
  });

  it('replaces array knobs whole on patch, and rejects a bad scripted outcome', () => {
    const { knobs } = parseSimulatorConfig({
      customers: [{ customerId: 1, apiKey: 'k', secret: 's' }],
      knobs: { stuckJobs: [{ statDate: '2025-10-01' }, { statDate: '2025-10-02' }] },
    });
    const patched = parseKnobPatch(knobs, { stuckJobs: [{ reportTp: 'AD' }], revisions: [] });
    expect(patched.stuckJobs).toEqual([{ reportTp: 'AD', status: 'RUNNING' }]);
    expect(patched.rateLimit.countDownloads).toBe(true);
    expect(() => parseKnobPatch(knobs, { scripted: [{ statDate: '2025-10-01', outcome: 'BUILT' }] })).toThrow(
      /scripted/,
    );
  });
});
