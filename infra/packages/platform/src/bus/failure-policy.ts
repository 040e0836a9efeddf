import type { ReportlineEvent } from '@reportline/contracts';
import { type Backoff, backoffDelay } from './backoff.ts';
import { PoisonMessageError } from './bus.ts';

/**
 * What a handler's error means for the message that caused it. One classification for every consumer, so no
 * consumer can retry forever by accident:
 * - `unavailable`: a dependency is down or overloaded (Postgres, Kafka, Google or NAVER 5xx/429/timeouts). Retried
 *   with capped, jittered backoff for as long as it lasts, never counted against the message: the message is fine.
 * - `interrupted`: the handler was told to stop (rebalance, shutdown). Retried without counting.
 * - `permanent`: retrying cannot help (a poison message, a missing blob). The consumer gives up at once.
 * - `transient`: anything else, including every error nobody classified. Retried a bounded number of times.
 */
export type FailureClass = 'unavailable' | 'interrupted' | 'permanent' | 'transient';

/** Thrown by edges when a dependency outside this process is unavailable; the bus waits for it instead of giving up. */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';
  readonly dependency: string;
  constructor(dependency: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
  }
}

/** Thrown when retrying the same message can never succeed; the consumer gives up on it at once. */
export class PermanentFailureError extends Error {
  override readonly name: string = 'PermanentFailureError';
  /** A short machine code for ImportFailed, e.g. `blob-missing`. */
  readonly code: string;
  /**
   * Whether a new import could succeed without anyone changing anything: this message cannot be handled, but the
   * next one made from the same request can (a message from an older release, say). Default false.
   */
  readonly importRetryable: boolean;
  constructor(code: string, message: string, options?: { cause?: unknown; importRetryable?: boolean }) {
    super(message, options);
    this.code = code;
    this.importRetryable = options?.importRetryable ?? false;
  }
}

/** Why the consumer gave up on a message: what ImportFailed and the dead letter say. */
export interface GaveUp {
  failureClass: 'permanent' | 'transient';
  attempts: number;
  /** Whether requesting the import again can succeed as things are (ImportFailed's `retryable`). */
  retryable: boolean;
  code: string;
  /** One sentence a person can act on; never a secret (errors of this codebase never carry one). */
  message: string;
  error: unknown;
}

export interface FailurePolicy {
  /** The consumer's own mapping; `undefined` falls through to the common one (`classifyCommon`). */
  classify?: (err: unknown) => FailureClass | undefined;
  /** Attempts of a `transient` failure before giving up. Default 5. */
  maxAttempts?: number;
  /** Backoff between attempts of a `transient` failure. Default 5 s doubling to 60 s (5 attempts in about 75 s). */
  backoff?: Backoff;
  /**
   * How long one message may wait for an unavailable dependency before the consumer gives up on it anyway. An
   * outage is waited out, but an error that only looks like one (a 500 that one spreadsheet always answers) must not
   * hold the partition forever. Default 1 hour, beyond any import's stall bound.
   */
  maxUnavailableMs?: number;
  /** Backoff while a dependency is unavailable. Default 500 ms doubling to 30 s. */
  unavailableBackoff?: Backoff;
  /**
   * Called once before a message is dead-lettered because the consumer gave up on it: typically ends the message's
   * import with ImportFailed. When it throws as `unavailable`, the message is retried later; otherwise the message is
   * dead-lettered anyway, so a broken give-up can never wedge the partition.
   */
  giveUp?: (event: ReportlineEvent, why: GaveUp) => Promise<void>;
  /**
   * Called once before a message that does not decode (a known type whose envelope or data fails its schema, an
   * unknown type or version, a value that is not JSON) is dead-lettered, with its headers, value and why: the consumer
   * may still answer what the headers name (e.g. a request whose asker waits for an answer). Like `giveUp`: when it
   * throws as `unavailable` the message is tried again later; any other error is logged and the message
   * dead-lettered anyway.
   */
  undecodable?: (message: UndecodableMessage, reason: string) => Promise<void>;
  /** Called with the error while a dependency is unavailable, and with null once a message of `key` went through. */
  onUnavailable?: (key: string, err: unknown) => void;
}

/** A message as it came, before decoding: headers are strings (Kafka) or absent. */
export interface UndecodableMessage {
  headers: Readonly<Record<string, string | undefined>>;
  value: string | undefined;
}

