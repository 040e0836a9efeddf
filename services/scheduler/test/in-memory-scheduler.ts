import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createInMemoryBus, type InMemoryBus, loadConfig, type Running } from '@reportline/platform';
import { buildScheduler } from '../src/app.ts';
import { schedulerConfig } from '../src/config.ts';

export type Inject = Awaited<ReturnType<typeof buildScheduler>>['http']['inject'];

/**
 * The scheduler's real wiring on an in-memory bus and this worker's Postgres, started, with `inject` for its routes and
 * the database's URL for tests that set up stored state.
 */
export async function startInMemoryScheduler(): Promise<{
  bus: InMemoryBus;
  scheduler: Running;
  inject: Inject;
  databaseUrl: string;
}> {
  const env = await isolatedEnvironment();
  const bus = createInMemoryBus();
  const config = loadConfig(schedulerConfig, {
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: 'silent',
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  const built = await buildScheduler(config, { bus });
  const inject = built.http.inject.bind(built.http);
  return { bus, inject, scheduler: await built.start(), databaseUrl: env.databaseUrl };
}

/** POST /connections for `customerId` with a fixed target and AD reports; the response as `inject` gives it. */
export const createConnection = (inject: Inject, customerId: string) =>
  inject({
    method: 'POST',
    url: '/connections',
    payload: {
      customerId,
      apiKey: 'key',
      secret: 'never-shown',
      reportTypes: ['AD'],
      historyDays: 7,
      spreadsheetId: 'sheet-1',
      sheetName: '로우데이터',
    },
  });
