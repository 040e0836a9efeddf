import {
  type BlobRef,
  ChunkDownloadedV2,
  type EventOfType,
  ImportFailedV1,
  type ImportRequest,
  LeaseRequestedV1,
  makeEvent,
  NaverCredentials,
  naverSecretRef,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  DUPLICATE,
  handleOnce,
  type Logger,
  PermanentFailureError,
  type Pool,
  type Queryable,
  SecretNotFoundError,
  type SecretStore,
} from '@reportline/platform';
import { credentialsFingerprint, isVerified, loadCalendar } from './calendar-store.ts';
import { calendarPolicy, type FetcherConfig } from './config.ts';
import { CredentialsCustomerMismatchError, checkCredentialsCustomer } from './domain/credentials.ts';
import { decideRequest, type ImportOutcome } from './domain/outcome.ts';
import { type ImportPlan, planImport } from './domain/plan.ts';
import { markServed } from './store.ts';

export const REQUESTS_CONSUMER = 'naver-fetcher-requests';

export interface RequestDeps {
  config: FetcherConfig;
  pool: Pool;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  nudge: () => void;
  service: string;
  /** The customer's master-data snapshot for the processor (undefined before the first master fetch). */
  masterSnapshot: (db: Queryable, customerId: string) => Promise<BlobRef | undefined>;
  /** Counts reports served from the store (metrics). */
  onServed?: (reports: number) => void;
}

/** The credentials of a connection, checked against the customer id the import (or check) is for; never logged. */
export async function credentialsFor(secrets: SecretStore, request: { connectionId: string }, customerId: string) {
  try {
    const credentials = await secrets.get(naverSecretRef(request.connectionId), NaverCredentials);
    checkCredentialsCustomer(credentials, customerId);
    return credentials;
  } catch (error) {
    // Neither heals by retrying the message: the connection must be linked again.
    if (error instanceof SecretNotFoundError) {
      throw new PermanentFailureError(
        'credentials-missing',
        `no usable NAVER credentials are stored for connection ${request.connectionId} (${error.message}); link the account again`,
        { cause: error },
      );
    }
    if (error instanceof CredentialsCustomerMismatchError) {
      throw new PermanentFailureError('credentials-customer-mismatch', error.message, { cause: error });
    }
    throw error;
  }
}

/** The plan of an import from the calendar as it is now, and whether its credentials may be served stored data. */
export async function planFromCalendar(
  deps: Pick<RequestDeps, 'config'>,
  db: Queryable,
  request: ImportRequest,
  customerId: string,
  fingerprint: string,
  now: Date,
): Promise<{ plan: ImportPlan; verified: boolean }> {
  const calendar = await loadCalendar(db, customerId, request.reportTypes, request.dateRange);
  const plan = planImport(request, calendar, calendarPolicy(deps.config), now);
  const verified = await isVerified(db, customerId, fingerprint, now, deps.config.CREDENTIALS_TRUST_MS);
  return { plan, verified };
}

/** ChunkDownloaded v2 for the reports served from the store: one event for all of them, not one per day. */
export function storeProgress(outcome: Pick<ImportOutcome, 'reports'>, total: number) {
  const stored = outcome.reports.filter((r) => r.source === 'store');
  if (stored.length === 0) return undefined;
  return {
    source: 'store' as const,
    reports: stored.map((r) => ({ reportType: r.reportType, statDate: r.statDate, outcome: r.outcome })),
    bytes: stored.reduce((sum, r) => sum + (r.file?.bytes ?? 0), 0),
    completed: stored.length,
    total,
  };
}

/**
 * An ImportRequested, planned against the data calendar before any lease: served from the store when every report
 * is stored and final and NAVER accepted the credentials (no lease, no NAVER call), else a LeaseRequested for the
 * lock to queue. Exactly once in effect: the inbox mark and the events commit together.
 */