/**
 * Runs the policy's `undecodable` for a message about to be dead-lettered. Throws only when the message must be tried
 * again instead (the hook found a dependency unavailable).
 */
export async function beforeUndecodableDeadLetter(
  policy: FailurePolicy,
  message: UndecodableMessage,
  reason: string,
  log: (err: unknown) => void,
): Promise<void> {
  if (!policy.undecodable) return;
  try {
    await policy.undecodable(message, reason);
  } catch (err) {
    if ((policy.classify?.(err) ?? classifyCommon(err)) === 'unavailable') throw err;
    log(err);
  }
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_MAX_UNAVAILABLE_MS = 60 * 60_000;
export const defaultRetryBackoff: Backoff = { initialMs: 5_000, maxMs: 60_000 };
export const defaultUnavailableBackoff: Backoff = { initialMs: 500, maxMs: 30_000 };

const PG_UNAVAILABLE = /^(08|53|57P0[1-3])/; // connection exceptions, resources, admin shutdown / crash / starting up
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
// node-postgres reports a dropped connection or a full pool only by message.
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/**
 * The classification every consumer shares: our own error classes, Postgres and network failures, kafkajs errors,
 * aborts. An error nobody recognises is `transient` (bounded), never `unavailable`.
 */
export function classifyCommon(err: unknown, signal?: AbortSignal): FailureClass {
  if (signal?.aborted) return 'interrupted';
  for (const e of errorChain(err)) {
    if (e instanceof PoisonMessageError || e instanceof PermanentFailureError) return 'permanent';
    if (e instanceof DependencyUnavailableError) return 'unavailable';
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NET_CODES.has(code) || (code.length === 5 && PG_UNAVAILABLE.test(code)))) {
      return 'unavailable';
    }
    if (typeof name === 'string' && name.startsWith('KafkaJS')) return 'unavailable';
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return 'unavailable';
  }
  return 'transient';
}

export type FailureStep =
  | { kind: 'retry'; delayMs: number; failureClass: FailureClass }
  | ({ kind: 'give-up' } & GaveUp);

/** ±20 % so that consumers waiting for the same dependency do not come back in lockstep. */
const jitter = (ms: number, random: () => number) => Math.round(ms * (0.8 + 0.4 * random()));

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1_500);
const ownPermanent = (err: unknown) =>
  errorChain(err).find((e) => e instanceof PermanentFailureError) as PermanentFailureError | undefined;
const codeOf = (err: unknown, cls: 'permanent' | 'transient') =>
  ownPermanent(err)?.code ?? (cls === 'permanent' ? 'message-rejected' : 'message-failed-repeatedly');

/**
 * Counts failures per partition (the message at the head of a partition is the only one that can be failing) and
 * decides, per failure, to retry after a delay or to give up. Pure apart from the injected `random`.
 */
export function failureTracker(
  policy: FailurePolicy,
  random: () => number = Math.random,
  monotonicMs: () => number = () => performance.now(),
) {
  const maxAttempts = policy.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const maxUnavailableMs = policy.maxUnavailableMs ?? DEFAULT_MAX_UNAVAILABLE_MS;
  const backoff = policy.backoff ?? defaultRetryBackoff;
  const unavailableBackoff = policy.unavailableBackoff ?? defaultUnavailableBackoff;
  const state = new Map<
    string,
    { offset: string; attempts: number; waits: number; unavailable: boolean; since: number }
  >();

  const classify = (err: unknown, signal?: AbortSignal): FailureClass =>
    signal?.aborted ? 'interrupted' : (policy.classify?.(err) ?? classifyCommon(err));

  const tracker = {
    classify,
    failed(key: string, offset: string, err: unknown, signal?: AbortSignal): FailureStep {
      const previous = state.get(key);
      const s =
        previous?.offset === offset
          ? previous
          : { offset, attempts: 0, waits: 0, unavailable: false, since: monotonicMs() };
      state.set(key, s);
      const failureClass = classify(err, signal);
      if (failureClass === 'interrupted') return { kind: 'retry', delayMs: 0, failureClass };
      if (failureClass === 'unavailable') {
        s.waits += 1;
        s.unavailable = true;
        if (monotonicMs() - s.since >= maxUnavailableMs) {
          const minutes = Math.round(maxUnavailableMs / 60_000);
          return {
            kind: 'give-up',
            failureClass: 'transient',
            attempts: s.attempts + s.waits,
            retryable: true,
            code: 'dependency-unavailable',
            message: `a dependency stayed unavailable for ${minutes} min: ${describe(err)}`,
            error: err,
          };
        }
        policy.onUnavailable?.(key, err);
        return { kind: 'retry', delayMs: jitter(backoffDelay(s.waits, unavailableBackoff), random), failureClass };
      }
      s.attempts += 1;
      if (failureClass === 'transient' && s.attempts < maxAttempts) {
        return { kind: 'retry', delayMs: jitter(backoffDelay(s.attempts, backoff), random), failureClass };
      }
      const message =
        failureClass === 'permanent'
          ? describe(err)
          : `failed ${s.attempts} times, the last time with: ${describe(err)}`;
      return {
        kind: 'give-up',
        failureClass,
        attempts: s.attempts,
        retryable: failureClass === 'transient' || (ownPermanent(err)?.importRetryable ?? false),
        code: codeOf(err, failureClass),
        message,
        error: err,
      };
    },
    /**
     * The wait after a failure no single message is to blame for (a whole batch while a dependency is down, a commit
     * that did not reach the broker): counted like any failure, but never a give-up.
     */
    waitAfter(key: string, offset: string, err: unknown, signal?: AbortSignal): number {
      const step = tracker.failed(key, offset, err, signal);
      return step.kind === 'retry' ? step.delayMs : backoff.maxMs;
    },
    /** The message at the head of `key` was handled or given up on: its count ends, and so does any unavailability. */
    done(key: string): void {
      const s = state.get(key);
      state.delete(key);
      if (s?.unavailable) policy.onUnavailable?.(key, null);
    },
  };
  return tracker;
}

