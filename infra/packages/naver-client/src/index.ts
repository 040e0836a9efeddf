export {
  type CallOptions,
  createNaverClient,
  type DeleteOutcome,
  type NaverClient,
  type NaverClientOptions,
} from './client.ts';
export {
  classifyHttpFailure,
  isNaverError,
  NaverError,
  type NaverErrorDetails,
  type NaverErrorKind,
} from './errors.ts';
export { interpretStatReport, type StatJobOutcome } from './job-outcome.ts';
export {
  abortableSleep,
  RateBudget,
  type RateBudgetOptions,
  type RateBudgetSnapshot,
  sharedRateBudget,
} from './rate-budget.ts';
export {
  MASTER_REPORT_ITEMS,
  type MasterReportItem,
  type MasterReportJob,
  masterReportJobSchema,
  OTHER_STAT_REPORT_TYPES,
  STAT_REPORT_STATUSES,
  STAT_REPORT_TYPES,
  type StatReportJob,
  type StatReportType,
  statDtToKstDate,
  statReportJobSchema,
  toStatDt,
} from './schemas.ts';
export { authHeaders, DOWNLOAD_SIGNING_PATH, type NaverCredentials, sign, signatureBase } from './signing.ts';
export {
  createTransport,
  type NaverRequestInfo,
  type SendRequest,
  type Transport,
  type TransportOptions,
} from './transport.ts';
