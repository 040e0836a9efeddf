/**
 * Which partitions the consumer group assigned to this instance, from the bus' `onAssigned`. Every join replaces the
 * whole assignment (kafkajs rebalances eagerly). The view may be stale after a pause; Postgres ownership
 * (fencing.ts) is what decisions trust.
 */
export interface AssignmentTracker {
  /** For `Subscription.onAssigned`: records the assignment and claims it before any handler runs. */
  assigned(assignment: Record<string, number[]>): Promise<void>;
  /** Partitions of `topic` assigned at the latest join. */
  partitions(topic: string): number[];
}

export function trackAssignment(claim: (assignment: Record<string, number[]>) => Promise<void>): AssignmentTracker {
  let current: Record<string, number[]> = {};
  return {
    async assigned(assignment) {
      current = assignment;
      await claim(assignment);
    },
    partitions: (topic) => current[topic] ?? [],
  };
}
