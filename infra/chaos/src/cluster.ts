// The whole system as separate processes, so a fault is a real signal to a real process: every service instance is
// a child running its own server.ts, both simulators run in this process (the oracle reads their state directly).
// Callers reach a service through a round-robin proxy, as a Kubernetes Service would route to ready pods: an instance
// that is down or stopped gets no new requests, and a refused connection is retried on the next instance.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@reportline/dev/ports';
import { guardProcess, type Watchdog } from '@reportline/dev/watchdog';
import { startSheetsFake } from '../../simulators/google-sheets/src/index.ts';
import { type SimulatorConfigInput, startSimulator } from '../../simulators/naver-searchad/src/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const SERVICES = ['lock-service', 'naver-fetcher', 'processor', 'sheets-writer', 'scheduler'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Instance {
  service: ServiceName;
  index: number;
  port: number;
  state: 'up' | 'down' | 'stopped';
  proc?: ChildProcess;
  watchdog?: Watchdog;
}

export interface Infra {
  kafkaBrokers: string[];
  databaseUrl: string;
  topicPrefix: string;
}

export interface ClusterOptions {
  infra: Infra;
  instances: number;
  naver: SimulatorConfigInput;
  /** Variables for every service, then per service; they win over the defaults here. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  logDir: string;
  /**
   * Google's per-minute quota, compressed: the fake's quota clock runs this many times faster, and the writers'
   * quota window shrinks to match (SHEETS_QUOTA_WINDOW_MS), so a run of many imports is not one principal's
   * 60 writes a minute long. 1 (the default) is Google's pace.
   */
  sheetsTimeScale?: number;
  /**
   * The run's simulated wall clock (sim-clock.ts): every child follows its file, both simulators read it here.
   * Without it everything runs on the real clock.
   */
  clock?: { file: string; now(): number };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

interface Proxy {
  url: string;
  server: Server;
}

/** Forwards each request to the next instance that is up; a refused connection moves on to the next one. */
async function startProxy(instances: () => Instance[]): Promise<Proxy> {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const up = instances().filter((i) => i.state === 'up');
        if (up.length === 0 || tries <= 0) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"title":"no instance up (chaos proxy)"}');
          return;
        }
        const target = up[next++ % up.length]!;
        const out = httpRequest(
          { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', (err: NodeJS.ErrnoException) => {
          if (res.headersSent) return res.destroy();
          // Refused: nothing reached the instance, so any other may take the request.
          if (err.code === 'ECONNREFUSED') return attempt(tries - 1);
          res.destroy();
        });
        out.end(body);
      };
      attempt(4);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

async function waitForHealth(instance: Instance, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const proc = instance.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${instance.service}#${instance.index} exited while starting`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${instance.port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${instance.service}#${instance.index} not healthy within ${timeoutMs / 1000} s`);
}