export async function onImportRequested(deps: RequestDeps, event: EventOfType<'ImportRequested'>): Promise<void> {
  const { importId, customerId } = event;
  const request = event.data;
  const log = deps.logger.child({ importId, customerId });
  const now = deps.clock.now();
  // A consumer group reading the topic from its start (a first deploy, a reset) must not revive old imports: past
  // the scheduler's import lifetime an import has been ended already.
  if (now.getTime() - Date.parse(event.time) > deps.config.NAVER_REQUEST_MAX_AGE_MS) {
    log.info({ requestedAt: event.time }, 'import request older than NAVER_REQUEST_MAX_AGE_MS ignored');
    return;
  }
  const ctx = { source: deps.service, importId, customerId, causedBy: event, now };
  let credentials: Awaited<ReturnType<typeof credentialsFor>>;
  try {
    credentials = await credentialsFor(deps.secrets, request, customerId);
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    // The connection must be linked again: end the import now, in the connection's terms, before any lease.
    const data = { stage: 'download' as const, code: error.code, message: error.message, retryable: false };
    const wrote = await handleOnce(deps.pool, REQUESTS_CONSUMER, event.id, {
      inside: (tx) => appendToOutbox(tx, deps.service, [makeEvent(ImportFailedV1, data, ctx)]),
    });
    log.warn({ code: error.code }, 'import refused: its credentials cannot be used');
    if (wrote !== DUPLICATE) deps.nudge();
    return;
  }
  const fingerprint = credentialsFingerprint(deps.config.SECRETS_KEY, credentials);
  const wrote = await handleOnce(deps.pool, REQUESTS_CONSUMER, event.id, {
    inside: async (tx) => {
      const { plan, verified } = await planFromCalendar(deps, tx, request, customerId, fingerprint, now);
      const decision = decideRequest(plan, verified);
      if (decision.kind === 'refuse') {
        const data = { stage: 'download' as const, code: decision.code, message: decision.message, retryable: false };
        await appendToOutbox(tx, deps.service, [makeEvent(ImportFailedV1, data, ctx)]);
        log.info({ code: decision.code }, 'import refused: nothing to fetch');
        return 0;
      }
      if (decision.kind === 'lease') {
        const data = {
          request,
          naverReports: plan.naver.length,
          storeReports: plan.store.length,
          verifyCredentials: !verified,
        };
        await appendToOutbox(tx, deps.service, [makeEvent(LeaseRequestedV1, data, ctx)]);
        log.info(
          { naverReports: plan.naver.length, storeReports: plan.store.length, why: decision.reason },
          'lease requested',
        );
        return 0;
      }
      const outcome: ImportOutcome = {
        reports: plan.store.map((r) => ({ ...r, source: 'store' as const })),
        pending: [],
        clamped: plan.clamped,
      };
      const progress = storeProgress(outcome, plan.store.length)!;
      const downloaded = makeEvent(
        ReportsDownloadedV3,
        {
          ...outcome,
          naverRequests: 0,
          reportJobs: 0,
          master: await deps.masterSnapshot(tx, customerId),
          connectionId: request.connectionId,
          target: request.target,
        },
        ctx,
      );
      await appendToOutbox(tx, deps.service, [makeEvent(ChunkDownloadedV2, progress, ctx), downloaded]);
      await markServed(tx, importId, customerId);
      log.info({ storeReports: plan.store.length }, 'served from the data calendar without a lease');
      return plan.store.length;
    },
  });
  if (wrote === DUPLICATE) return;
  // Counted once committed: a transaction retried after a failure must not count its reports twice.
  if (wrote > 0) deps.onServed?.(wrote);
  deps.nudge();
}

/**
 * An import cancelled while it waited for its lease (the scheduler's ImportFailed `cancelled`): a grant that still
 * arrives for it — the lock-service granted before it read the cancel — is given back unused, as for an import served
 * from the store (acceptGrant), so no NAVER work is done for an import nobody wants any more.
 */
export async function onImportCancelled(deps: RequestDeps, event: EventOfType<'ImportFailed'>): Promise<void> {
  if (event.data.code !== 'cancelled') return;
  await markServed(deps.pool, event.importId, event.customerId);
}
