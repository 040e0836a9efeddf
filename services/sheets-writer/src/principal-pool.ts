import type { EventOfType } from '@reportline/contracts';
import type { Pool } from '@reportline/platform';
import { withAccessErrors } from './access.ts';
import type { SheetsWriterConfig } from './config.ts';
import {
  LOCAL_PRINCIPAL,
  type Principal,
  type PrincipalBindings,
  postgresPrincipalBindings,
  principalOfKeyFile,
} from './principals.ts';
import {
  createQuotaScheduler,
  createSheetsPort,
  fakePrincipalAuth,
  inProcessQuotaStore,
  type PrincipalQuota,
  type QuotaOptions,
  type SheetsPort,
  serviceAccountAuth,
} from './sheets/index.ts';
import { postgresQuotaStore } from './sheets/quota-store.ts';

/** One principal's Sheets client and its share of the quotas. */
export interface PrincipalClient {
  principal: Principal;
  port: SheetsPort;
  quota: PrincipalQuota;
}

export interface PrincipalPool {
  principals: readonly Principal[];
  /** The client of the connection's principal (bound now if new); the first principal's when there is no connection. */
  forConnection(connectionId: string | undefined): Promise<PrincipalClient>;
}

export function configuredPrincipals(config: SheetsWriterConfig): Principal[] {
  if (config.SHEETS_PRINCIPALS) return config.SHEETS_PRINCIPALS;
  const keyFile = config.GOOGLE_APPLICATION_CREDENTIALS;
  return [keyFile ? principalOfKeyFile(keyFile) : LOCAL_PRINCIPAL];
}

/** The connection an import's rows belong to; rows from before RowsProcessed v2 name none. */
export function connectionOf(event: EventOfType<'RowsProcessed'>): string | undefined {
  return 'connectionId' in event.data ? event.data.connectionId : undefined;
}

/**
 * Every principal's client over one quota scheduler, so each principal's calls from this process and (with the
 * Postgres store) from every other writer process draw on the same buckets.
 */
export function createPrincipalPool(
  config: SheetsWriterConfig,
  pool: Pool,
  hooks: Pick<QuotaOptions, 'onRetry' | 'onWait'> = {},
  bindings?: PrincipalBindings,
): PrincipalPool {
  const principals = configuredPrincipals(config);
  const scheduler = createQuotaScheduler({
    limits: {
      writesPerMinutePerUser: config.SHEETS_WRITES_PER_MINUTE_PER_USER,
      writesPerMinutePerProject: config.SHEETS_WRITES_PER_MINUTE_PER_PROJECT,
      windowMs: config.SHEETS_QUOTA_WINDOW_MS,
      arrivalJitterMs: config.SHEETS_QUOTA_JITTER_MS,
    },
    store: config.SHEETS_QUOTA_STORE === 'postgres' ? postgresQuotaStore(pool) : inProcessQuotaStore(),
    ...hooks,
  });
  const clients = new Map(
    principals.map((principal) => [
      principal.email,
      {
        principal,
        port: withAccessErrors(
          createSheetsPort({
            rootUrl: config.SHEETS_API_URL,
            timeoutMs: config.SHEETS_TIMEOUT_MS,
            auth: principal.keyFile ? serviceAccountAuth(principal.keyFile) : fakePrincipalAuth(principal.email),
          }),
          principal.email,
        ),
        quota: scheduler.forPrincipal(principal.email, principal.project),
      },
    ]),
  );
  const bound = bindings ?? postgresPrincipalBindings(pool, principals);
  const first = clients.get(principals[0]!.email)!;
  return {
    principals,
    async forConnection(connectionId) {
      if (!connectionId) return first;
      return clients.get((await bound.bind(connectionId)).email)!;
    },
  };
}
