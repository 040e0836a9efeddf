export { type Backoff, backoffDelay, defaultBackoff } from './backoff.ts';
export * from './bus.ts';
export { encodeEvent, type OutgoingMessage } from './event-wire.ts';
export {
  classifyCommon,
  DependencyUnavailableError,
  type FailureClass,
  type FailurePolicy,
  type GaveUp,
  PermanentFailureError,
  type UndecodableMessage,
} from './failure-policy.ts';
export { createInMemoryBus, type InMemoryBus, type InMemoryBusOptions } from './in-memory-bus.ts';
export { createKafkaBus, type KafkaBusOptions } from './kafka-bus.ts';
export { type DeadLetterMeta, DLQ_HEADERS, headersToRecord, readDeadLetter, toRawMessage } from './kafka-messages.ts';
export type { BrokerRetry } from './kafka-subscriber.ts';
