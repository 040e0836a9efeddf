import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.ts';
import {
  alertPayload,
  decide,
  deliveryHeaders,
  describeFailure,
  retryDelayMs,
  shownUrl,
  slackPayload,
  verdictOf,
  webhookBody,
  webhookUrlProblem,
} from '../src/alerts/delivery-rules.ts';
import { decodeCursor, encodeCursor } from '../src/alerts/store.ts';

const alert: Alert = {
  tenantId: '6a0f6b1e-3d4c-4b8a-9e2f-1c0d9b8a7f01',
  kind: 'import-failed',
  connectionId: '0b5c2c39-5a43-4f4e-9a43-55d0a6f1a001',
  customerId: '338047',
  importId: '5d7e1f0a-0c1e-4b8e-8f4e-3c2d1b0a9f01',
  title: 'Import failed for 338047 → Sheet 로우데이터',
  message: 'NAVER refused the API key <b>&</b> secret',
  action: 'Enter a new API key and secret for the connection',
  at: new Date('2026-12-01T00:00:00Z'),
  dedupeKey: 'import-failed:5d7e1f0a',
};
const deliveryId = '9f1e2d3c-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const half = () => 0.5;

describe('the retry schedule', () => {
  it('given jitter at its middle, then the waits are 30 s doubling and capped at 1 h', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n, half));
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
  });

  it('given any jitter, then a wait stays within ±20 % and never passes 1 h', () => {
    for (const r of [0, 0.25, 0.999]) {
      expect(retryDelayMs(1, () => r)).toBeGreaterThanOrEqual(24_000);
      expect(retryDelayMs(1, () => r)).toBeLessThanOrEqual(36_000);
      expect(retryDelayMs(20, () => r)).toBeLessThanOrEqual(3_600_000);
      expect(retryDelayMs(20, () => r)).toBeGreaterThanOrEqual(2_880_000);
    }
  });
});

describe('which receiver answers are retried', () => {
  it('given a 2xx, then the alert is delivered', () => {
    for (const s of [200, 201, 202, 204, 299]) expect(verdictOf(s)).toBe('delivered');
  });

  it('given a 5xx, 408 or 429, then the attempt is retried', () => {
    for (const s of [500, 502, 503, 504, 408, 429]) expect(verdictOf(s)).toBe('retry');
  });

  it('given any other 4xx or a redirect, then the receiver refused it and it fails at once', () => {
    for (const s of [400, 401, 403, 404, 410, 413, 422, 301, 302, 307]) expect(verdictOf(s)).toBe('refused');
  });

  it('given a retryable answer with attempts left, then it is queued again after the backoff', () => {
    expect(decide('retry', 1, 8, half)).toEqual({ status: 'queued', retryInMs: 30_000 });
    expect(decide('retry', 3, 8, half)).toEqual({ status: 'queued', retryInMs: 120_000 });
  });

  it('given a retryable answer at the last attempt, then it fails: nothing retries forever', () => {
    expect(decide('retry', 8, 8, half)).toEqual({ status: 'failed', reason: 'attempts-exhausted' });
  });

  it('given a refusal at the first attempt, then it fails without retry', () => {
    expect(decide('refused', 1, 8, half)).toEqual({ status: 'failed', reason: 'refused' });
    expect(decide('delivered', 8, 8, half)).toEqual({ status: 'delivered' });
  });
});

describe('signing a delivery', () => {
  it('given a secret, body and time, then the signature is the HMAC-SHA256 of "<unix seconds>.<body>"', () => {
    const body = webhookBody('json', alertPayload(deliveryId, alert));
    const now = new Date('2026-12-01T00:00:00.900Z');
    const headers = deliveryHeaders({ kind: 'import-failed', deliveryId, secret: 'whsec_test', body, now });
    const expected = createHmac('sha256', 'whsec_test').update(`1796083200.${body}`).digest('hex');
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-reportline-event': 'import-failed',
      'x-reportline-delivery': deliveryId,
      'x-reportline-timestamp': '1796083200',
      'x-reportline-signature': `sha256=${expected}`,
    });
  });

  it('given another secret or another timestamp, then the signature differs', () => {
    const body = '{}';
    const at = new Date('2026-12-01T00:00:00Z');
    const sig = (secret: string, now: Date) =>
      deliveryHeaders({ kind: 'test', deliveryId, secret, body, now })['x-reportline-signature'];
    expect(sig('a', at)).not.toBe(sig('b', at));
    expect(sig('a', at)).not.toBe(sig('a', new Date(at.getTime() + 1000)));
  });
});

