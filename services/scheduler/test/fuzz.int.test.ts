import { until } from '@reportline/dev/wait';
import type { InMemoryBus, Running } from '@reportline/platform';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Inject, OPERATOR_TOKEN, startInMemoryScheduler } from './in-memory-scheduler.ts';

/**
 * Every route of the scheduler's own OpenAPI document, fuzzed: arbitrary and well-shaped-but-wrong bodies, path
 * params, query strings and authorizations. Whatever is sent, the answer is never a 5xx, and every 4xx is a problem
 * with a detail. Routes added later are fuzzed too: the walk is over the document, not a list kept here.
 */
const TOTAL_CASES = 3_000;

let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
/** Ids that exist, so some cases get past the lookups into the routes' logic. */
const known: string[] = [];
const tokens: Record<string, string> = {};

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schemas are walked as plain JSON
type Schema = any;
interface Route {
  method: string;
  path: string;
  pathParams: string[];
  query: Record<string, Schema>;
  headers: Record<string, Schema>;
  body: Schema | undefined;
}

beforeAll(async () => {
  ({ bus, scheduler, inject } = await startInMemoryScheduler());
  const connection = (await createConnection(inject, bus, '551001')).json();
  known.push(connection.id);
  const requested = await inject({
    method: 'POST',
    url: '/imports',
    payload: { connectionId: connection.id, dateRange: { from: '2026-10-01', to: '2026-10-02' } },
  });
  known.push(requested.json().importId);
  const tenant = (await inject({ method: 'POST', url: '/tenants', payload: { name: 'fuzz-other' } })).json();
  tokens.otherAdmin = tenant.adminToken.token;
  for (const scope of ['read-only', 'member'] as const) {
    const minted = await inject({ method: 'POST', url: '/tokens', payload: { name: `fuzz ${scope}`, scope } });
    tokens[scope] = minted.json().token;
  }
  await until('the tokens minted', () => (tokens['read-only'] && tokens.member) || undefined);
});

afterAll(async () => {
  await scheduler?.close();
});

async function routesOfDocument(): Promise<Route[]> {
  const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
  const routes: Route[] = [];
  for (const [path, item] of Object.entries<Record<string, Schema>>(doc.paths)) {
    // An event stream's 200 never ends, which inject cannot wait out; events.int.test.ts holds them to account over a
    // socket.
    if (path === '/events' || path.endsWith('/events')) continue;
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params: Schema[] = op.parameters ?? [];
      const byPlace = (place: string) =>
        Object.fromEntries(params.filter((p) => p.in === place).map((p) => [p.name, p.schema ?? {}]));
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: byPlace('query'),
        headers: byPlace('header'),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return routes;
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'null', 'true', '2026-02-30', '9999-99-99T99:99:99Z', '%00', '../'),
);
const huge = fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n));

/** A value of the schema's shape, or near it: the right type with random content, sometimes the wrong type. */
function shaped(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  if (!schema || depth > 3) return anyJson;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return fc.oneof(...variants.map((v: Schema) => shaped(v, depth)));
  if (Array.isArray(schema.enum)) return fc.oneof(fc.constantFrom(...schema.enum), anyJson);
  let right: fc.Arbitrary<unknown>;
  switch (schema.type) {
    case 'string':
      right =
        schema.format === 'uuid'
          ? fc.oneof(fc.constantFrom(...known), fc.uuid(), text)
          : fc.oneof(
              text,
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
            );
      break;
    case 'integer':
    case 'number':
      right = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 53, 1e308));
      break;
    case 'boolean':
      right = fc.boolean();
      break;
    case 'array':
      right = fc.array(shaped(schema.items, depth + 1), { maxLength: 6 });
      break;
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries<Schema>(schema.properties ?? {})) props[k] = shaped(v, depth + 1);
      right = fc
        .tuple(
          fc.record(props, { requiredKeys: [] }),
          fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 2 }),
        )
        .map(([known, extra]) => ({ ...extra, ...known }));
      break;
    }
    default:
      right = anyJson;
  }
  return fc.oneof({ arbitrary: right, weight: 4 }, { arbitrary: anyJson, weight: 1 });
}

