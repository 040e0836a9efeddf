import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { parseSimulatorConfig, type SimulatorConfigInput } from './config.ts';
import { badParameter, internalError } from './naver-errors.ts';
import type { RequestRecorder } from './recorder.ts';
import { registerDownload } from './routes/download.ts';
import { registerGateway } from './routes/gateway.ts';
import { registerMasterReports } from './routes/master-reports.ts';
import { sendFailure } from './routes/reply.ts';
import { registerSimRoutes } from './routes/sim.ts';
import { registerStatReports } from './routes/stat-reports.ts';
import { SimulatorState } from './state.ts';

export interface SimulatorDeps {
  /** Wall clock driving job statuses, KST dates, timestamp checks and rate windows (default: real time). */
  now?: () => Date;
}

export interface Simulator {
  app: FastifyInstance;
  recorder: RequestRecorder;
  state: SimulatorState;
}

export interface RunningSimulator extends Simulator {
  /** `http://host:port`, no trailing slash — the client's baseUrl. */
  url: string;
  close(): Promise<void>;
}

/** Builds the Fastify app without listening (use app.inject, or startSimulator for a loopback server). */
export async function buildSimulator(
  config: SimulatorConfigInput | unknown,
  deps: SimulatorDeps = {},
): Promise<Simulator> {
  const parsed = parseSimulatorConfig(config);
  const state = new SimulatorState(parsed, deps.now ?? (() => new Date()));
  const app = Fastify({ logger: false, forceCloseConnections: true });

  // NAVER's samples send Content-Type: application/json on every request, bodyless ones included; accept that.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('malformed JSON body'), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    return sendFailure(reply, status < 500 ? badParameter(state.knobs.httpStatus11001) : internalError());
  });

  const customers = registerGateway(app, state);
  registerStatReports(app, state, customers);
  registerMasterReports(app, state, customers);
  registerDownload(app, state, customers);
  registerSimRoutes(app, state);
  await app.ready();
  return { app, recorder: state.recorder, state };
}

export interface StartOptions extends SimulatorDeps {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export async function startSimulator(
  config: SimulatorConfigInput | unknown,
  options: StartOptions = {},
): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const simulator = await buildSimulator(config, { now: options.now });
  await simulator.app.listen({ port: options.port ?? 0, host });
  const { port } = simulator.app.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { ...simulator, url: `http://${urlHost}:${port}`, close: () => simulator.app.close() };
}