export type FailureTracker = ReturnType<typeof failureTracker>;

/**
 * Gives up on one message: the policy's give-up (e.g. ImportFailed) first, then the dead letter. Throws only when
 * the message must be retried instead (the give-up found a dependency unavailable, or dead-lettering failed).
 */
export async function giveUpOn(
  policy: FailurePolicy,
  event: ReportlineEvent | undefined,
  why: GaveUp,
  deadLetter: (reason: string) => Promise<void>,
  log: (err: unknown) => void,
): Promise<void> {
  if (event && policy.giveUp) {
    try {
      await policy.giveUp(event, why);
    } catch (err) {
      if ((policy.classify?.(err) ?? classifyCommon(err)) === 'unavailable') throw err;
      log(err);
    }
  }
  await deadLetter(`${why.code}: ${why.message}`);
}

/** Raised through a batch run when one of its messages must be retried after `delayMs`. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  readonly delayMs: number;
  readonly failure: unknown;
  constructor(delayMs: number, failure: unknown) {
    super(`retrying in ${delayMs} ms: ${describe(failure)}`, { cause: failure });
    this.delayMs = delayMs;
    this.failure = failure;
  }
}

export interface FailedMessage {
  policy: FailurePolicy;
  tracker: FailureTracker;
  /** The partition, e.g. `topic:3`. */
  key: string;
  offset: string;
  err: unknown;
  signal?: AbortSignal;
  /** Undefined for a message that did not decode. */
  event?: ReportlineEvent;
  deadLetter: (reason: string) => Promise<void>;
  log: (obj: object, msg: string) => void;
}

/**
 * The one place a failed message's fate is settled, for both buses and both delivery modes. Resolves undefined when
 * the consumer gave up on it (the caller commits past it) or with the delay before it is tried again.
 */
export async function settleFailure(f: FailedMessage): Promise<{ retryInMs: number } | undefined> {
  const step = f.tracker.failed(f.key, f.offset, f.err, f.signal);
  if (step.kind === 'retry') return { retryInMs: step.delayMs };
  f.log({ err: f.err, attempts: step.attempts, code: step.code }, 'giving up on a message; dead-lettering it');
  try {
    await giveUpOn(f.policy, f.event, step, f.deadLetter, (err) =>
      f.log({ err }, 'the give-up action failed; dead-lettering the message anyway'),
    );
  } catch (err) {
    f.log({ err }, 'giving up on a message failed; it will be tried again');
    return { retryInMs: backoffDelay(1, f.policy.unavailableBackoff ?? defaultUnavailableBackoff) };
  }
  f.tracker.done(f.key);
  return undefined;
}

/** The subscription's policy over the bus's defaults. */
export const withDefaults = (policy: FailurePolicy | undefined, defaults: FailurePolicy): FailurePolicy => ({
  ...defaults,
  ...policy,
});
