import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate } from '../auth.ts';
import type { SimCustomer } from '../config.ts';
import { internalError, tooManyRequests } from '../naver-errors.ts';
import type { SimulatorState } from '../state.ts';
import { sendFailure } from './reply.ts';

const isSimPath = (url: string) => url.startsWith('/_sim');
const pathOf = (url: string) => url.split('?')[0]!;
const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * What NAVER's gateway does before a handler runs, in order: record the arrival, add latency, authenticate,
 * rate-limit (report endpoints, per customer id or license), inject 500s. Every response carries X-Transaction-ID.
 */
export function registerGateway(app: FastifyInstance, state: SimulatorState): WeakMap<FastifyRequest, SimCustomer> {
  const customers = new WeakMap<FastifyRequest, SimCustomer>();
  const seqs = new WeakMap<FastifyRequest, number>();

  app.addHook('onRequest', async (request, reply) => {
    if (isSimPath(request.url)) return;
    const customerId = headerValue(request.headers['x-customer']) ?? '';
    const origin = headerValue(request.headers['x-reportline-origin']) ?? null;
    // Read by the recorder only: NAVER would not know which tool sent a request, so nothing else here looks at it.
    const foreign = headerValue(request.headers['x-sim-foreign']) ?? null;
    seqs.set(request, state.recorder.arrive(customerId, origin, request.method, pathOf(request.url), foreign));
    const { knobs } = state;
    if (knobs.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.latencyMs));
    const auth = authenticate(
      request.headers,
      request.method,
      pathOf(request.url),
      state.customers,
      state.nowMs(),
      knobs.clockSkewMs,
    );
    if (!auth.ok) return sendFailure(reply, auth.failure);
    const key = knobs.rateLimit.key === 'license' ? `license:${auth.customer.apiKey}` : auth.customer.customerId;
    const limited = knobs.rateLimit.countDownloads || pathOf(request.url) !== '/report-download';
    if (limited && !state.limiter.tryAcquire(key, state.nowMs(), knobs.rateLimit.perSecond)) {
      return sendFailure(reply, tooManyRequests(knobs.rateLimit.style));
    }
    if (state.chance(knobs.rates.http500)) return sendFailure(reply, internalError());
    customers.set(request, auth.customer);
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Transaction-ID', `${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`);
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const seq = seqs.get(request);
    if (seq !== undefined) state.recorder.complete(seq, reply.statusCode);
  });

  app.addHook('onRequestAbort', async (request) => {
    const seq = seqs.get(request);
    if (seq !== undefined) state.recorder.complete(seq, 499);
  });

  return customers;
}