describe('the payloads', () => {
  it('given an alert, then the json payload carries its fields, the delivery id and the time as ISO', () => {
    expect(JSON.parse(webhookBody('json', alertPayload(deliveryId, alert)))).toEqual({
      id: deliveryId,
      kind: 'import-failed',
      tenantId: alert.tenantId,
      connectionId: alert.connectionId,
      customerId: '338047',
      importId: alert.importId,
      title: alert.title,
      message: alert.message,
      action: alert.action,
      at: '2026-12-01T00:00:00.000Z',
    });
  });

  it('given an alert, then the slack payload has a bold title with the message, the action and the ids', () => {
    const slack = slackPayload(alertPayload(deliveryId, alert));
    expect(slack.text).toBe(alert.title);
    expect(slack.blocks).toHaveLength(3);
    expect(slack.blocks[0]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Import failed for 338047 → Sheet 로우데이터*\nNAVER refused the API key &lt;b&gt;&amp;&lt;/b&gt; secret',
      },
    });
    expect(JSON.stringify(slack.blocks[1])).toContain('*What to do:* Enter a new API key');
    const context = JSON.stringify(slack.blocks[2]);
    expect(slack.blocks[2]?.type).toBe('context');
    for (const id of [alert.connectionId!, alert.importId!, '338047', deliveryId]) expect(context).toContain(id);
  });

  it('given an alert without action or connection (a test alert), then slack leaves those parts out', () => {
    const p = alertPayload(deliveryId, { ...alert, kind: 'test', action: null, connectionId: null, importId: null });
    const slack = slackPayload(p);
    expect(slack.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(slack.blocks[1])).not.toContain('connection');
  });

  it('given a very long message, then the slack section stays within 3000 characters', () => {
    const slack = slackPayload(alertPayload(deliveryId, { ...alert, message: 'x'.repeat(5000) }));
    const section = slack.blocks[0] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
  });
});

describe('webhook URLs', () => {
  it('given https, or http to this machine, then the URL is accepted', () => {
    for (const u of ['https://hooks.slack.com/services/T/B/x', 'http://localhost:8080/a', 'http://127.0.0.1:9/x'])
      expect(webhookUrlProblem(u)).toBeUndefined();
  });

  it('given http elsewhere, another scheme, credentials or no URL, then it is refused with the reason', () => {
    expect(webhookUrlProblem('http://example.com/hook')).toContain('https');
    expect(webhookUrlProblem('ftp://example.com/hook')).toContain('https');
    expect(webhookUrlProblem('https://u:p@example.com/hook')).toContain('user or password');
    expect(webhookUrlProblem('not a url')).toContain('absolute URL');
  });

  it('given a URL with a token in its query, then what is shown and logged leaves the query out', () => {
    expect(shownUrl('https://example.com/hook?token=s3cret&x=1')).toBe('https://example.com/hook?…');
    expect(shownUrl('https://example.com/hook')).toBe('https://example.com/hook');
  });

  it('given an error naming the full URL, then its description does not carry the query', () => {
    const url = 'https://example.com/hook?token=s3cret';
    expect(describeFailure(new Error(`failed to reach ${url}`), url, 1000)).not.toContain('s3cret');
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    expect(describeFailure(timeout, url, 1000)).toBe('no answer within 1000 ms');
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
    });
    expect(describeFailure(refused, url, 1000)).toBe('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9');
  });
});

describe('the delivery log cursor', () => {
  it('given a row, then its cursor decodes to its time and id', () => {
    const c = encodeCursor({ createdAt: '2026-12-01T00:00:00.123Z', id: deliveryId });
    expect(decodeCursor(c)).toEqual({ createdAt: new Date('2026-12-01T00:00:00.123Z'), id: deliveryId });
  });

  it('given something else, then it is no cursor', () => {
    for (const bad of [
      '',
      'abc',
      Buffer.from('x|y').toString('base64url'),
      Buffer.from('2026|1|2').toString('base64url'),
    ])
      expect(decodeCursor(bad)).toBeUndefined();
  });
});
