// Child processes of the demo: each writes to its own log file and is stopped with SIGTERM (SIGKILL after 10 s).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { guardProcess, type Watchdog } from '@reportline/dev/watchdog';

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Stops the child even if the demo itself is killed without running any hook. */
  watchdog: Watchdog;
}

export function spawnNode(name: string, script: string, args: string[], env: Record<string, string>): Child {
  const logFile = join('.cache', 'demo', 'logs', `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, process: child, logFile, watchdog: guardProcess(child.pid!) };
}

/** Waits until `url` answers 2xx; fails fast, naming the log, when the process exits first. */
export async function waitForHealth(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`${child.name} exited with code ${child.process.exitCode}; see ${child.logFile}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} did not become healthy at ${url} within ${timeoutMs / 1000} s; see ${child.logFile}`);
}

export async function stopAll(children: readonly Child[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.process.exitCode !== null || c.process.signalCode !== null) {
            c.watchdog.release();
            return resolve();
          }
          const kill = setTimeout(() => c.process.kill('SIGKILL'), 10_000);
          c.process.once('exit', () => {
            clearTimeout(kill);
            c.watchdog.release();
            resolve();
          });
          c.process.kill('SIGTERM');
        }),
    ),
  );
}
