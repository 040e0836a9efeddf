import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultSchedule } from '../src/faults.ts';
import { foreignHeaders, foreignSignature } from '../src/foreign-tool.ts';

const base = { imports: 40, faults: 8, instances: 2, ttlMs: 15_000 };

describe("the foreign tool's signer", () => {
  it("signs as NAVER's documented scheme says", () => {
    // Given a secret and a timestamp; the expected signatures were computed with OpenSSL:
    //   printf '%s' '1700000000000.DELETE./stat-reports' | openssl dgst -sha256 -hmac "$secret" -binary | base64
    const secret = 'AQAAAADmZXJnZW4=secret';
    // When it signs a delete-all and a create (the query never signed)
    // Then it matches OpenSSL's answers
    expect(foreignSignature(secret, '1700000000000', 'DELETE', '/stat-reports')).toBe(
      'SzX4oKeacX2Awivc2moFd1RsP8ur2a8szw3BWLrAuYg=',
    );
    expect(foreignSignature(secret, '1700000000000', 'post', '/stat-reports?x=1')).toBe(
      'CHH+wrXoA4yqXRkRI8cJ6fXkQt0aSStV9uI7BD/Ezvo=',
    );
  });

  it("labels its requests as foreign and sends NAVER's four headers", () => {
    // Given the customer's credentials as the person gave them to both tools
    const c = { customerId: '8100001', apiKey: 'key', secret: 'AQAAAADmZXJnZW4=secret' };
    // When it builds the headers of a delete-all
    const h = foreignHeaders(c, 1_700_000_000_000.7, 'DELETE', '/stat-reports');
    // Then NAVER's headers are there, the timestamp whole milliseconds, and the simulator's foreign label
    expect(h).toEqual({
      'X-Timestamp': '1700000000000',
      'X-API-KEY': 'key',
      'X-Customer': '8100001',
      'X-Signature': 'SzX4oKeacX2Awivc2moFd1RsP8ur2a8szw3BWLrAuYg=',
      'X-Sim-Foreign': 'chaos-foreign-tool',
    });
  });
});

describe('the fault schedule', () => {
  it('is the same for the same seed, the NAVER faults of the foreign tool included', () => {
    // Given a seed, drawn only from the three NAVER faults of the shared customer id and the data calendar
    const kinds = ['foreignDeleteAll', 'foreignEviction', 'yesterdayNotReady'] as const;
    // When the schedule is drawn twice
    const a = faultSchedule({ ...base, seed: 7, kinds });
    const b = faultSchedule({ ...base, seed: 7, kinds });
    // Then it is the same, every fault one of those kinds with what its injection needs
    expect(a).toEqual(b);
    expect(a).toHaveLength(8);
    for (const f of a) {
      expect(kinds).toContain(f.kind);
      if (f.kind === 'foreignDeleteAll') {
        expect(f.times).toBeGreaterThanOrEqual(1);
        expect(f.times).toBeLessThanOrEqual(6);
        expect(f.customerPick).toBeGreaterThanOrEqual(0);
      }
      if (f.kind === 'foreignEviction') expect(f.times).toBeGreaterThanOrEqual(10);
      if (f.kind === 'yesterdayNotReady') expect(f.durationMs).toBeGreaterThanOrEqual(4_000);
    }
    expect(new Set(a.map((f) => f.kind)).size).toBeGreaterThan(1);
  });

  it('draws every kind over enough seeds', () => {
    // Given many seeds and the whole list of kinds
    const seen = new Set<string>();
    // When their schedules are drawn
    for (let seed = 1; seed <= 200; seed++) for (const f of faultSchedule({ ...base, seed })) seen.add(f.kind);
    // Then no kind is left out of the draw
    expect([...seen].sort()).toEqual([...FAULT_KINDS].sort());
  });
});