const asQueryValue = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

const body = (route: Route) =>
  fc.oneof(
    { arbitrary: shaped(route.body).map((v) => JSON.stringify(v) ?? 'null'), weight: 5 },
    { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? 'null'), weight: 1 },
    { arbitrary: text, weight: 1 }, // not JSON at all
  );

// Mostly valid tokens of every scope, so most cases reach the routes' validation and logic.
const authorization = () =>
  fc.oneof(
    {
      arbitrary: fc.constantFrom(
        `Bearer ${OPERATOR_TOKEN}`,
        `Bearer ${tokens['read-only']}`,
        `Bearer ${tokens.member}`,
        `Bearer ${tokens.otherAdmin}`,
      ),
      weight: 8,
    },
    fc.constant(undefined),
    fc.constantFrom('Bearer', 'Bearer ', `Basic ${Buffer.from('a:b').toString('base64')}`, `bearer ${OPERATOR_TOKEN}x`),
    fc.string({ maxLength: 300 }).map((s) => `Bearer ${s}`),
    fc.string({ maxLength: 100 }),
  );

const statuses = new Map<number, number>();

/** One request to `route`: its path filled with fuzzed params, a query string, headers and maybe a body. */
function request(route: Route) {
  const param = fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 3 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: text, weight: 2 },
    { arbitrary: huge, weight: 1 },
  );
  return fc.record({
    params: fc.tuple(...route.pathParams.map(() => param)),
    query: fc.tuple(
      fc.record(Object.fromEntries(Object.entries(route.query).map(([k, s]) => [k, shaped(s).map(asQueryValue)])), {
        requiredKeys: [],
      }),
      fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 }),
    ),
    authorization: authorization(),
    idempotencyKey: fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{0,300}$/), fc.uuid()), { nil: undefined }),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
    body: route.method === 'GET' ? fc.constant(undefined) : fc.option(body(route), { nil: undefined, freq: 5 }),
  });
}

describe('fuzzing every documented route', () => {
  it(`answers ${TOTAL_CASES} arbitrary requests without a 5xx, every 4xx a problem with a detail`, async () => {
    // Deletions last: the known connection and import then stay for the other routes' cases.
    const routes = (await routesOfDocument()).sort(
      (a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'),
    );
    expect(routes.length).toBeGreaterThan(5);
    const perRoute = Math.ceil(TOTAL_CASES / routes.length);
    let cases = 0;
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(request(route), async (r) => {
          cases++;
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.params[i++] as string));
          const pairs = Object.entries({ ...r.query[1], ...r.query[0] }).filter(
            (kv): kv is [string, string] => kv[1] !== undefined,
          );
          const query = new URLSearchParams(pairs).toString();
          const headers: Record<string, string> = {};
          // No authorization header at all is one of the cases; inject's default would add the operator's.
          headers.authorization = r.authorization ?? '';
          if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
          if (r.body !== undefined && r.contentType) headers['content-type'] = r.contentType;
          const res = await inject({
            method: route.method as 'GET',
            url: query ? `${path}?${query}` : path,
            headers,
            ...(r.body !== undefined ? { payload: r.body } : {}),
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const where = `${route.method} ${route.path} → ${res.statusCode}: ${res.body.slice(0, 300)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.headers['content-type'], where).toContain('application/problem+json');
            const detail = res.json().detail;
            expect(typeof detail === 'string' && detail.length > 0, where).toBe(true);
          }
        }),
        { numRuns: perRoute },
      );
    }
    expect(cases).toBeGreaterThanOrEqual(1_000);
    console.info('answers by status:', Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
  }, 120_000);
});
