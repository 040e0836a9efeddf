import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildHttpApp, createLogger, type HttpApp, requireServiceCredential, serviceCredential } from '../src/index.ts';

const credential = 'c'.repeat(40);
let app: HttpApp;

beforeAll(async () => {
  app = await buildHttpApp({ service: 'test', logger: createLogger('test', 'silent') });
  app.post(
    '/internal',
    {
      onRequest: requireServiceCredential(credential),
      schema: { body: z.object({ n: z.number() }) },
    },
    async (req) => ({ n: req.body.n }),
  );
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const post = (headers: Record<string, string>, body: unknown = { n: 1 }) =>
  app.inject({ method: 'POST', url: '/internal', headers, payload: body as object });

describe('requireServiceCredential', () => {
  it('lets the configured credential through', async () => {
    const res = await post({ authorization: `Bearer ${credential}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ n: 1 });
  });

  it('answers 401 problem+json without a credential, with another one, or in another scheme, never echoing it', async () => {
    const wrong = `w${'x'.repeat(45)}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${wrong}` },
      { authorization: `Basic ${credential}` },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json()).toMatchObject({ type: 'urn:reportline:problem:unauthenticated', status: 401 });
      expect(res.body).not.toContain(wrong);
      expect(res.body).not.toContain(credential);
    }
  });

  it('turns an unauthenticated caller away before validating its body', async () => {
    expect((await post({}, { n: 'not a number' })).statusCode).toBe(401);
  });

  it('refuses to protect anything with a short credential, and the config schema says so without the value', () => {
    expect(() => requireServiceCredential('short')).toThrow(/at least 32/);
    const parsed = serviceCredential.safeParse('s3cr3t-but-short');
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues.map((i) => i.message))).not.toContain('s3cr3t');
  });
});