export async function startCluster(opts: ClusterOptions) {
  mkdirSync(opts.logDir, { recursive: true });
  const simNow = opts.clock?.now ?? Date.now;
  const naver = await startSimulator(opts.naver, { now: () => new Date(simNow()) });
  const scale = opts.sheetsTimeScale ?? 1;
  const t0 = Date.now();
  // The quota's compressed pace on top of the simulated clock's steps (forward only, so the fake's time never goes back).
  const sheets = await startSheetsFake({}, { now: () => t0 + (Date.now() - t0) * scale + (simNow() - Date.now()) });
  const instances: Instance[] = [];
  const of = (s: ServiceName) => instances.filter((i) => i.service === s);
  const proxies = {
    lock: await startProxy(() => of('lock-service')),
    writer: await startProxy(() => of('sheets-writer')),
    scheduler: await startProxy(() => of('scheduler')),
  };
  const operatorToken = randomBytes(32).toString('base64url');
  const common: Record<string, string> = {
    KAFKA_BROKERS: opts.infra.kafkaBrokers.join(','),
    DATABASE_URL: opts.infra.databaseUrl,
    TOPIC_PREFIX: opts.infra.topicPrefix,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
    // Ten processes share one Postgres with other runs: small pools, within baseRules (2 × concurrency + 2).
    KAFKA_CONSUMER_CONCURRENCY: '1',
    PG_POOL_MAX: '4',
    LOG_LEVEL: 'info',
    ...(opts.clock ? { SIMULATED_CLOCK_FILE: opts.clock.file } : {}),
  };
  const defaults: Record<ServiceName, Record<string, string>> = {
    'lock-service': {},
    'naver-fetcher': {
      NAVER_BASE_URL: naver.url,
      NAVER_SEND_ORIGIN: 'true',
      LOCK_SERVICE_URL: proxies.lock.url,
      NAVER_DATA_READY_HOUR_KST: '0',
    },
    processor: {},
    'sheets-writer': {
      SHEETS_API_URL: `${sheets.url}/`,
      ...(scale === 1
        ? {}
        : { SHEETS_QUOTA_WINDOW_MS: String(Math.round(60_000 / scale)), SHEETS_QUOTA_JITTER_MS: '50' }),
    },
    scheduler: {
      SHEETS_WRITER_URL: proxies.writer.url,
      LOCK_SERVICE_URL: proxies.lock.url,
      BOOTSTRAP_ADMIN_TOKEN: operatorToken,
    },
  };
  const envOf = (s: ServiceName, port: number) => ({
    ...common,
    ...defaults[s],
    ...opts.env,
    ...opts.serviceEnv?.[s],
    PORT: String(port),
  });

  const launch = async (instance: Instance, timeoutMs = 120_000) => {
    const out = createWriteStream(join(opts.logDir, `${instance.service}-${instance.index}.log`), { flags: 'a' });
    const proc = spawn(process.execPath, [join(root, 'services', instance.service, 'src', 'server.ts')], {
      env: { ...process.env, ...envOf(instance.service, instance.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.pipe(out);
    proc.stderr?.pipe(out);
    instance.proc = proc;
    instance.watchdog = guardProcess(proc.pid!);
    proc.once('exit', () => {
      instance.watchdog?.release();
      if (instance.proc === proc) instance.state = 'down';
    });
    await waitForHealth(instance, timeoutMs);
    instance.state = 'up';
  };

  const stopInstance = (i: Instance) =>
    new Promise<void>((resolve) => {
      const proc = i.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (i.state === 'stopped') proc.kill('SIGCONT');
      proc.kill('SIGTERM');
    });

  const cluster = {
    naver,
    sheets,
    operatorToken,
    schedulerUrl: proxies.scheduler.url,
    instances,
    /** SIGKILL, waiting until the process is gone. */
    async kill(i: Instance) {
      const proc = i.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      i.state = 'down';
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
    restart: (i: Instance) => launch(i),
    pause(i: Instance) {
      i.state = 'stopped';
      i.proc?.kill('SIGSTOP');
    },
    resume(i: Instance) {
      i.proc?.kill('SIGCONT');
      if (i.state === 'stopped') i.state = 'up';
    },
    async close() {
      await Promise.all(instances.map(stopInstance));
      for (const p of Object.values(proxies)) {
        p.server.closeAllConnections();
        await new Promise((r) => p.server.close(r));
      }
      await naver.close();
      await sheets.close();
    },
  };

  try {
    // In dependency order, the scheduler last: it proves new targets through the writer's preflight. Instances of one
    // service start together, but the first scheduler alone, so the operator token's tenant is created once.
    for (const service of SERVICES) {
      const batch: Instance[] = [];
      for (let index = 0; index < opts.instances; index++) {
        const instance: Instance = { service, index, port: await freePort(), state: 'down' };
        instances.push(instance);
        batch.push(instance);
      }
      if (service === 'scheduler') {
        await launch(batch[0]!);
        await Promise.all(batch.slice(1).map((i) => launch(i)));
      } else {
        await Promise.all(batch.map((i) => launch(i)));
      }
    }
  } catch (err) {
    await cluster.close().catch(() => {});
    throw err;
  }
  return cluster;
}
