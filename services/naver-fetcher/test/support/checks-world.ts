import { randomBytes } from 'node:crypto';
import {
  CredentialsCheckRequestedV1,
  ImportRequestedV1,
  makeEvent,
  naverSecretRef,
  type ReportlineEvent,
  topics,
} from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { type SimulatorConfigInput, startSimulator } from '@reportline/naver-simulator';
import { createKafkaBus, createPool, loadConfig, postgresSecretStore, type Running } from '@reportline/platform';
import { startFetcher } from '../../src/app.ts';
import { fetcherConfig } from '../../src/config.ts';

// Shared by the credentials-check int tests: the real lock-service and fetcher over a real broker and Postgres, the
// NAVER simulator, and an event tap on the imports and leases topics. The test plays the scheduler.

export interface SimCustomer {
  customerId: string;
  apiKey: string;
  secret: string;
  size: 'tiny';
  seed: number;
}

export const simCustomer = (customerId: string, seed: number): SimCustomer => ({
  customerId,
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'tiny',
  seed,
});

export interface Hold {
  importId: string;
  grantedAt: string;
  endedAt: string | null;
  endedBy: string | null;
}

export async function startChecksWorld(opts: {
  customers: SimCustomer[];
  knobs: SimulatorConfigInput['knobs'];
  lock: Record<string, string>;
  fetcher: Record<string, string>;
}) {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  const naver = await startSimulator({ customers: opts.customers, knobs: opts.knobs });
  const secretsKey = randomBytes(32).toString('base64');
  const base = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  };
  const services: Running[] = [];
  const lock = await startLockService(loadConfig(lockServiceConfig, { ...base, TICK_MS: '100', ...opts.lock }));
  services.push(lock);
  const fetcherEnv = {
    ...base,
    SECRETS_KEY: secretsKey,
    NAVER_BASE_URL: naver.url,
    NAVER_SEND_ORIGIN: 'true',
    NAVER_POLL_MS: '100',
    LOCK_SERVICE_URL: lock.url,
    CONSUMER_RETRY_INITIAL_MS: '100',
    CONSUMER_RETRY_MAX_MS: '200',
    ...opts.fetcher,
  };
  services.push(await startFetcher(loadConfig(fetcherConfig, fetcherEnv)));
  const pool = createPool(env.databaseUrl);
  const secrets = postgresSecretStore(pool, Buffer.from(secretsKey, 'base64'));
  const bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'fetcher-checks-test', topicPrefix: prefix });
  const events: ReportlineEvent[] = [];
  await bus.subscribe({
    group: 'fetcher-checks-observer',
    topics: [topics.imports, topics.leases],
    handle: async (e) => {
      events.push(e);
    },
  });

  const eventOf = (type: string, importId: string, timeoutMs = 30_000) =>
    until(`${type} of ${importId}`, () => events.find((e) => e.type === type && e.importId === importId), timeoutMs);
  const lockHistory = async (customerId: string) =>
    ((await (await fetch(`${lock.url}/locks/${customerId}`)).json()) as { history: Hold[] }).history;

  return {
    events,
    eventOf,
    pool,
    naverUrl: naver.url,
    lockHistory,
    async checked(checkId: string) {
      return (await eventOf('CredentialsChecked', checkId)) as Extract<ReportlineEvent, { type: 'CredentialsChecked' }>;
    },
    /** The ended hold of `importId` in the lock history (GET /locks/:id), once it has ended. */
    holdOf: (customerId: string, importId: string) =>
      until(`the ended hold of ${importId}`, async () =>
        (await lockHistory(customerId)).find((h) => h.importId === importId && h.endedAt !== null),
      ),
    /** The NAVER requests the simulator recorded for one lease (`importId#fencingToken`), as `METHOD /path`. */
    async naverCalls(origin: string) {
      const recorded = (await (await fetch(`${naver.url}/_sim/requests`)).json()) as {
        origin: string | null;
        method: string;
        path: string;
      }[];
      return recorded.filter((r) => r.origin === origin).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    },
    /** Stores the connection's credentials as the scheduler does (unless `null`) and publishes its check request. */
    async requestCheck(customerId: string, credentials: { customerId: string; apiKey: string; secret: string } | null) {
      const connectionId = crypto.randomUUID();
      if (credentials) await secrets.put(naverSecretRef(connectionId), credentials);
      const request = makeEvent(
        CredentialsCheckRequestedV1,
        { connectionId, reason: 'created' },
        { source: 'test', importId: crypto.randomUUID(), customerId, now: new Date() },
      );
      await bus.publish([request]);
      return request;
    },
    /** A scheduled import of one AD day, with its connection's credentials stored. */
    async requestImport(c: SimCustomer, day: string) {
      const connectionId = crypto.randomUUID();
      await secrets.put(naverSecretRef(connectionId), { customerId: c.customerId, apiKey: c.apiKey, secret: c.secret });
      const request = makeEvent(
        ImportRequestedV1,
        {
          connectionId,
          trigger: 'scheduled',
          priority: 'scheduled',
          reportTypes: ['AD'],
          dateRange: { from: day, to: day },
          target: { spreadsheetId: 's', sheetName: 't' },
        },
        { source: 'test', importId: crypto.randomUUID(), customerId: c.customerId, now: new Date() },
      );
      await bus.publish([request]);
      return request;
    },
    async close() {
      await bus.close();
      for (const s of services.reverse()) await s.close();
      await pool.end();
      await naver.close();
    },
  };
}

export type ChecksWorld = Awaited<ReturnType<typeof startChecksWorld>>;
