import {
  type CredentialsCheck,
  CredentialsCheckedV1,
  type EventOfType,
  LeaseReleasedV2,
  LeaseRequestedV2,
  makeEvent,
  type ReportlineEvent,
} from '@reportline/contracts';
import { keepLease, type LeaseDeadline, LeaseLostError } from '@reportline/lease-holder';
import { createNaverClient, isNaverError } from '@reportline/naver-client';
import {
  appendToOutbox,
  DUPLICATE,
  type GaveUp,
  handleOnce,
  type Logger,
  PermanentFailureError,
  type Queryable,
  sleep,
  type UndecodableMessage,
  whileUnavailable,
  withTransaction,
} from '@reportline/platform';
import { credentialsFingerprint, forgetVerified, markVerified } from './calendar-store.ts';
import { naverOrigin } from './config.ts';
import {
  accepted,
  answerForFailure,
  answerForGiveUp,
  answerForLeaseFailure,
  CHECK_TRIES,
  type CheckAnswer,
  checkRetryDelayMs,
  isCheckRetryable,
  malformedCheckRequest,
} from './domain/credential-check.ts';
import { countNaverRequests, releaseOutcome } from './naver-requests.ts';
import { credentialsFor, REQUESTS_CONSUMER, type RequestDeps } from './requests.ts';
import { claimFetch, finishFetch } from './store.ts';
import { type AcceptedWork, claimUnderLease, giveBackUnused, type WorkDeps } from './work.ts';

/**
 * Credentials checks: the scheduler asks (CredentialsCheckRequested, the check id as importId), the fetcher asks the
 * lock-service for the customer id's lease (LeaseRequested v2, on-demand), makes ONE signed NAVER call under it (the
 * stat-report list, as an import verifying credentials does), records credentials NAVER accepted, releases the lease
 * at once and answers (CredentialsChecked). Every way a check can end answers it exactly once (`answer` below).
 */

type Checked = EventOfType<'CredentialsChecked'>;

/**
 * Answers a check once: the first answer marks the check row, later ones (a redelivery, the lock-service's failure
 * racing NAVER's answer) find it answered and publish nothing. Creates the row for a check answered before it asked
 * for a lease. Returns the CredentialsChecked to publish, or undefined when the check was answered before.
 */
async function answer(
  db: Queryable,
  check: { checkId: string; customerId: string; connectionId: string; reason: string },
  result: CheckAnswer,
  ctx: Parameters<typeof makeEvent>[2],
): Promise<Checked | undefined> {
  const { rowCount } = await db.query(
    `INSERT INTO fetcher.credential_checks (check_id, customer_id, connection_id, reason, answered_at, ok, code)
     VALUES ($1, $2, $3, $4, now(), $5, $6)
     ON CONFLICT (check_id) DO UPDATE SET answered_at = now(), ok = EXCLUDED.ok, code = EXCLUDED.code
       WHERE fetcher.credential_checks.answered_at IS NULL`,
    [check.checkId, check.customerId, check.connectionId, check.reason, result.ok, result.code],
  );
  if (rowCount !== 1) return undefined;
  const checked = makeEvent(CredentialsCheckedV1, { connectionId: check.connectionId, ...result }, ctx);
  await appendToOutbox(db, 'naver-fetcher', [checked]);
  return checked;
}

/**
 * A CredentialsCheckRequested: credentials that cannot be used (missing, for another customer id) are answered at
 * once, without a lease; otherwise the check is recorded and asks for the customer id's lease, ahead of scheduled
 * imports. Exactly once in effect: the inbox mark, the check row and the events commit together.
 */
