import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetter, RawMessage } from './bus.ts';

/** Headers a dead letter carries on top of the original ones. */
export const DLQ_HEADERS = ['dlq_reason', 'dlq_topic', 'dlq_partition', 'dlq_offset', 'dlq_group'] as const;

/** Kafka headers are bytes and may repeat; CloudEvents attributes are single strings, so the last value wins. */
export function headersToRecord(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

export const toRawMessage = (message: KafkaMessage): RawMessage => ({
  key: message.key?.toString() ?? null,
  headers: headersToRecord(message.headers),
  value: message.value?.toString() ?? null,
});

/** Where a rejected message came from and why: what a dead letter adds to the original message. */
export type DeadLetterMeta = Pick<DeadLetter, 'topic' | 'partition' | 'offset' | 'reason' | 'group'>;

/** The original key, value and headers untouched, plus where the message came from and why it was rejected. */
export function deadLetterMessage(letter: DeadLetterMeta, original: KafkaMessage): Message {
  return {
    key: original.key,
    value: original.value,
    headers: {
      ...original.headers,
      dlq_reason: letter.reason,
      dlq_topic: letter.topic,
      dlq_partition: String(letter.partition),
      dlq_offset: letter.offset,
      dlq_group: letter.group,
    },
  };
}

/** Reads a message from a dead-letter topic back into a `DeadLetter` (for tools, tests and replays). */
export function readDeadLetter(message: KafkaMessage): DeadLetter {
  const { key, headers: all, value } = toRawMessage(message);
  const headers = { ...all };
  for (const name of DLQ_HEADERS) delete headers[name];
  const required = (name: (typeof DLQ_HEADERS)[number]) => {
    const v = all[name];
    if (v === undefined) throw new Error(`dead letter at offset ${message.offset} lacks header ${name}`);
    return v;
  };
  return {
    topic: required('dlq_topic'),
    partition: Number(required('dlq_partition')),
    offset: required('dlq_offset'),
    key,
    headers,
    value,
    reason: required('dlq_reason'),
    group: required('dlq_group'),
  };
}
