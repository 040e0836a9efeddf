import { describe, expect, it } from 'vitest';
import { fakeWithClock, valuesUrl } from './fake-client.ts';

// Verbatim from reference/google-sheets-api.md (ballerina-library#5735).
const SHEET_429 = {
  error: {
    code: 429,
    message:
      "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:x'.",
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: {
          quota_metric: 'sheets.googleapis.com/write_requests',
          quota_limit_value: '60',
          quota_limit: 'WriteRequestsPerMinutePerUser',
          service: 'sheets.googleapis.com',
        },
      },
    ],
  },
};

function seeded(config?: Parameters<typeof fakeWithClock>[0]) {
  const fake = fakeWithClock(config);
  fake.state.seedSpreadsheet({ spreadsheetId: 'ss1' });
  const write = (token?: string) => fake.call('PUT', valuesUrl('ss1', 'Sheet1!A1'), { values: [[1]] }, token);
  return { ...fake, write };
}

describe('per-minute write quotas', () => {
  it('answers the 61st write of a user within a minute with the exact 429 body', async () => {
    const { write, clock } = seeded();
    for (let i = 0; i < 60; i++) {
      expect((await write('sa-token')).status).toBe(200);
      clock.now += 500;
    }
    expect(await write('sa-token')).toEqual({ status: 429, body: SHEET_429 });
  });

  it('slides: a write is admitted once the oldest of the window is a minute old', async () => {
    const { write, clock } = seeded({ limits: { writesPerMinutePerUser: 2 } });
    const t0 = clock.now;
    await write();
    clock.now += 30_000;
    await write();
    expect((await write()).status).toBe(429);
    clock.now = t0 + 60_000;
    expect((await write()).status).toBe(200);
    expect((await write()).status).toBe(429);
  });

  it('counts users by bearer token and the project across all of them', async () => {
    const { write } = seeded({ limits: { writesPerMinutePerUser: 2, writesPerMinutePerProject: 3 } });
    expect((await write('a')).status).toBe(200);
    expect((await write('a')).status).toBe(200);
    expect((await write('a')).status).toBe(429);
    expect((await write('b')).status).toBe(200);
    const res = await write('c');
    expect(res.status).toBe(429);
    expect(res.body.error.message).toContain("limit 'Write requests per minute' of service");
    expect(res.body.error.details[0].metadata).toMatchObject({
      quota_limit: 'WriteRequestsPerMinutePerProject',
      quota_limit_value: '3',
    });
  });

  it('keeps reads on their own counters', async () => {
    const { write, call } = seeded({ limits: { writesPerMinutePerUser: 1 } });
    await write();
    expect((await write()).status).toBe(429);
    expect((await call('GET', valuesUrl('ss1', 'Sheet1!A1', ''))).status).toBe(200);
  });
});