export async function onCredentialsCheckRequested(
  deps: RequestDeps,
  event: EventOfType<'CredentialsCheckRequested'>,
): Promise<void> {
  const { importId: checkId, customerId } = event;
  const log = deps.logger.child({ checkId, customerId, connectionId: event.data.connectionId });
  const now = deps.clock.now();
  if (now.getTime() - Date.parse(event.time) > deps.config.NAVER_REQUEST_MAX_AGE_MS) {
    log.info({ requestedAt: event.time }, 'credentials check request older than NAVER_REQUEST_MAX_AGE_MS ignored');
    return;
  }
  const check = { checkId, customerId, ...event.data };
  const ctx = { source: deps.service, importId: checkId, customerId, causedBy: event, now };
  let refusal: CheckAnswer | undefined;
  try {
    await credentialsFor(deps.secrets, event.data, customerId);
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    refusal = answerForFailure(error, customerId);
  }
  const wrote = await handleOnce(deps.pool, REQUESTS_CONSUMER, event.id, {
    inside: async (tx) => {
      if (refusal) return Boolean(await answer(tx, check, refusal, ctx));
      const { rowCount } = await tx.query(
        `INSERT INTO fetcher.credential_checks (check_id, customer_id, connection_id, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [checkId, customerId, check.connectionId, check.reason],
      );
      if (rowCount !== 1) return false; // the same check asked twice (a new event id): it has its lease request
      const work = { kind: 'credentials-check' as const, check: event.data };
      await appendToOutbox(tx, deps.service, [makeEvent(LeaseRequestedV2, { priority: 'on-demand', work }, ctx)]);
      return true;
    },
  });
  if (wrote === DUPLICATE || !wrote) return;
  if (refusal) log.warn({ code: refusal.code }, 'credentials check answered without a lease');
  else log.info({ reason: check.reason }, 'credentials check: lease requested');
  deps.nudge();
}

/**
 * An ImportFailed for a check still waiting for NAVER's answer: the lock-service ended its wait in the queue or its
 * hold (queue-timeout, lease-expired), so it is answered `lease-unavailable`. An ImportFailed of an import is no
 * check's and changes nothing (the conditional update finds no row).
 */
export async function onCheckLeaseFailed(deps: RequestDeps, event: EventOfType<'ImportFailed'>): Promise<void> {
  const { importId: checkId, customerId } = event;
  const wrote = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ connection_id: string; reason: CredentialsCheck['reason'] }>(
      'SELECT connection_id, reason FROM fetcher.credential_checks WHERE check_id = $1 AND answered_at IS NULL',
      [checkId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const check = { checkId, customerId, connectionId: row.connection_id, reason: row.reason };
    const ctx = { source: deps.service, importId: checkId, customerId, causedBy: event, now: deps.clock.now() };
    return answer(tx, check, answerForLeaseFailure(event.data), ctx);
  });
  if (!wrote) return;
  deps.logger.warn({ checkId, customerId, code: event.data.code }, 'credentials check ended by the lock-service');
  deps.nudge();
}

/**
 * The fetcher gave up on a message of a check (a CredentialsCheckRequested it could not handle, a check's grant it
 * could not serve): the check is answered `check-failed`, a held lease given back, and the message is dead-lettered.
 */
export async function answerOnGiveUp(
  deps: Pick<RequestDeps, 'pool' | 'clock' | 'service' | 'nudge'>,
  event: ReportlineEvent,
  why: GaveUp,
): Promise<boolean> {
  const check =
    event.type === 'CredentialsCheckRequested'
      ? event.data
      : event.type === 'LockGranted' && event.version === 3 && event.data.work.kind === 'credentials-check'
        ? event.data.work.check
        : undefined;
  if (!check) return false;
  const { importId: checkId, customerId } = event;
  const now = deps.clock.now();
  const wrote = await withTransaction(deps.pool, async (tx) => {
    const token = event.type === 'LockGranted' ? event.fencingToken : undefined;
    const ctx = { source: deps.service, importId: checkId, customerId, causedBy: event, now, fencingToken: token };
    const out: ReportlineEvent[] = [];
    if (token !== undefined && (await claimFetch(tx, checkId, token, customerId))) {
      out.push(makeEvent(LeaseReleasedV2, { outcome: 'failed', naverRequests: 0 }, ctx));
      await finishFetch(tx, { importId: checkId, token, outcome: 'failed', naverRequests: 0 });
    }
    await appendToOutbox(tx, deps.service, out);
    const checked = await answer(tx, { checkId, customerId, ...check }, answerForGiveUp(why, event.type), ctx);
    return out.length > 0 || checked !== undefined;
  });
  if (wrote) deps.nudge();
  return true;
}

/**
 * A CredentialsCheckRequested that did not decode (a field outside the contract): answered `check-request-invalid`
 * when its headers and value still name the check, the customer id and the connection, then dead-lettered by the bus.
 */
export async function answerMalformedRequest(
  deps: Pick<RequestDeps, 'pool' | 'clock' | 'service' | 'nudge' | 'logger'>,
  message: UndecodableMessage,
  why: string,
): Promise<void> {
  const malformed = malformedCheckRequest(message, why);
  if (!malformed) return;
  const { checkId, customerId, causedBy, connectionId, reason } = malformed;
  const ctx = { source: deps.service, importId: checkId, customerId, causedBy, now: deps.clock.now() };
  const wrote = await withTransaction(deps.pool, (tx) =>
    answer(tx, { checkId, customerId, connectionId, reason }, malformed.answer, ctx),
  );
  if (!wrote) return;
  deps.logger.warn({ checkId, customerId, why }, 'malformed credentials check request answered check-request-invalid');
  deps.nudge();
}

/**
 * Accepts a check's grant: measures the lease and claims it durably, like an import's. A grant for a check already
 * answered (the lock-service ended it, or a redelivery after the answer) is given back at once, unused.
 */
export async function acceptCheckGrant(
  deps: WorkDeps,
  grant: EventOfType<'LockGranted'>,
  check: CredentialsCheck,
): Promise<AcceptedWork | undefined> {
  const { importId: checkId, customerId, fencingToken: token } = grant;
  const log = deps.logger.child({ checkId, customerId, fencingToken: token });
  const { rows } = await deps.pool.query<{ answered: boolean }>(
    'SELECT answered_at IS NOT NULL AS answered FROM fetcher.credential_checks WHERE check_id = $1',
    [checkId],
  );
  if (rows[0]?.answered !== false) {
    await giveBackUnused(deps, grant);
    log.info('a grant for a credentials check that is answered (or unknown) is given back unused');
    return undefined;
  }
  return claimUnderLease(deps, grant, log, (lease) => checkUnderLease(deps, grant, check, lease, log));
}

/**
 * The check under its lease: one signed `GET /stat-reports` (tried again only when NAVER failed, CHECK_TRIES in
 * all), the credentials recorded as verified when NAVER accepted them (forgotten when it rejected them), then the
 * release and the answer in one transaction.
 */
async function checkUnderLease(
  deps: WorkDeps,
  grant: EventOfType<'LockGranted'>,
  check: CredentialsCheck,
  lease: LeaseDeadline,
  log: Logger,
) {
  const { importId: checkId, customerId, fencingToken: token } = grant;
  const keeper =
    deps.lockService &&
    keepLease({
      clock: deps.clock,
      lease,
      lockService: deps.lockService,
      grant: { customerId, importId: checkId, fencingToken: token, leaseTtlMs: grant.data.leaseTtlMs },
      onError: (err) => log.warn({ err }, 'lease renewal or token check failed; the deadline still holds'),
    });
  const naver = countNaverRequests(deps.fetch ?? fetch, deps.metrics);
  const patience = {
    signal: lease.signal,
    onWait: (err: unknown, attempt: number) => log.warn({ err, attempt }, 'Postgres unavailable under the lease'),
  };
  try {
    const result = await checkOnce(deps, {
      check,
      customerId,
      origin: naverOrigin(deps.config, checkId, token),
      lease,
      patience,
      guard: () => (keeper ? keeper.guard() : lease.check()),
      fetch: naver.fetch,
      log,
    });
    const outcome = releaseOutcome(result.ok ? 'done' : 'failed', naver.abandoned);
    const ctx = { source: 'naver-fetcher', importId: checkId, customerId, fencingToken: token, causedBy: grant };
    // Past the lease, nothing more is waited for: the lock-service expires it and ends the check (lease-unavailable).
    await whileUnavailable(
      () =>
        withTransaction(deps.pool, async (tx) => {
          const now = deps.clock.now();
          const released = makeEvent(LeaseReleasedV2, { outcome, naverRequests: naver.requests }, { ...ctx, now });
          await appendToOutbox(tx, 'naver-fetcher', [released]);
          await answer(tx, { checkId, customerId, ...check }, result, { ...ctx, now });
          const finished = { importId: checkId, token, naverRequests: naver.requests };
          await finishFetch(tx, { ...finished, outcome: result.ok ? 'done' : 'failed' });
        }),
      patience,
    );
    deps.relay.nudge();
    log.info(
      { ok: result.ok, code: result.code, naverRequests: naver.requests },
      'credentials checked; lease released',
    );
  } finally {
    keeper?.stop();
    lease.dispose();
  }
}

/** The one signed call and what it means; never throws (every failure is an answer). */
async function checkOnce(
  deps: WorkDeps,
  run: {
    check: CredentialsCheck;
    customerId: string;
    origin: string | undefined;
    lease: LeaseDeadline;
    patience: { signal: AbortSignal; onWait: (err: unknown, attempt: number) => void };
    guard: () => void | Promise<void>;
    fetch: typeof fetch;
    log: Logger;
  },
): Promise<CheckAnswer> {
  const { check, customerId, lease, patience, log } = run;
  let fingerprint: string | undefined;
  try {
    const credentials = await whileUnavailable(() => credentialsFor(deps.secrets, check, customerId), patience);
    fingerprint = credentialsFingerprint(deps.config.SECRETS_KEY, credentials);
    const client = createNaverClient({
      ...credentials,
      baseUrl: deps.config.NAVER_BASE_URL,
      fetch: run.fetch,
      timeoutMs: deps.config.NAVER_TIMEOUT_MS,
      limiter: deps.budget,
      now: () => deps.clock.now().getTime(),
      origin: run.origin,
      guard: run.guard,
    });
    for (let tries = 1; ; tries++) {
      try {
        await client.listStatReports({ signal: lease.signal });
        break;
      } catch (error) {
        if (tries >= CHECK_TRIES || !isCheckRetryable(error) || lease.signal.aborted) throw error;
        log.warn({ err: error, tries }, 'NAVER failed the credentials check call; trying again');
        await sleep(checkRetryDelayMs(tries), lease.signal);
      }
    }
    await whileUnavailable(() => markVerified(deps.pool, customerId, fingerprint!, deps.clock.now()), patience);
    return accepted;
  } catch (error) {
    if (fingerprint && isNaverError(error, 'credential-invalid')) {
      await forgetVerified(deps.pool, customerId, fingerprint).catch(() => {});
    }
    // Once the lease is lost, that is the cause, whatever error the interrupted call surfaced as.
    const lost = lease.signal.reason instanceof LeaseLostError ? lease.signal.reason : undefined;
    const result = answerForFailure(lost ?? error, customerId);
    log.warn({ err: error, code: result.code }, 'credentials check not ok');
    return result;
  }
}
