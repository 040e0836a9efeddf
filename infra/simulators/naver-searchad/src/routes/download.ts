import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimCustomer } from '../config.ts';
import { entitiesFor } from '../data/entities.ts';
import { isModelledItem, masterRows } from '../data/master-rows.ts';
import { isModelled, type Row, statRows } from '../data/stat-rows.ts';
import { tsvChunks } from '../data/tsv.ts';
import { masterStatusAt } from '../master-pool.ts';
import { internalError, noPermission, reportNotFound } from '../naver-errors.ts';
import { statusAt } from '../stat-pool.ts';
import type { SimulatorState } from '../state.ts';
import { sendFailure } from './reply.ts';

/**
 * GET /report-download?authtoken=…&fileVersion=v2 — shared by stat and master reports. Requires the four auth headers
 * signed over GET /report-download (checked by the gateway). Rows are generated lazily and streamed.
 */
export function registerDownload(
  app: FastifyInstance,
  state: SimulatorState,
  customers: WeakMap<FastifyRequest, SimCustomer>,
): void {
  app.get<{ Querystring: { authtoken?: string; fileVersion?: string } }>('/report-download', async (request, reply) => {
    const customer = customers.get(request)!;
    const { authtoken, fileVersion } = request.query;
    const target = authtoken === undefined ? undefined : state.tokens.get(authtoken);
    if (!target) return sendFailure(reply, reportNotFound());
    if (target.customerId !== customer.customerId) return sendFailure(reply, noPermission());
    // Forcing or dropping fileVersion on a v2 URL answers 500 (#1230, #1246).
    if (state.knobs.strictFileVersion && fileVersion !== 'v2') return sendFailure(reply, internalError());
    const nowMs = state.nowMs();
    const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
    let rows: () => Iterable<Row>;
    if (target.kind === 'stat') {
      state.stat.live(customer.customerId, nowMs, state.knobs.retentionDays);
      const job = state.stat.find(customer.customerId, target.jobId as number);
      if (!job || statusAt(job, nowMs, state.knobs) !== 'BUILT' || !isModelled(job.reportTp)) {
        return sendFailure(reply, reportNotFound());
      }
      const type = job.reportTp as Parameters<typeof statRows>[0];
      rows = () => statRows(type, entities, customer.seed, job.statDate, job.revision);
    } else {
      const job = state.master.find(customer.customerId, target.jobId as string);
      if (!job || masterStatusAt(job, nowMs, state.knobs.masterBuildMs) !== 'BUILT' || !isModelledItem(job.item)) {
        return sendFailure(reply, reportNotFound());
      }
      const fromMs = job.fromTime === null ? null : Date.parse(job.fromTime);
      const options = { asOfMs: job.createdMs, fromMs, tabInNames: state.knobs.tabInMasterNames };
      const item = job.item;
      rows = () => masterRows(item, entities, options);
    }
    return reply.type(state.knobs.downloadContentType).send(Readable.from(tsvChunks(rows())));
  });
}
