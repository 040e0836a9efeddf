import type { TopicManifest } from '@reportline/contracts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Member {
  id: string;
  topics: readonly TopicManifest[];
}

/** Member id → its topic-partitions, keyed by `tpKey`. */
export type Assignment = Map<string, Map<string, TopicPartition>>;

export const tpKey = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

/** Same key, same partition (FNV-1a). Not Kafka's murmur2: only the in-memory bus relies on it. */
export function partitionOf(key: string | null, partitions: number): number {
  if (key === null) return 0;
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * Kafka's round-robin assignor: partitions in a fixed order dealt to members in turn, skipping members not
 * subscribed to the partition's topic.
 */
export function assignRoundRobin(
  members: readonly Member[],
  partitionsOf: (topics: readonly TopicManifest[]) => TopicPartition[],
): Assignment {
  const assignment: Assignment = new Map(members.map((m) => [m.id, new Map()]));
  const all = new Map<string, TopicPartition>();
  for (const m of members) for (const tp of partitionsOf(m.topics)) all.set(tpKey(tp), tp);
  const ordered = [...all.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  let turn = 0;
  for (const tp of ordered) {
    for (let tries = 0; tries < members.length; tries++) {
      const member = members[turn++ % members.length]!;
      if (member.topics.some((t) => t.name === tp.topic)) {
        assignment.get(member.id)!.set(tpKey(tp), tp);
        break;
      }
    }
  }
  return assignment;
}
