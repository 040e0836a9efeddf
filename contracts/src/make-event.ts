import type { z } from 'zod';
import type { EventDefinition } from './envelope.ts';
import type { ReportlineEvent } from './registry.ts';

export interface EventContext {
  /** Service name, becomes `ce_source`. */
  source: string;
  importId: string;
  customerId: string;
  /** The event that caused this one; its correlation id is carried forward. Absent for a command from outside. */
  causedBy?: Pick<ReportlineEvent, 'id' | 'correlationId'>;
  fencingToken?: number;
  now: Date;
  id?: string;
}

/** Builds a validated event. Throws on invalid data: producing a malformed event is a bug, not bad input. */
export function makeEvent<T extends string, V extends number, D extends z.ZodType, L extends boolean>(
  def: EventDefinition<T, V, D, L>,
  data: z.input<D>,
  ctx: EventContext,
): z.infer<EventDefinition<T, V, D, L>['schema']> {
  const id = ctx.id ?? crypto.randomUUID();
  return def.schema.parse({
    id,
    type: def.type,
    version: def.version,
    time: ctx.now.toISOString(),
    source: ctx.source,
    importId: ctx.importId,
    customerId: ctx.customerId,
    correlationId: ctx.causedBy?.correlationId ?? id,
    causationId: ctx.causedBy?.id ?? null,
    fencingToken: ctx.fencingToken,
    data,
  });
}
