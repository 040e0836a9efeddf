import type { z } from 'zod';
import { NaverError } from './errors.ts';
import {
  type MasterReportItem,
  type MasterReportJob,
  masterReportJobSchema,
  type StatReportJob,
  type StatReportType,
  statReportJobSchema,
  toStatDt,
} from './schemas.ts';
import { DOWNLOAD_SIGNING_PATH } from './signing.ts';
import { createTransport, networkFailure, type TransportOptions } from './transport.ts';

export interface NaverClientOptions extends TransportOptions {
  /** Timeout until a download's body has been read completely (default 10 min). */
  downloadTimeoutMs?: number;
  /**
   * Hosts a downloadUrl may point at. The four auth headers go to that host, so it must be NAVER's or ours
   * (default: baseUrl's host, plus any https `*.naver.com` host — real downloadUrls have said `api.naver.com`).
   */
  allowedDownloadHosts?: string[];
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type DeleteOutcome = 'deleted' | 'already-gone';

/**
 * Typed calls for the report endpoints. There is deliberately no call for `DELETE /stat-reports` or
 * `DELETE /master-reports`: NAVER deletes ALL jobs of the customer id, including other tools' and other imports'
 * (#1071, #750), which would make their polls answer 20011 and their data vanish. Delete your own jobs one by one.
 */
export interface NaverClient {
  readonly customerId: string;
  /** `statDate` is the KST calendar day as `YYYY-MM-DD`; sent as NAVER's `YYYYMMDD`. */
  createStatReport(reportTp: StatReportType, statDate: string, options?: CallOptions): Promise<StatReportJob>;
  /** Throws NaverError kind `job-vanished` when the job was evicted or deleted (404 20011). */
  getStatReport(reportJobId: number, options?: CallOptions): Promise<StatReportJob>;
  listStatReports(options?: CallOptions): Promise<StatReportJob[]>;
  deleteStatReport(reportJobId: number, options?: CallOptions): Promise<DeleteOutcome>;
  createMasterReport(item: MasterReportItem, fromTime?: string, options?: CallOptions): Promise<MasterReportJob>;
  /** `null` when the job no longer exists (NAVER answers 204 for deleted master jobs). */
  getMasterReport(id: string, options?: CallOptions): Promise<MasterReportJob | null>;
  listMasterReports(options?: CallOptions): Promise<MasterReportJob[]>;
  deleteMasterReport(id: string, options?: CallOptions): Promise<DeleteOutcome>;
  /** Streams the file at `downloadUrl` (used verbatim, signed over GET /report-download). Headerless TSV bytes. */
  download(downloadUrl: string, options?: CallOptions): Promise<ReadableStream<Uint8Array>>;
}

async function parseJson<S extends z.ZodType>(endpoint: string, response: Response, schema: S): Promise<z.output<S>> {
  const text = await response.text();
  let value: unknown;
  try {
    value = text.trim() === '' ? null : JSON.parse(text);
  } catch (error) {
    throw new NaverError('unexpected', `NAVER ${endpoint} answered HTTP ${response.status} with non-JSON body`, {
      endpoint,
      httpStatus: response.status,
      cause: error,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new NaverError('unexpected', `NAVER ${endpoint} answered an unexpected shape (${where})`, {
      endpoint,
      httpStatus: response.status,
    });
  }
  return parsed.data;
}

function checkJobId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0) throw new TypeError(`reportJobId must be a non-negative integer, got ${id}`);
  return id;
}

function checkMasterId(id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new TypeError('master report id must be alphanumeric');
  return id;
}

/** Converts stream failures (timeouts, resets) into transient NaverErrors so callers see one error vocabulary. */
function classifiedStream(
  source: ReadableStream<Uint8Array>,
  endpoint: string,
  callerSignal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(networkFailure(endpoint, error, callerSignal));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

export function createNaverClient(options: NaverClientOptions): NaverClient {
  const transport = createTransport(options);
  const base = new URL(options.baseUrl);
  const allowedHosts = new Set(options.allowedDownloadHosts ?? [base.host]);

  const json = async <S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    call: CallOptions | undefined,
    body?: unknown,
  ) => parseJson(`${method} ${path}`, await transport.send({ method, path, body, signal: call?.signal }), schema);

  const remove = async (path: string, call?: CallOptions): Promise<DeleteOutcome> => {
    try {
      await (await transport.send({ method: 'DELETE', path, signal: call?.signal })).arrayBuffer();
      return 'deleted';
    } catch (error) {
      if (error instanceof NaverError && error.kind === 'job-vanished') return 'already-gone';
      throw error;
    }
  };

  return {
    customerId: options.customerId,

    createStatReport: (reportTp, statDate, call) =>
      json('POST', '/stat-reports', statReportJobSchema, call, { reportTp, statDt: toStatDt(statDate) }),

    getStatReport: (id, call) => json('GET', `/stat-reports/${checkJobId(id)}`, statReportJobSchema, call),

    listStatReports: async (call) =>
      (await json('GET', '/stat-reports', statReportJobSchema.array().nullable(), call)) ?? [],

    deleteStatReport: (id, call) => remove(`/stat-reports/${checkJobId(id)}`, call),

    createMasterReport: (item, fromTime, call) =>
      json(
        'POST',
        '/master-reports',
        masterReportJobSchema,
        call,
        fromTime === undefined ? { item } : { item, fromTime },
      ),

    getMasterReport: async (id, call) => {
      const path = `/master-reports/${checkMasterId(id)}`;
      const response = await transport.send({ method: 'GET', path, signal: call?.signal });
      if (response.status === 204) return null;
      return parseJson(`GET ${path}`, response, masterReportJobSchema);
    },

    listMasterReports: async (call) =>
      (await json('GET', '/master-reports', masterReportJobSchema.array().nullable(), call)) ?? [],

    deleteMasterReport: (id, call) => remove(`/master-reports/${checkMasterId(id)}`, call),

    download: async (downloadUrl, call) => {
      const endpoint = `GET ${DOWNLOAD_SIGNING_PATH}`;
      let url: URL;
      try {
        url = new URL(downloadUrl);
      } catch {
        throw new NaverError('unexpected', 'downloadUrl is not an absolute URL', { endpoint });
      }
      const naverHost = url.protocol === 'https:' && url.hostname.endsWith('.naver.com');
      if (!naverHost && !allowedHosts.has(url.host)) {
        throw new NaverError('unexpected', `downloadUrl host ${url.host} is not allowed to receive credentials`, {
          endpoint,
        });
      }
      const response = await transport.send({
        method: 'GET',
        path: DOWNLOAD_SIGNING_PATH,
        url: downloadUrl,
        signal: call?.signal,
        timeoutMs: options.downloadTimeoutMs ?? 600_000,
      });
      if (!response.body) return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      return classifiedStream(response.body, endpoint, call?.signal);
    },
  };
}
