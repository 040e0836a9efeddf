import {
  type EventOfType,
  type FailureStage,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
} from '@reportline/contracts';
import type { z } from 'zod';
import type { FailureClass, FailurePolicy, GaveUp } from './bus/failure-policy.ts';
import type { Clock } from './clock.ts';
import { handleOnce } from './pg/handle-once.ts';
import { appendToOutbox } from './pg/outbox.ts';
import type { Pool } from './pg/pool.ts';

/** Events that end an import: answering their failure with another ImportFailed would only echo. */
const TERMINAL = new Set(['ImportFailed', 'ImportCompleted']);

export interface GiveUpContext {
  /** The service publishing ImportFailed (its `source` and outbox). */
  service: string;
  stage: z.infer<typeof FailureStage>;
  now: Date;
}

/**
 * The ImportFailed that ends `event`'s import when a consumer gave up on the message: it names the service, the
 * message and why, so a person knows what happened without reading logs. Undefined for events that already end
 * an import.
 */
export function importFailedOnGiveUp(
  event: ReportlineEvent,
  why: GaveUp,
  ctx: GiveUpContext,
): EventOfType<'ImportFailed'> | undefined {
  if (TERMINAL.has(event.type)) return undefined;
  const retry = why.retryable
    ? 'Request the import again; if it fails the same way, report it with this import id.'
    : 'Retrying the same import cannot help until this is fixed.';
  const message = `the ${ctx.service} could not handle ${event.type} of this import: ${why.message}. ${retry}`;
  return makeEvent(
    ImportFailedV1,
    { stage: ctx.stage, code: why.code, message: message.slice(0, 2_000), retryable: why.retryable },
    { source: ctx.service, importId: event.importId, customerId: event.customerId, causedBy: event, now: ctx.now },
  );
}

export interface ConsumerFailureOptions {
  pool: Pool;
  service: string;
  /** The inbox name the consumer's handler claims events under: a given-up event then counts as handled. */
  consumer: string;
  /** Where the import failed, for ImportFailed; leave out for consumers whose give-up must not fail the import. */
  stage?: z.infer<typeof FailureStage>;
  clock: Clock;
  nudge: () => void;
  classify?: (err: unknown) => FailureClass | undefined;
}

/**
 * The usual give-up of a consumer: in one transaction, mark the event handled and publish ImportFailed through the
 * outbox, so the import ends with a reason exactly once however often the message comes back.
 */
export function failImportOnGiveUp(opts: ConsumerFailureOptions): NonNullable<FailurePolicy['giveUp']> {
  return async (event, why) => {
    const stage = opts.stage;
    if (!stage) return;
    const failed = importFailedOnGiveUp(event, why, { service: opts.service, stage, now: opts.clock.now() });
    const wrote = await handleOnce(opts.pool, opts.consumer, event.id, {
      inside: async (tx) => {
        if (failed) await appendToOutbox(tx, opts.service, [failed]);
        return Boolean(failed);
      },
    });
    if (wrote === true) opts.nudge();
  };
}
