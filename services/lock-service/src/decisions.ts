import type { ReportlineEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  claimEvent,
  claimEvents,
  type Pool,
  type PoolClient,
  withTransaction,
} from '@reportline/platform';
import { decide, evolve, renewalRefusal } from './domain/decide.ts';
import type { CustomerLock, LockCommand, LockEvent, LockPolicy, RenewalRefusal } from './domain/lock.ts';
import { toPublished } from './domain/publish.ts';
import { fenceMessage, fencePartition, ownsPartition } from './fencing.ts';
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
}

async function begin<T>(deps: DecisionDeps, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(deps.pool, async (tx) => {
    await tx.query(`SET LOCAL idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`);
    return fn(tx);
  });
}

/** Load (row-locked), decide, save state + history with version CAS + outbox: the one place a lock changes. */
async function decideIn(
  tx: PoolClient,
  deps: DecisionDeps,
  stored: StoredLock,
  command: LockCommand,
  partition: number | null,
  now = deps.clock.now(),
) {
  const events = decide(stored.state, command, now, deps.policy);
  const after = events.reduce(evolve, stored.state);
  if (events.length === 0) {
    if (partition !== null && stored.partition !== partition)
      await saveLock(tx, stored, after, [], partition, deps.policy);
    return { published: 0, before: stored.state, after };
  }
  await saveLock(tx, stored, after, events, partition, deps.policy);
  const published = toPublished(stored.state, events, now, deps.policy);
  await appendToOutbox(tx, SERVICE, published);
  return { published: published.length, before: stored.state, after };
}

/**
 * A consumed message's decision, exactly once in effect: the partition's ownership and last offset, the inbox entry,
 * the lock state and the outbox rows commit together. Returns undefined for a redelivery (nothing changed).
 */
export async function decideOnMessage(
  deps: DecisionDeps,
  message: { topic: string; partition: number; offset: string; eventId: string; customerId: string },
  command: LockCommand | undefined,
): Promise<Decided | undefined> {
  return begin(deps, async (tx) => {
    if (!(await fenceMessage(tx, deps.instanceId, message))) return undefined;
    if (!command) return undefined;
    if (!(await claimEvent(tx, SERVICE, message.eventId))) return undefined;
    const stored = await loadLockForUpdate(tx, message.customerId);
    return decideIn(tx, deps, stored, command, message.partition);
  });
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
 * `decideOnMessage` for consecutive messages of one partition, in one transaction: the same decisions, in offset
 * order, through the same pure decider, with the same fencing (once: ownership held FOR SHARE, offsets at or below the
 * last applied skipped), inbox (one statement), row locks (each customer's once, in customer id order), version CAS
 * (one save per changed lock) and outbox (one statement, rows in offset order). Returns, per message, what
 * `decideOnMessage` would have: undefined for a message that changed nothing.
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
  return withTransaction(deps.pool, async (tx) => {
    await tx.query(`SET LOCAL idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`);
    let applied = await fencePartition(tx, deps.instanceId, { topic, partition }, upTo);
    // As message by message: each offset must exceed everything applied before it, in the batch too.
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
      results[index] = { published: published.length, before: w.state, after };
      w.state = after;
      w.events.push(...events);
      outbox.push(...published);
    }
    for (const w of working.values()) {
      // Unchanged and already on this partition: nothing to write, as message by message.
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
    return decideIn(tx, deps, stored, { kind: 'tick' }, null);
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
    const decided = await decideIn(tx, deps, stored, { kind: 'renew', ...renewal }, null, now);
    return { refusal, published: decided.published, decidedAt: now, after: decided.after };
  });
}
