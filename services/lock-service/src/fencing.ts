import type { Pool, Queryable } from '@reportline/platform';

/**
 * Zombie fencing in Postgres. Kafka's group assignment says who should decide for a partition; these rows make a
 * decision by anyone else impossible, whatever its process believes after a pause:
 * - `partition_owners`: claimed by the instance the group assigned the partition to. Every decision holds the row
 *   FOR SHARE and requires owner = self, so a new owner's claim waits for the old owner's in-flight decision to end,
 *   and every later decision of the old owner fails.
 * - `consumer_offsets`: the last applied offset per partition, written in the decision's transaction; an offset not
 *   greater than it (a redelivery, or a resumed zombie's stale message) changes nothing.
 */

/** A decision by an instance that does not own the partition (any more, or not yet): the message is retried. */
export class NotPartitionOwnerError extends Error {
  override readonly name = 'NotPartitionOwnerError';
}

export async function claimPartitions(
  pool: Pool,
  instanceId: string,
  claims: readonly { topic: string; partition: number }[],
): Promise<void> {
  for (const { topic, partition } of claims) {
    await pool.query(
      `INSERT INTO lock.partition_owners (topic, partition, owner, epoch) VALUES ($1, $2, $3, 1)
       ON CONFLICT (topic, partition) DO UPDATE SET owner = $3, epoch = lock.partition_owners.epoch + 1, claimed_at = now()`,
      [topic, partition, instanceId],
    );
  }
}

/** Whether `instanceId` owns the partition now; holds the owner row FOR SHARE until the transaction ends. */
export async function ownsPartition(
  tx: Queryable,
  instanceId: string,
  topic: string,
  partition: number,
): Promise<boolean> {
  const { rows } = await tx.query<{ owner: string }>(
    'SELECT owner FROM lock.partition_owners WHERE topic = $1 AND partition = $2 FOR SHARE',
    [topic, partition],
  );
  return rows[0]?.owner === instanceId;
}

/**
 * Fences consumed messages of one partition (a batch, or a batch of one): throws NotPartitionOwnerError unless this
 * instance owns the partition; records `upTo` as the last applied offset (when greater) and returns the one applied
 * before (null if none): the caller skips every message at or below it.
 */
export async function fencePartition(
  tx: Queryable,
  instanceId: string,
  at: { topic: string; partition: number },
  upTo: bigint,
): Promise<bigint | null> {
  if (!(await ownsPartition(tx, instanceId, at.topic, at.partition))) {
    throw new NotPartitionOwnerError(`${at.topic}:${at.partition} is not owned by lock-service instance ${instanceId}`);
  }
  const { rows } = await tx.query<{ last_offset: string }>(
    'SELECT last_offset FROM lock.consumer_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE',
    [at.topic, at.partition],
  );
  const before = rows[0] ? BigInt(rows[0].last_offset) : null;
  if (before === null || upTo > before) {
    await tx.query(
      `INSERT INTO lock.consumer_offsets AS o (topic, partition, last_offset) VALUES ($1, $2, $3)
       ON CONFLICT (topic, partition) DO UPDATE SET last_offset = $3 WHERE o.last_offset < $3`,
      [at.topic, at.partition, upTo.toString()],
    );
  }
  return before;
}
