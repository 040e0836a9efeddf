import {
  type BlobRef,
  ChunkDownloadedV2,
  type EventOfType,
  ImportFailedV1,
  type ImportRequest,
  LeaseReleasedV2,
  makeEvent,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import type { LockServiceClient } from '@reportline/lease-holder';
import { keepLease, type LeaseDeadline, LeaseLostError, leaseDeadline } from '@reportline/lease-holder';
import { createNaverClient, isNaverError, type NaverClient, type RateBudget } from '@reportline/naver-client';
import {
  appendToOutbox,
  type BlobStore,
  type Clock,
  type Logger,
  type OutboxRelay,
  PermanentFailureError,
  type Pool,
  patientQueryable,
  type Queryable,
  type SecretStore,
  whileUnavailable,
  withTransaction,
} from '@reportline/platform';
import {
  credentialsFingerprint,
  forgetVerified,
  isVerified,
  loadCalendar,
  markVerified,
  saveEntry,
} from './calendar-store.ts';
import { calendarPolicy, type FetcherConfig, naverOrigin } from './config.ts';
import { describeFailure } from './domain/failure.ts';
import { requestOf } from './domain/grant.ts';
import { importOutcome } from './domain/outcome.ts';
import { calendarKey, isEarlyNone, planImport, recordDay, recordFailure } from './domain/plan.ts';
import { type BuildTimes, downloadAll } from './download-window.ts';
import { countNaverRequests, type FetcherMetrics, releaseOutcome } from './naver-requests.ts';
import { credentialsFor, storeProgress } from './requests.ts';
import { claimFetch, finishFetch, leftoverJobs, markJobDeleted, recordJob, wasServed } from './store.ts';

export const SERVICE = 'naver-fetcher';

export interface WorkDeps {
  config: FetcherConfig;
  pool: Pool;
  blobs: BlobStore;
  secrets: SecretStore;
  relay: OutboxRelay;
  clock: Clock;
  logger: Logger;
  budget: RateBudget;
  fetch?: typeof fetch;
  /** When set, the lease is renewed while the work runs and the guard checks the token is still current. */
  lockService?: LockServiceClient;
  metrics?: FetcherMetrics;
  /** Learnt NAVER build times, shared by the process's leases. */
  buildTime: BuildTimes;
  /**
   * Refreshes the customer's master data under the lease (names), concurrently with the report work; jobs still
   * building when `stopWaiting` aborts are left to the next lease. Absent = names are not fetched.
   */
  masterData?: (client: NaverClient, db: Queryable, signal: AbortSignal, stopWaiting: AbortSignal) => Promise<unknown>;
  /** The customer's master-data snapshot for the processor (undefined before the first master fetch). */
  masterSnapshot: (db: Queryable, customerId: string) => Promise<BlobRef | undefined>;
}

/** Work accepted under a lease, to be run off the consumer loop. */
export interface AcceptedWork {
  /** Runs the NAVER work; aborting `stop` loses the lease at once (the import fails as retryable, the lease is released). */
  run(stop: AbortSignal): Promise<void>;
}

/**
 * Accepts a grant: takes the request it carries, measures the lease from now (monotonic) and claims the lease durably.
 * Returns the work to run, or undefined when this lease was claimed before. The caller runs it off the consumer loop,
 * so one long import never holds up other customers' grants on the same partition.
 */
export async function acceptGrant(
  deps: WorkDeps,
  grant: EventOfType<'LockGranted'>,
): Promise<AcceptedWork | undefined> {
  const { importId, customerId, fencingToken: token } = grant;
  const log = deps.logger.child({ importId, customerId, fencingToken: token });
  const request = requestOf(grant);
  if (await wasServed(deps.pool, importId)) {
    await giveBackUnused(deps, grant);
    log.info('this import was served from the data calendar already; its lease is given back unused');
    return undefined;
  }
  return claimUnderLease(deps, grant, log, (lease) => workUnderLease(deps, grant, request, lease, log));
}

/**
 * Measures a grant's lease from now (monotonic) and claims it durably; returns the work to run under it (`body`), or
 * undefined when this lease was claimed before (a redelivered grant). Aborting the run's `stop` loses the lease at once.
 */
export async function claimUnderLease(
  deps: WorkDeps,
  grant: EventOfType<'LockGranted'>,
  log: Logger,
  body: (lease: LeaseDeadline) => Promise<void>,
): Promise<AcceptedWork | undefined> {
  const { importId, customerId, fencingToken: token } = grant;
  const lease = leaseDeadline(deps.clock, grant.data, deps.config.LEASE_SAFETY_MARGIN_MS);
  if (!(await claimFetch(deps.pool, importId, token, customerId))) {
    lease.dispose();
    log.info('this lease was already claimed by a run (finished, or running elsewhere); redelivered grant ignored');
    return undefined;
  }
  return {
    run: (stop) => {
      const onStop = () => lease.lose('stopped', 'the naver-fetcher is shutting down');
      if (stop.aborted) onStop();
      stop.addEventListener('abort', onStop, { once: true });
      return body(lease).finally(() => stop.removeEventListener('abort', onStop));
    },
  };
}

/**
 * Releases a grant no work is wanted under (an import served from the store or cancelled, a check already answered),
 * once, with no NAVER call made under it.
 */
export async function giveBackUnused(
  deps: Pick<WorkDeps, 'pool' | 'clock' | 'relay'>,
  grant: EventOfType<'LockGranted'>,
) {
  const { importId, customerId, fencingToken: token } = grant;
  const ctx = { source: SERVICE, importId, customerId, fencingToken: token, causedBy: grant, now: deps.clock.now() };
  const wrote = await withTransaction(deps.pool, async (tx) => {
    if (!(await claimFetch(tx, importId, token, customerId))) return false;
    await appendToOutbox(tx, SERVICE, [makeEvent(LeaseReleasedV2, { outcome: 'done', naverRequests: 0 }, ctx)]);
    await finishFetch(tx, { importId, token, outcome: 'done', naverRequests: 0 });
    return true;
  });
  if (wrote) deps.relay.nudge();
}

/**
 * All NAVER work of one import under its lease: plan again from the calendar (another import of the customer id may
 * have fetched these days while this one waited), check the credentials if nothing else will, refresh master data,
 * run the job window for the due reports, commit each day to the calendar, then release the lease and hand over in
 * one transaction. Processing and writing happen elsewhere, without the lease.
 */
async function workUnderLease(
  deps: WorkDeps,
  grant: EventOfType<'LockGranted'>,
  request: ImportRequest,
  lease: LeaseDeadline,
  log: Logger,
) {
  const { importId, customerId, fencingToken: token } = grant;
  // Renews while the work runs; its guard also checks the token is still the current one before every NAVER call.
  const keeper =
    deps.lockService &&
    keepLease({
      clock: deps.clock,
      lease,
      lockService: deps.lockService,
      grant: { customerId, importId, fencingToken: token, leaseTtlMs: grant.data.leaseTtlMs },
      onError: (err) => log.warn({ err }, 'lease renewal or token check failed; the deadline still holds'),
    });

  const naver = countNaverRequests(deps.fetch ?? fetch, deps.metrics);
  const ctx = (causedBy: { id: string; correlationId: string }) => ({
    source: SERVICE,
    importId,
    customerId,
    fencingToken: token,
    causedBy,
    now: deps.clock.now(),
  });
  const released = (outcome: 'done' | 'failed') =>
    makeEvent(
      LeaseReleasedV2,
      { outcome: releaseOutcome(outcome, naver.abandoned), naverRequests: naver.requests },
      ctx(grant),
    );

  // Postgres restarting under the lease must not fail the import: single statements wait for it, for as long as the
  // lease lasts (the work is not a message the bus would redeliver).
  const patience = {
    signal: lease.signal,
    onWait: (err: unknown, attempt: number) =>
      log.warn({ err, attempt }, 'Postgres unavailable under the lease; waiting'),
  };
  const db = patientQueryable(deps.pool, patience);
  let fingerprint: string | undefined;
  let reportJobs = 0;
  try {
    const credentials = await whileUnavailable(() => credentialsFor(deps.secrets, request, customerId), patience);
    fingerprint = credentialsFingerprint(deps.config.SECRETS_KEY, credentials);
    const client = createNaverClient({
      ...credentials,
      baseUrl: deps.config.NAVER_BASE_URL,
      fetch: naver.fetch,
      timeoutMs: deps.config.NAVER_TIMEOUT_MS,
      // Downloads too: the lease's safety margin and the lock-delay are sized for the longest NAVER call, and a
      // holder paused mid-download must not still be reading from NAVER when the next holder starts.
      downloadTimeoutMs: deps.config.NAVER_TIMEOUT_MS,
      limiter: deps.budget,
      // X-Timestamp from the service's clock: NAVER refuses a request whose timestamp is a minute off.
      now: () => deps.clock.now().getTime(),
      origin: naverOrigin(deps.config, importId, token),
      guard: () => (keeper ? keeper.guard() : lease.check()),
    });
    const ours = new Set<number>();
    for (const jobId of await leftoverJobs(db, customerId)) {
      ours.add(jobId);
      await client.deleteStatReport(jobId, { signal: lease.signal });
      await markJobDeleted(db, customerId, jobId);
    }
    const now = deps.clock.now();
    const calendar = await loadCalendar(db, customerId, request.reportTypes, request.dateRange);
    const plan = planImport(request, calendar, calendarPolicy(deps.config), now);
    let verified = await isVerified(db, customerId, fingerprint, now, deps.config.CREDENTIALS_TRUST_MS);
    // Every lease in which NAVER accepted the credentials renews their trust, not only one that found it lapsed:
    // otherwise trust lapses every CREDENTIALS_TRUST_MS however often they are used, and an import served from the
    // store then needs a lease (and a NAVER call) of its own just to prove them again.
    let renewed = false;
    const accepted = async () => {
      if (renewed || !fingerprint) return;
      renewed = true;
      verified = true;
      await markVerified(db, customerId, fingerprint, deps.clock.now());
    };
    const total = plan.naver.length + plan.store.length;
    log.info({ naverReports: plan.naver.length, storeReports: plan.store.length }, 'working under lease');

    const storedProgress = storeProgress(
      { reports: plan.store.map((r) => ({ ...r, source: 'store' as const })) },
      total,
    );
    if (storedProgress) {
      await appendToOutbox(db, SERVICE, [makeEvent(ChunkDownloadedV2, storedProgress, ctx(grant))]);
      deps.relay.nudge();
      deps.metrics?.reportDays.inc({ source: 'store' }, storedProgress.reports.length);
    }
    // One signed call proves NAVER accepts these credentials for the customer id when no report job will.
    if (!verified && plan.naver.length === 0) {
      await client.listStatReports({ signal: lease.signal });
      await accepted();
    }
    const reportsDone = new AbortController();
    const mastersStarted = deps.clock.monotonicMs();
    const masters = deps
      .masterData?.(client, db, lease.signal, reportsDone.signal)
      .then((result) => result && log.info({ masterData: result }, 'master data refreshed'))
      .catch((err) => {
        // Names come from the last good fetch meanwhile: late names never fail an import.
        log.warn({ err }, 'master data refresh failed; names stay as last fetched');
      });

    let completed = plan.store.length;
    const fetched = await downloadAll(plan.naver, {
      client,
      lease,
      maxOpenJobs: deps.config.NAVER_MAX_OPEN_JOBS,
      pollMs: deps.config.NAVER_POLL_MS,
      clock: deps.clock,
      buildTimeoutMs: deps.config.NAVER_BUILD_TIMEOUT_MS,
      maxAttempts: deps.config.NAVER_MAX_ATTEMPTS,
      createTries: deps.config.NAVER_CREATE_TRIES,
      buildTime: deps.buildTime,
      isEarlyNone: (t) => isEarlyNone(t.statDate, deps.clock.now(), deps.config.NAVER_DATA_READY_HOUR_KST),
      isOurJob: (id) => ours.has(id),
      recordJob: async (id) => {
        ours.add(id);
        reportJobs++;
        await recordJob(db, customerId, id, importId);
      },
      jobDeleted: (id) => markJobDeleted(db, customerId, id),
      storeFile: (t, content, generatedAt) =>
        deps.blobs.putStream(
          `raw/${customerId}/${t.reportType}/${t.statDate}/${generationKey(generatedAt)}`,
          content,
          'text/tab-separated-values',
        ),
      onDay: async (task, result) => {
        await accepted();
        completed++;
        deps.metrics?.reportDays.inc({ source: 'naver' });
        const entry = recordDay(
          calendar.get(calendarKey(task.reportType, task.statDate)),
          task,
          result,
          deps.clock.now(),
        );
        calendar.set(calendarKey(task.reportType, task.statDate), entry);
        const outcome: 'built' | 'none' | 'pending' =
          result.kind === 'built' || result.kind === 'none' ? result.kind : 'pending';
        const progress = {
          source: 'naver' as const,
          reports: [{ reportType: task.reportType, statDate: task.statDate, outcome }],
          bytes: result.kind === 'built' ? result.file.bytes : 0,
          completed,
          total,
        };
        await withTransaction(deps.pool, async (tx) => {
          await saveEntry(tx, customerId, entry);
          await appendToOutbox(tx, SERVICE, [makeEvent(ChunkDownloadedV2, progress, ctx(grant))]);
        });
        deps.relay.nudge();
      },
      onDayFailed: async (task, error) => {
        const reason = describeFailure(error, customerId).message;
        const key = calendarKey(task.reportType, task.statDate);
        await saveEntry(db, customerId, recordFailure(calendar.get(key), task, reason, deps.clock.now()));
      },
    });
    // Master jobs get as long as the report work takes, and at least MASTER_WAIT_MS: a short daily update does not
    // hold the lease for names NAVER takes minutes to build (they are adopted by the next lease).
    const left = mastersStarted + deps.config.MASTER_WAIT_MS - deps.clock.monotonicMs();
    const grace = setTimeout(() => reportsDone.abort(), Math.max(0, left));
    await masters;
    clearTimeout(grace);
    const outcome = importOutcome(plan, fetched, (task) => {
      const stored = calendar.get(calendarKey(task.reportType, task.statDate))?.stored;
      return stored ? { reportType: task.reportType, statDate: task.statDate, ...stored } : undefined;
    });
    // The steps after this one need the connection and the target: carried forward, never looked up again.
    const downloaded = makeEvent(
      ReportsDownloadedV3,
      {
        ...outcome,
        naverRequests: naver.requests,
        reportJobs,
        master: await deps.masterSnapshot(db, customerId),
        connectionId: request.connectionId,
        target: request.target,
      },
      ctx(grant),
    );
    const done = released('done');
    await whileUnavailable(
      () =>
        withTransaction(deps.pool, async (tx) => {
          await appendToOutbox(tx, SERVICE, [done, downloaded]);
          await finishFetch(tx, { importId, token, outcome: 'done', naverRequests: naver.requests });
        }),
      patience,
    );
    deps.relay.nudge();
    log.info(
      {
        naverRequests: naver.requests,
        reportJobs,
        abandoned: naver.abandoned,
        reports: outcome.reports.length,
        pending: outcome.pending.length,
      },
      'NAVER work done; lease released',
    );
  } catch (error) {
    // Once the lease is lost, that is the cause, whatever error the interrupted call surfaced as.
    const lost = lease.signal.reason instanceof LeaseLostError ? lease.signal.reason : undefined;
    const failure =
      error instanceof PermanentFailureError
        ? { code: error.code, message: error.message, retryable: error.importRetryable }
        : describeFailure(lost ?? error, customerId);
    if (fingerprint && isNaverError(error, 'credential-invalid')) {
      await forgetVerified(deps.pool, customerId, fingerprint).catch(() => {});
    }
    log.warn({ err: error, code: failure.code, abandoned: naver.abandoned }, 'NAVER work failed; releasing the lease');
    const failed = makeEvent(ImportFailedV1, { stage: 'download', ...failure }, ctx(grant));
    const gaveBack = released('failed');
    // Past the lease, nothing more is waited for: the lock-service expires the lease and fails the import itself.
    await whileUnavailable(
      () =>
        withTransaction(deps.pool, async (tx) => {
          await appendToOutbox(tx, SERVICE, [gaveBack, failed]);
          await finishFetch(tx, { importId, token, outcome: 'failed', naverRequests: naver.requests });
        }),
      patience,
    );
    deps.relay.nudge();
  } finally {
    keeper?.stop();
    lease.dispose();
  }
}

/** A generation as a blob key segment: the instant in basic ISO form (no colons), e.g. 20261116T210411Z. */
export const generationKey = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
