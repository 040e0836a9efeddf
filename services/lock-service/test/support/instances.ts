export { until } from '@reportline/dev/wait';

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

/** A lock-service running as a child process, so a test can SIGKILL or SIGSTOP it like a real crash or pause. */
export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  /** Log records (pino JSON) the instance wrote so far. */
  logs: { msg?: string; [k: string]: unknown }[];
  exited: Promise<void>;
}

export async function startInstance(name: string, env: Record<string, string>, timeoutMs = 20_000): Promise<Instance> {
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Instance['logs'] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = Promise.withResolvers<string>();
  const timer = setTimeout(() => started.reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        const rec = JSON.parse(line) as Instance['logs'][number];
        logs.push(rec);
        if (rec.msg === 'lock-service started' && typeof rec.url === 'string') started.resolve(rec.url);
      } catch {
        logs.push({ msg: line });
      }
    });
  }
  void exited.then(() =>
    started.reject(new Error(`${name} exited before starting: ${JSON.stringify(logs.slice(-5))}`)),
  );
  try {
    return { name, url: await started.promise, child, logs, exited };
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `probe` to return something, polling; every wait is bounded. */
