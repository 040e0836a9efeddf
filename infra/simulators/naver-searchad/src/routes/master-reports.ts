import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimCustomer } from '../config.ts';
import { entitiesFor } from '../data/entities.ts';
import { isModelledItem, KNOWN_ITEMS, masterRows } from '../data/master-rows.ts';
import { type MasterJob, type MasterPlan, masterJobJson } from '../master-pool.ts';
import { badParameter, internalError, masterJobLimit } from '../naver-errors.ts';
import type { SimulatorState } from '../state.ts';
import { baseUrlOf, sendFailure } from './reply.ts';

function planFor(state: SimulatorState, customer: SimCustomer, item: string, fromMs: number | null): MasterPlan {
  if (state.chance(state.knobs.rates.error)) return 'ERROR';
  if (!isModelledItem(item)) return 'NONE';
  const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
  const rows = masterRows(item, entities, { asOfMs: state.nowMs(), fromMs, tabInNames: false });
  return rows.length > 0 ? 'BUILT' : 'NONE';
}

export function registerMasterReports(
  app: FastifyInstance,
  state: SimulatorState,
  customers: WeakMap<FastifyRequest, SimCustomer>,
): void {
  const customerOf = (request: FastifyRequest) => customers.get(request)!;
  const json = (job: MasterJob, request: FastifyRequest) =>
    masterJobJson(job, state.nowMs(), state.knobs.masterBuildMs, baseUrlOf(state.knobs.publicBaseUrl, request));

  app.post('/master-reports', async (request, reply) => {
    const customer = customerOf(request);
    const body = (request.body ?? {}) as { item?: unknown; fromTime?: unknown };
    const item = typeof body.item === 'string' ? body.item : '';
    const fromTime = typeof body.fromTime === 'string' ? body.fromTime : null;
    const fromMs = fromTime === null ? null : Date.parse(fromTime);
    if (!KNOWN_ITEMS.has(item) || Number.isNaN(fromMs) || (body.fromTime != null && fromTime === null)) {
      return sendFailure(reply, badParameter(state.knobs.httpStatus11001));
    }
    const list = state.master.list(customer.customerId);
    // Hard cap, no eviction (#726).
    if (list.length >= state.knobs.masterJobLimit)
      return sendFailure(reply, masterJobLimit(state.knobs.masterJobLimit));
    const id = state.newMasterId();
    const job: MasterJob = {
      id,
      customerId: customer.customerId,
      item,
      fromTime,
      createdMs: state.nowMs(),
      plan: planFor(state, customer, item, fromMs),
      token: state.newToken({ kind: 'master', customerId: customer.customerId, jobId: id }),
    };
    list.push(job);
    if (state.chance(state.knobs.rates.http500AfterEffect)) return sendFailure(reply, internalError());
    return json(job, request);
  });

  app.get('/master-reports', async (request) =>
    state.master
      .list(customerOf(request).customerId)
      .slice(-100)
      .map((j) => json(j, request)),
  );

  // Unlike stat reports, a deleted master job answers 204 No Content.
  app.get<{ Params: { id: string } }>('/master-reports/:id', async (request, reply) => {
    const job = state.master.find(customerOf(request).customerId, request.params.id);
    return job ? json(job, request) : reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/master-reports/:id', async (request, reply) => {
    state.master.remove(customerOf(request).customerId, request.params.id);
    return reply.code(204).send();
  });

  // Deletes ALL master jobs of the customer; ids in body or query are ignored (#750).
  app.delete('/master-reports', async (request, reply) => {
    state.master.removeAll(customerOf(request).customerId);
    return reply.code(204).send();
  });
}
