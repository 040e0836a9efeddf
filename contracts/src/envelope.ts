import { z } from 'zod';
import { CustomerId, EventId, ImportId } from './primitives.ts';

/**
 * Every event shares one envelope. On Kafka it travels as CloudEvents binary-mode headers (see `cloudevents.ts`) so
 * consumers outside Reportline can route and dedupe without our code; `data` is the message value.
 */
const envelopeFields = {
  id: EventId,
  time: z.iso.datetime({ offset: true }),
  source: z.string().min(1),
  importId: ImportId,
  customerId: CustomerId,
  correlationId: z.uuid(),
  causationId: z.uuid().nullable(),
};

export interface EventDefinition<T extends string, V extends number, D extends z.ZodType, L extends boolean> {
  readonly type: T;
  readonly version: V;
  /** True for events about work done under a lease: they must carry the fencing token. */
  readonly leased: L;
  readonly data: D;
  readonly schema: z.ZodObject<
    {
      type: z.ZodLiteral<T>;
      version: z.ZodLiteral<V>;
      fencingToken: L extends true ? z.ZodNumber : z.ZodOptional<z.ZodNumber>;
      data: D;
    } & typeof envelopeFields
  >;
}

export function defineEvent<T extends string, V extends number, D extends z.ZodType, L extends boolean>(
  type: T,
  version: V,
  data: D,
  options: { leased: L },
): EventDefinition<T, V, D, L> {
  const token = z.number().int().positive();
  const schema = z.object({
    ...envelopeFields,
    type: z.literal(type),
    version: z.literal(version),
    fencingToken: (options.leased ? token : token.optional()) as L extends true
      ? z.ZodNumber
      : z.ZodOptional<z.ZodNumber>,
    data,
  });
  return { type, version, leased: options.leased, data, schema };
}

export type EventOf<E> = E extends EventDefinition<string, number, z.ZodType, boolean> ? z.infer<E['schema']> : never;
