import type { z } from 'zod';
import type { EventDefinition } from './envelope.ts';
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

/** Every published (type, version). A version, once here, never changes: add a new one beside it. */
export const eventDefinitions = [
  ImportRequestedV1,
  ImportRequestedV2,
  ImportCompletedV1,
  ImportFailedV1,
  LockGrantedV1,
  LockGrantedV2,
  LockGrantedV3,
  LeaseRenewedV1,
  LeaseReleasedV1,
  LeaseReleasedV2,
  LeaseExpiredV1,
  LockQueuedV1,
  LeaseRequestedV1,
  LeaseRequestedV2,
  CredentialsCheckRequestedV1,
  CredentialsCheckedV1,
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
] as const;

export type AnyEventDefinition = (typeof eventDefinitions)[number];
export type ReportlineEvent = z.infer<AnyEventDefinition['schema']>;
export type EventType = ReportlineEvent['type'];
export type EventOfType<T extends EventType> = Extract<ReportlineEvent, { type: T }>;

export const eventKey = (type: string, version: number) => `${type}.v${version}`;

const byKey = new Map<string, EventDefinition<string, number, z.ZodType, boolean>>(
  eventDefinitions.map((d) => [eventKey(d.type, d.version), d]),
);

export function findEventDefinition(type: string, version: number) {
  return byKey.get(eventKey(type, version));
}
