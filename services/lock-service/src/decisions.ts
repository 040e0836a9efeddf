import {
  appendToOutbox,
  type Clock,
  claimEvent,
  type Pool,
  type PoolClient,
  withTransaction,
} from '@reportline/platform';
import { decide, evolve } from './domain/decide.ts';
import type { CustomerLock, LockCommand, LockPolicy } from './domain/lock.ts';
import { toPublished } from './domain/publish.ts';
import { fenceMessage, ownsPartition } from './fencing.ts';
import { loadLockForUpdate, type StoredLock, saveLock } from './store.ts';

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

async function begin(deps: DecisionDeps, fn: (tx: PoolClient) => Promise<Decided | undefined>) {
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
) {
  const now = deps.clock.now();
  const events = decide(stored.state, command, now, deps.policy);
  const after = events.reduce(evolve, stored.state);
  if (events.length === 0) {
    if (partition !== null && stored.partition !== partition) await saveLock(tx, stored, after, [], partition);
    return { published: 0, before: stored.state, after };
  }
  await saveLock(tx, stored, after, events, partition);
  const published = toPublished(stored.state.customerId, events, now, deps.policy);
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

/**
 * A holder's renewal (HTTP, answered synchronously). Any instance may take it: the row lock serialises it with the
 * partition owner's decisions, and the compare-and-set on (import, token) means it can only extend the caller's own,
 * still valid lease — it never grants, frees or reorders anything, so it needs no partition fence.
 */
export async function decideRenewal(
  deps: DecisionDeps,
  customerId: string,
  renewal: { importId: string; token: number },
): Promise<Decided> {
  return (await begin(deps, async (tx) => {
    const stored = await loadLockForUpdate(tx, customerId);
    return decideIn(tx, deps, stored, { kind: 'renew', ...renewal }, null);
  }))!;
}
