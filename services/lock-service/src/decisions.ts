import type { ReportlineEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  claimEvents,
  type Pool,
  type PoolClient,
  withTransaction,
} from '@reportline/platform';
import { decide, evolve, renewalRefusal } from './domain/decide.ts';
import type { CustomerLock, LockCommand, LockEvent, LockPolicy, RenewalRefusal } from './domain/lock.ts';
import { toPublished } from './domain/publish.ts';
import { fencePartition, ownsPartition } from './fencing.ts';
import {
  loadExistingLockForUpdate,
  loadLockForUpdate,
  loadLocksForUpdate,
  type StoredLock,
  saveLock,
} from './store.ts';

export const SERVICE = 'lock-service';

/**
 * A paused (SIGSTOPped) instance must not hold row locks for long: Postgres ends its session after this much idleness
 * inside a transaction, rolling the decision back, so the new partition owner is not blocked behind it.
 */
const IDLE_IN_TRANSACTION_MS = 5_000;

export interface DecisionDeps {
  pool: Pool;
  clock: Clock;
  policy: LockPolicy;
  /** This process; partition ownership in Postgres names it. */
  instanceId: string;
}

export interface Decided {
  /** Events queued in the outbox for publishing. */
  published: number;
  before: CustomerLock;
  after: CustomerLock;
  /** What was decided, from `before` to `after` (grants and ends of holds feed the lease metrics). */
  events: readonly LockEvent[];
}

async function begin<T>(deps: DecisionDeps, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(deps.pool, async (tx) => {
    await tx.query(`SET LOCAL idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`);
    return fn(tx);
  });
}

/**
 * One lock's decision by time or by a holder's renewal (row-locked by the caller): decide, save state + history with
 * version CAS + outbox. Neither moves the lock's partition (only a consumed message records it, in
 * `decideOnMessages`, which does the same for a batch's locks at once).
 */
async function decideIn(
  tx: PoolClient,
  deps: DecisionDeps,
  stored: StoredLock,
  command: Extract<LockCommand, { kind: 'tick' | 'renew' }>,
  now = deps.clock.now(),
) {
  const events = decide(stored.state, command, now, deps.policy);
  const after = events.reduce(evolve, stored.state);
  if (events.length === 0) return { published: 0, before: stored.state, after, events };
  await saveLock(tx, stored, after, events, null, deps.policy);
  const published = toPublished(stored.state, events, now, deps.policy);
  await appendToOutbox(tx, SERVICE, published);
  return { published: published.length, before: stored.state, after, events };
}

/** A consumed message as the decision sees it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  eventId: string;
  customerId: string;
}

/** Where a customer's lock stands part way through a batch. */
interface Working {
  stored: StoredLock;
  state: CustomerLock;
  events: LockEvent[];
}

/**
 * Consumed messages' decisions, exactly once in effect: the one path every message takes (a single message is a batch
 * of one). Consecutive messages of one partition decide in one transaction, in offset order, through the pure decider:
 * the partition fence once (ownership held FOR SHARE, offsets at or below the last applied skipped), the inbox in one
 * statement, each customer's row locked once (in customer id order), one version-CAS save per changed lock and the
 * outbox in one statement (rows in offset order) all commit together. Returns, per message, what it decided:
 * undefined for a message that changed nothing (a redelivery, a repeated event id, no command).
 */
