import { type ConsumedMessage, type DecisionDeps, decideOnMessages } from '../../src/decisions.ts';
import type { LockCommand } from '../../src/domain/lock.ts';

/** One consumed message through the path the service runs: a batch of one. */
export async function decideOne(deps: DecisionDeps, message: ConsumedMessage, command: LockCommand | undefined) {
  const [decided] = await decideOnMessages(deps, [{ message, command }]);
  return decided;
}
