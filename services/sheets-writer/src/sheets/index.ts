export type { CellPolicy } from './cell-budget.ts';
export {
  type CellInput,
  type Column,
  type ColumnType,
  dateToSerial,
  type RawCell,
  RowValueError,
  serialToDate,
  toCellRows,
} from './cells.ts';
export { type Chunk, chunkRows, DEFAULT_MAX_CHUNK_BYTES } from './chunking.ts';
export {
  AmbiguousOutcomeError,
  CellLimitError,
  InvalidTargetError,
  RetriesExhaustedError,
  SheetsApiError,
  SpreadsheetUnreachableError,
} from './errors.ts';
export { inProcessLayoutMemory, type Layout, type LayoutMemory } from './layout-memory.ts';
export { METADATA_TAB } from './metadata.ts';
export { GOOGLE_MAX_CELLS, stagingTabName } from './plan.ts';
export {
  backoffDelay,
  createQuotaScheduler,
  DEFAULT_PROJECT,
  inProcessQuotaStore,
  type PrincipalQuota,
  type QuotaBucket,
  type QuotaClock,
  type QuotaLimits,
  type QuotaOptions,
  type QuotaScheduler,
  type QuotaStore,
  type SheetsMethod,
} from './quota.ts';
export {
  createSheetsPort,
  fakePrincipalAuth,
  type SheetsAuth,
  type SheetsPort,
  type SheetsPortOptions,
  serviceAccountAuth,
} from './sheets-port.ts';
export {
  createSheetsWriter,
  type ReplaceDatesInput,
  type ReplaceDatesResult,
  type SheetsWriter,
  type SheetsWriterDeps,
} from './write-protocol.ts';
