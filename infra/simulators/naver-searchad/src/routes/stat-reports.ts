import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimCustomer } from '../config.ts';
import { entitiesFor } from '../data/entities.ts';
import { isModelled, statRows } from '../data/stat-rows.ts';
import { addDays, parseStatDt } from '../kst.ts';
import { badParameter, internalError, notReady, outOfLookBack, reportNotFound } from '../naver-errors.ts';
import { jobJson, type StatJob, type StatPlan, takeScripted } from '../stat-pool.ts';
import { revisionAt } from '../stat-truth.ts';
import type { SimulatorState } from '../state.ts';
import { baseUrlOf, sendFailure } from './reply.ts';

// Listed here rather than imported from the client: the simulator is an independent model of NAVER, so a mistake in
// the client's list cannot hide by being in both.
const KNOWN_TYPES = new Set([
  'AD',
  'AD_DETAIL',
  'AD_CONVERSION',
  'AD_CONVERSION_DETAIL',
  'ADEXTENSION',
  'ADEXTENSION_CONVERSION',
  'EXPKEYWORD',
  'SHOPPINGKEYWORD_DETAIL',
  'SHOPPINGKEYWORD_CONVERSION_DETAIL',
  'SHOPPINGBRANDPRODUCT',
  'SHOPPINGBRANDPRODUCT_CONVERSION',
  'CRITERION',
  'CRITERION_CONVERSION',
]);
const SHORT_LOOK_BACK: Record<string, number> = { SHOPPINGKEYWORD_DETAIL: 180, SHOPPINGKEYWORD_CONVERSION_DETAIL: 45 };

function lookBackDays(state: SimulatorState, reportTp: string): number {
  const days = state.knobs.lookBackDays;
  if (reportTp in days && reportTp !== 'other') return days[reportTp as keyof typeof days];
  return SHORT_LOOK_BACK[reportTp] ?? days.other;
}

/**
 * Decided once at creation: a scripted outcome, else failures by configured rates, NONE when the day has no rows (or
 * spuriously).
 */
function planFor(
  state: SimulatorState,
  customer: SimCustomer,
  reportTp: string,
  statDate: string,
  scripted: StatPlan | undefined,
): StatPlan {
  if (scripted) return scripted;
  const { rates } = state.knobs;
  if (state.chance(rates.error)) return 'ERROR';
  if (state.chance(rates.aggregating)) return 'AGGREGATING';
  const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
  const hasRows = isModelled(reportTp) && statRows(reportTp, entities, customer.seed, statDate).length > 0;
  if (!hasRows || state.chance(rates.none)) return 'NONE';
  if (statDate >= addDays(state.todayKst(), -2) && state.chance(rates.changed)) return 'CHANGED';
  return 'BUILT';
}

function parseJobId(raw: string): number | null {
  return /^\d{1,19}$/.test(raw) ? Number(raw) : null;
}

export function registerStatReports(
  app: FastifyInstance,
  state: SimulatorState,
  customers: WeakMap<FastifyRequest, SimCustomer>,
): void {
  const customerOf = (request: FastifyRequest) => customers.get(request)!;
  const baseUrl = (request: FastifyRequest) => baseUrlOf(state.knobs.publicBaseUrl, request);
  const live = (customerId: string) => state.stat.live(customerId, state.nowMs(), state.knobs.retentionDays);

  app.post('/stat-reports', async (request, reply) => {
    const customer = customerOf(request);
    const { knobs } = state;
    const body = (request.body ?? {}) as { reportTp?: unknown; statDt?: unknown };
    const reportTp = typeof body.reportTp === 'string' ? body.reportTp : '';
    const statDate = parseStatDt(body.statDt);
    if (!KNOWN_TYPES.has(reportTp) || statDate === null) {
      return sendFailure(reply, badParameter(knobs.httpStatus11001));
    }
    const today = state.todayKst();
    if (statDate >= today || statDate < addDays(today, -lookBackDays(state, reportTp))) {
      return sendFailure(reply, outOfLookBack());
    }
    if (statDate === state.yesterdayKst() && state.kstHour() < knobs.dataReadyHourKst) {
      return sendFailure(reply, notReady(knobs.httpStatus20007));
    }
    const pool = live(customer.customerId);
    const duplicate = knobs.dedupeDuplicatePosts
      ? pool.find((j) => j.reportTp === reportTp && j.statDate === statDate)
      : undefined;
    if (duplicate) return jobJson(duplicate, state.nowMs(), knobs, baseUrl(request));
    const scripted = takeScripted(knobs, reportTp, statDate);
    if (scripted === '20007') return sendFailure(reply, notReady(knobs.httpStatus20007));
    const reportJobId = state.newStatJobId();
    const createdMs = state.nowMs();
    const job: StatJob = {
      reportJobId,
      customerId: customer.customerId,
      reportTp,
      statDate,
      createdMs,
      plan: planFor(state, customer, reportTp, statDate, scripted),
      waiting: state.chance(knobs.rates.waiting),
      stuckIn: knobs.stuckJobs.find(
        (s) => (s.reportTp ?? reportTp) === reportTp && (s.statDate ?? statDate) === statDate,
      )?.status,
      revision: revisionAt(knobs.revisions, reportTp, statDate, createdMs),
      token: state.newToken({ kind: 'stat', customerId: customer.customerId, jobId: reportJobId }),
      loginId: customer.loginId,
    };
    state.stat.add(job, knobs.statJobLimit);
    state.recorder.statJobCreated(customer.customerId);
    if (state.chance(knobs.rates.http500AfterEffect)) return sendFailure(reply, internalError());
    return jobJson(job, state.nowMs(), knobs, baseUrl(request));
  });

  app.get('/stat-reports', async (request) => {
    const jobs = [...live(customerOf(request).customerId)];
    if (state.knobs.listOrder === 'created-desc') jobs.reverse();
    if (state.knobs.listOrder === 'shuffled') {
      for (let i = jobs.length - 1; i > 0; i--) {
        const k = Math.floor(state.random() * (i + 1));
        [jobs[i], jobs[k]] = [jobs[k]!, jobs[i]!];
      }
    }
    return jobs.map((j) => jobJson(j, state.nowMs(), state.knobs, baseUrl(request)));
  });

  app.get<{ Params: { id: string } }>('/stat-reports/:id', async (request, reply) => {
    const customerId = customerOf(request).customerId;
    const id = parseJobId(request.params.id);
    if (id === null) return sendFailure(reply, badParameter(state.knobs.httpStatus11001));
    live(customerId);
    const job = state.stat.find(customerId, id);
    if (!job) return sendFailure(reply, reportNotFound());
    return jobJson(job, state.nowMs(), state.knobs, baseUrl(request));
  });

  // Assumption (undocumented): deleting a job that is already gone answers like GET does, 404 20011.
  app.delete<{ Params: { id: string } }>('/stat-reports/:id', async (request, reply) => {
    const customerId = customerOf(request).customerId;
    const id = parseJobId(request.params.id);
    if (id === null) return sendFailure(reply, badParameter(state.knobs.httpStatus11001));
    live(customerId);
    if (!state.stat.remove(customerId, id)) return sendFailure(reply, reportNotFound());
    return reply.code(204).send();
  });

  // Faithful and dangerous: deletes EVERY job of the customer id, whoever created it (#1071).
  app.delete('/stat-reports', async (request, reply) => {
    state.stat.removeAll(customerOf(request).customerId);
    return reply.code(204).send();
  });
}
