import { examples } from '@reportline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testEnvironment } from '../../../dev/src/test-environment.ts';
import { until } from '../../../dev/src/wait.ts';
import { createInMemoryBus } from '../src/bus/in-memory-bus.ts';
import { postgresBlobStore } from '../src/pg/blobs.ts';
import { claimEvent } from '../src/pg/inbox.ts';
import { appendToOutbox, relayOutboxOnce } from '../src/pg/outbox.ts';
import { createPool, type Pool, withTransaction } from '../src/pg/pool.ts';
import { postgresSecretStore, SecretNotFoundError } from '../src/pg/secrets.ts';

let pool: Pool;
beforeAll(async () => {
  pool = createPool((await testEnvironment()).databaseUrl);
});
afterAll(() => pool?.end());

describe('Postgres edges', () => {
  it('publishes outbox events only once their transaction committed, in order, once', async () => {
    const service = `svc-${crypto.randomUUID()}`;
    const bus = createInMemoryBus();
    const [a, b, c] = examples.slice(0, 3).map((e) => ({ ...e, id: crypto.randomUUID() }));
    await withTransaction(pool, (tx) => appendToOutbox(tx, service, [a!, b!]));
    await expect(
      withTransaction(pool, async (tx) => {
        await appendToOutbox(tx, service, [c!]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await relayOutboxOnce(pool, bus, service)).toBe(2);
    expect(await relayOutboxOnce(pool, bus, service)).toBe(0);
    expect(bus.published.map((e) => e.id)).toEqual([a!.id, b!.id]);
    await bus.close();
  });

  it('holds no transaction open while publishing, and parks an event the broker refuses instead of wedging', async () => {
    const service = `svc-${crypto.randomUUID()}`;
    const inner = createInMemoryBus();
    const [a, b] = examples.slice(0, 2).map((e) => ({ ...e, id: crypto.randomUUID() }));
    // Stored by an older release, say: no topic carries it any more, so no broker could ever take it.
    const stray = { ...examples[0]!, id: crypto.randomUUID(), type: 'Retired', version: 9 } as unknown as typeof a;
    await withTransaction(pool, (tx) => appendToOutbox(tx, service, [a!, stray!, b!]));
    const openTransactions: number[] = [];
    const bus = {
      ...inner,
      async publish(events: Parameters<typeof inner.publish>[0]) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        );
        openTransactions.push(rows[0]!.n);
        return inner.publish(events);
      },
    };
    const parked: string[] = [];
    expect(
      await relayOutboxOnce(pool, bus, service, 200, (event, reason) => parked.push(`${event.id} ${reason}`)),
    ).toBe(3);
    expect(inner.published.map((e) => e.id)).toEqual([a!.id, b!.id]);
    expect(parked).toEqual([expect.stringContaining(`${stray!.id} no topic carries event Retired v9`)]);
    expect(openTransactions.every((n) => n === 0)).toBe(true);
    const { rows } = await pool.query('SELECT parked_reason FROM platform.outbox WHERE event_id = $1', [stray!.id]);
    expect(rows[0]!.parked_reason).toContain('Retired v9');
    expect(await relayOutboxOnce(pool, bus, service)).toBe(0);
    await inner.close();
  });

  it('bounds every wait: a statement past PG_STATEMENT_TIMEOUT_MS fails instead of hanging', async () => {
    const { databaseUrl } = await testEnvironment();
    const bounded = createPool(databaseUrl, { statementTimeoutMs: 200, max: 1, connectTimeoutMs: 300 });
    try {
      await expect(bounded.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
      const holder = await bounded.connect();
      // The only connection is taken: the next query waits at most connectTimeoutMs for one.
      await expect(bounded.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/);
      holder.release();
    } finally {
      await bounded.end();
    }
  });

  it('survives the server ending a connection a transaction holds: the transaction fails, the next query works', async () => {
    // What a Postgres restart does to a service in the middle of a transaction (57P01 on every session).
    const name = `held-${crypto.randomUUID().slice(0, 8)}`;
    const own = createPool((await testEnvironment()).databaseUrl, { applicationName: name, max: 2 });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = withTransaction(own, async (c) => {
      await c.query('SELECT 1');
      await held; // other work, the client checked out and idle in the transaction
      await c.query('SELECT 2');
    });
    const backends = async () =>
      (await pool.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [name])).rows;
    await until('the transaction to open', async () => ((await backends()).length > 0 ? true : undefined));
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
    await until('the backend to end', async () => ((await backends()).length === 0 ? true : undefined));
    release();
    await expect(tx).rejects.toThrow();
    await expect(own.query('SELECT 42 AS answer')).resolves.toMatchObject({ rows: [{ answer: 42 }] });
    await own.end();
  });

  it('claims an event id once per consumer', async () => {
    const id = crypto.randomUUID();
    expect(await claimEvent(pool, 'consumer-a', id)).toBe(true);
    expect(await claimEvent(pool, 'consumer-a', id)).toBe(false);
    expect(await claimEvent(pool, 'consumer-b', id)).toBe(true);
  });

  it('stores blobs compressed and immutable, verifying content on read', async () => {
    const blobs = postgresBlobStore(pool);
    const content = Buffer.from('20261115\t338047\t"듀이듀이“\n'.repeat(1000));
    const ref = await blobs.put('raw/338047/AD/2026-11-15', content, 'text/tab-separated-values');
    expect(ref.bytes).toBe(content.length);
    expect(await blobs.get(ref)).toEqual(content);
    const { rows } = await pool.query<{ n: number }>('SELECT length(gz) AS n FROM platform.blobs WHERE key = $1', [
      ref.uri.slice('blob://pg/'.length),
    ]);
    expect(rows[0]!.n).toBeLessThan(content.length / 10);
    const other = await blobs.put('raw/338047/AD/2026-11-15', Buffer.from('restated'), 'text/tab-separated-values');
    expect(other.uri).not.toBe(ref.uri);
    expect(await blobs.get(ref)).toEqual(content);
  });

  it('keeps secrets encrypted and refuses the wrong key without revealing anything', async () => {
    const shape = z.object({ apiKey: z.string(), secret: z.string() });
    const ref = `naver/${crypto.randomUUID()}`;
    await postgresSecretStore(pool, Buffer.alloc(32, 1)).put(ref, { apiKey: 'k', secret: 'top-secret' });
    expect(await postgresSecretStore(pool, Buffer.alloc(32, 1)).get(ref, shape)).toEqual({
      apiKey: 'k',
      secret: 'top-secret',
    });
    const wrong = postgresSecretStore(pool, Buffer.alloc(32, 2)).get(ref, shape);
    await expect(wrong).rejects.toThrow(SecretNotFoundError);
    await expect(wrong).rejects.toThrow(`secret ${ref} cannot be decrypted with the configured SECRETS_KEY`);
  });
});
