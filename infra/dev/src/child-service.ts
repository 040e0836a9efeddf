import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A service's `src/server.ts` as a child process, so a test can SIGKILL it like a real crash. Resolves once the
 * service logged that it started (an info record, so the child logs at info), or rejects with its last log lines.
 * The bound allows for joining a consumer group whose killed member Kafka still counts until its session times out
 * (30 s).
 */
export async function spawnService(
  name: string,
  server: string,
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [server], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = Promise.withResolvers<void>();
  const lines: string[] = [];
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"msg":"started"')) started.resolve();
    });
  }
  proc.once('exit', () => started.reject(new Error(`${name} exited before starting: ${lines.slice(-5).join('\n')}`)));
  const timer = setTimeout(() => started.reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
  await started.promise.finally(() => clearTimeout(timer));
  return proc;
}

/** SIGKILL, and wait until the process is gone. */
export async function killService(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await exited;
}
