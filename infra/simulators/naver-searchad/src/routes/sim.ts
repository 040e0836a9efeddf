import type { FastifyInstance } from 'fastify';
import { parseKnobPatch } from '../config.ts';
import { jobJson } from '../stat-pool.ts';
import type { SimulatorState } from '../state.ts';
import { baseUrlOf } from './reply.ts';

/** Test-only endpoints under /_sim (never NAVER paths, no auth): recordings, the overlap oracle, knobs, pool view. */
export function registerSimRoutes(app: FastifyInstance, state: SimulatorState): void {
  app.get<{ Querystring: { customerId?: string } }>('/_sim/requests', async (request) =>
    state.recorder.requests(request.query.customerId),
  );
  app.delete('/_sim/requests', async (_request, reply) => {
    state.recorder.clear();
    return reply.code(204).send();
  });
  app.get<{ Querystring: { customerId?: string } }>('/_sim/overlaps', async (request) => ({
    overlaps: state.recorder.overlaps(request.query.customerId),
    unattributed: state.recorder.unattributed(request.query.customerId).length,
  }));
  app.get<{ Querystring: { customerId?: string } }>('/_sim/stats', async (request) =>
    state.recorder.stats(request.query.customerId),
  );
  app.get('/_sim/knobs', async () => state.knobs);
  app.patch('/_sim/knobs', async (request, reply) => {
    try {
      state.knobs = parseKnobPatch(state.knobs, request.body);
      state.recorder.limit = state.knobs.recorderLimit;
      return state.knobs;
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });
  app.get<{ Querystring: { customerId: string } }>('/_sim/stat-jobs', async (request) =>
    state.stat.live(request.query.customerId ?? '', state.nowMs(), state.knobs.retentionDays).map((j) => ({
      ...jobJson(j, state.nowMs(), state.knobs, baseUrlOf(state.knobs.publicBaseUrl, request)),
      plan: j.plan,
      revision: j.revision,
    })),
  );
}