export async function decideOnMessages(
  deps: DecisionDeps,
  batch: readonly { message: ConsumedMessage; command: LockCommand | undefined }[],
): Promise<(Decided | undefined)[]> {
  if (batch.length === 0) return [];
  const { topic, partition } = batch[0]!.message;
  if (batch.some(({ message: m }) => m.topic !== topic || m.partition !== partition)) {
    throw new Error(`decideOnMessages: a batch must hold messages of one partition (${topic}:${partition})`);
  }
  const upTo = batch.reduce((max, b) => (BigInt(b.message.offset) > max ? BigInt(b.message.offset) : max), -1n);
  return begin(deps, async (tx) => {
    let applied = await fencePartition(tx, deps.instanceId, { topic, partition }, upTo);
    // Each offset must exceed everything applied before it, in the batch too (a redelivery may start part way back).
    const fresh = batch.flatMap((b, index) => {
      const offset = BigInt(b.message.offset);
      if (applied !== null && offset <= applied) return [];
      applied = offset;
      return b.command ? [{ ...b, command: b.command, index }] : [];
    });
    const claimed = await claimEvents(
      tx,
      SERVICE,
      fresh.map((f) => f.message.eventId),
    );
    const acting = fresh.filter((f) => claimed.delete(f.message.eventId)); // delete: a repeated id acts once
    const locks = await loadLocksForUpdate(
      tx,
      acting.map((a) => a.message.customerId),
    );
    const working = new Map<string, Working>(
      [...locks].map(([id, stored]) => [id, { stored, state: stored.state, events: [] }]),
    );
    const results: (Decided | undefined)[] = batch.map(() => undefined);
    const outbox: ReportlineEvent[] = [];
    for (const { message, command, index } of acting) {
      const w = working.get(message.customerId)!;
      const now = deps.clock.now();
      const events = decide(w.state, command, now, deps.policy);
      const after = events.reduce(evolve, w.state);
      const published = events.length > 0 ? toPublished(w.state, events, now, deps.policy) : [];
      results[index] = { published: published.length, before: w.state, after, events };
      w.state = after;
      w.events.push(...events);
      outbox.push(...published);
    }
    for (const w of working.values()) {
      // Unchanged and already on this partition: nothing to write (as decideIn does for a tick or a renewal).
      if (w.events.length === 0 && w.stored.partition === partition) continue;
      await saveLock(tx, w.stored, w.state, w.events, partition, deps.policy);
    }
    await appendToOutbox(tx, SERVICE, outbox);
    return results;
  });
}

/**
 * A time-driven decision (expiry, end of a lock-delay) from the sweep. Only by the owner of the customer's partition,
 * and only on the version the sweep saw: if anyone decided since, this tick is dropped and the next sweep looks again.
 */
export async function decideTick(
  deps: DecisionDeps,
  customerId: string,
  seenVersion: number,
  homeTopic: string,
): Promise<Decided | undefined> {
  return begin(deps, async (tx) => {
    const stored = await loadLockForUpdate(tx, customerId);
    if (stored.version !== seenVersion || stored.partition === null) return undefined;
    if (!(await ownsPartition(tx, deps.instanceId, homeTopic, stored.partition))) return undefined;
    return decideIn(tx, deps, stored, { kind: 'tick' });
  });
}

/** A renewal's answer: the lock after it, and why it changed nothing (null when it extended the lease). */
export interface RenewalDecided {
  refusal: RenewalRefusal | null;
  published: number;
  /** The instant the renewal was decided at: the lease runs from it. */
  decidedAt: Date;
  /** The lock after the decision; undefined for a customer id without a lock. */
  after: CustomerLock | undefined;
}

/**
 * A holder's renewal (HTTP, answered synchronously). Any instance may take it: the row lock serialises it with the
 * partition owner's decisions, and the compare-and-set on (import, token) means it can only extend the caller's own,
 * still valid lease — it never grants, frees or reorders anything, so it needs no partition fence. It never creates a
 * lock row: a customer id without one has no lease to renew.
 */
export async function decideRenewal(
  deps: DecisionDeps,
  customerId: string,
  renewal: { importId: string; token: number },
): Promise<RenewalDecided> {
  return begin(deps, async (tx) => {
    // One instant for the refusal and the decision, so both read the lease alike.
    const now = deps.clock.now();
    const stored = await loadExistingLockForUpdate(tx, customerId);
    if (!stored) return { refusal: 'not-held' as const, published: 0, decidedAt: now, after: undefined };
    const refusal = renewalRefusal(stored.state, renewal, now, deps.policy);
    const decided = await decideIn(tx, deps, stored, { kind: 'renew', ...renewal }, now);
    return { refusal, published: decided.published, decidedAt: now, after: decided.after };
  });
}
