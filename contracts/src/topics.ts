import { z } from 'zod';
import { CredentialsCheckedV1, CredentialsCheckRequestedV1 } from './events/credentials.ts';
import { ImportCompletedV1, ImportFailedV1, ImportRequestedV1, ImportRequestedV2 } from './events/imports.ts';
import {
  LeaseExpiredV1,
  LeaseReleasedV1,
  LeaseReleasedV2,
  LeaseRenewedV1,
  LeaseRequestedV1,
  LeaseRequestedV2,
  LockGrantedV1,
  LockGrantedV2,
  LockGrantedV3,
  LockQueuedV1,
} from './events/leases.ts';
import {
  ChunkDownloadedV1,
  ChunkDownloadedV2,
  ReportsDownloadedV1,
  ReportsDownloadedV2,
  ReportsDownloadedV3,
  RowsProcessedV1,
  RowsProcessedV2,
  RowsProcessedV3,
  SheetWrittenV1,
  SheetWrittenV2,
  SheetWrittenV3,
} from './events/pipeline.ts';
import type { AnyEventDefinition } from './registry.ts';

export type ServiceName = 'scheduler' | 'lock-service' | 'naver-fetcher' | 'processor' | 'sheets-writer';

export interface TopicManifest {
  readonly name: string;
  readonly description: string;
  /** The envelope field used as the Kafka key: it decides ordering and which instance handles a message. */
  readonly key: 'customerId' | 'importId';
  readonly partitions: number;
  readonly owner: ServiceName;
  readonly producers: readonly ServiceName[];
  readonly consumers: readonly ServiceName[];
  readonly events: readonly AnyEventDefinition[];
  readonly deadLetterTopic: string;
}

/**
 * What a consumer adds to a message it gives up on before producing it to the topic's dead-letter topic: the original
 * key, value and headers travel untouched beside these, so a dead letter can be inspected and replayed as it was.
 * The platform's Kafka bus writes them; they are here because they are part of what other teams read.
 */
export const DeadLetterHeaders = z.looseObject({
  dlq_reason: z.string().min(1).describe('why the consumer rejected the message (parse error, or the last failure)'),
  dlq_topic: z.string().min(1).describe('the topic the message was read from'),
  dlq_partition: z.string().regex(/^\d+$/).describe('its partition there'),
  dlq_offset: z.string().regex(/^\d+$/).describe('its offset there'),
  dlq_group: z.string().min(1).describe('the consumer group that gave up on it'),
});

/**
 * Partitions of every dead-letter topic: dead letters are rare and read by people, not for throughput, so one
 * partition keeps them in arrival order. The topic creation in infra/dev does the same.
 */
export const DEAD_LETTER_PARTITIONS = 1;

const topic = (m: Omit<TopicManifest, 'deadLetterTopic'>): TopicManifest => ({
  ...m,
  deadLetterTopic: `${m.name}.dlq`,
});

/**
 * The topics of the flow. Keys by customer id where per-customer order matters (the lock); by import id where work
 * should spread over partitions (processing, writing).
 */
export const topics = {
  imports: topic({
    name: 'reportline.imports.v1',
    description:
      'Import lifecycle (requested, completed, failed), credentials checks (requested, checked) and lease requests and ' +
      'releases: everything the lock decides on travels on this one topic keyed by customer id, so one lock-service ' +
      'instance sees all of a customer id, in order.',
    key: 'customerId',
    partitions: 6,
    owner: 'scheduler',
    producers: ['scheduler', 'lock-service', 'naver-fetcher', 'processor', 'sheets-writer'],
    // The fetcher plans each ImportRequested against its data calendar and asks for a lease (LeaseRequested) only when
    // NAVER is needed; the lock queues on LeaseRequested. The processor keeps each import's layout from
    // ImportRequested v2 (it builds the rows in it); the writer keeps each import's history length (historyDays).
    consumers: ['scheduler', 'lock-service', 'naver-fetcher', 'processor', 'sheets-writer'],
    // Credentials checks meet here too: the scheduler asks (CredentialsCheckRequested), the fetcher answers
    // (CredentialsChecked) after one signed NAVER call under the customer id's lease (LeaseRequested v2).
    events: [
      ImportRequestedV1,
      ImportRequestedV2,
      LeaseRequestedV1,
      LeaseRequestedV2,
      LeaseReleasedV1,
      LeaseReleasedV2,
      ImportCompletedV1,
      ImportFailedV1,
      CredentialsCheckRequestedV1,
      CredentialsCheckedV1,
    ],
  }),
  leases: topic({
    name: 'reportline.leases.v1',
    description: 'Decisions of the lock-service: queued requests, grants, renewals and expiries of NAVER leases.',
    key: 'customerId',
    partitions: 6,
    owner: 'lock-service',
    producers: ['lock-service'],
    consumers: ['naver-fetcher', 'scheduler'],
    events: [LockQueuedV1, LockGrantedV1, LockGrantedV2, LockGrantedV3, LeaseRenewedV1, LeaseExpiredV1],
  }),
  downloads: topic({
    name: 'reportline.downloads.v1',
    description:
      "NAVER reports for an import, from NAVER or from the data calendar's store: progress and the finished set.",
    key: 'importId',
    partitions: 6,
    owner: 'naver-fetcher',
    producers: ['naver-fetcher'],
    consumers: ['processor', 'scheduler'],
    events: [ChunkDownloadedV1, ChunkDownloadedV2, ReportsDownloadedV1, ReportsDownloadedV2, ReportsDownloadedV3],
  }),
  rows: topic({
    name: 'reportline.rows.v1',
    description: 'Parsed, joined rows ready for a sheet (claim check).',
    key: 'importId',
    partitions: 6,
    owner: 'processor',
    producers: ['processor'],
    consumers: ['sheets-writer', 'scheduler'],
    events: [RowsProcessedV1, RowsProcessedV2, RowsProcessedV3],
  }),
  sheetWrites: topic({
    name: 'reportline.sheet-writes.v1',
    description: 'Rows committed to a Google Sheet.',
    key: 'importId',
    partitions: 6,
    owner: 'sheets-writer',
    producers: ['sheets-writer'],
    consumers: ['scheduler'],
    events: [SheetWrittenV1, SheetWrittenV2, SheetWrittenV3],
  }),
} as const satisfies Record<string, TopicManifest>;

export type TopicName = keyof typeof topics;
export const allTopics: readonly TopicManifest[] = Object.values(topics);

/** The topic an event is published to. Each (type, version) lives on exactly one topic. */
export function topicOf(type: string, version: number): TopicManifest {
  const t = allTopics.find((m) => m.events.some((e) => e.type === type && e.version === version));
  if (!t) throw new Error(`no topic carries event ${type} v${version}`);
  return t;
}
