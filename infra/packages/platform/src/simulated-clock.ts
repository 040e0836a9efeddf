// A calendar clock a simulation drives from outside the process: the chaos harness steps every service process of a
// run through several KST days by rewriting one file (SIMULATED_CLOCK_FILE). Only `now()` moves; `monotonicMs()`
// stays real, because durations (timeouts, backoffs, renewals) must not jump when a simulated day is skipped.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type Clock, systemClock } from './clock.ts';
import { ConfigError } from './config.ts';
import type { Logger } from './log.ts';

/** What the file holds: how far the simulated wall clock is ahead of the real one (negative: behind). */
export const SimulatedClockContent = z.object({ offsetMs: z.number().int() });

/** Parses the file's text; throws a message that says what is wrong (the file is the harness's, nothing secret). */
export function parseClockFile(text: string): number {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('not JSON; expected {"offsetMs": <integer>}');
  }
  const parsed = SimulatedClockContent.safeParse(json);
  if (!parsed.success) throw new Error(`expected {"offsetMs": <integer>}: ${parsed.error.issues[0]?.message}`);
  return parsed.data.offsetMs;
}

/**
 * The offset to run on after reading `read` while on `current`: the simulated clock only moves forward, so a file
 * rewritten with an earlier time (a harness bug, a stale copy) is ignored rather than making "now" go back, which
 * would let a lease or a schedule decision be taken twice.
 */
export const nextOffset = (current: number, read: number): number => Math.max(current, read);

export interface FileClockOptions {
  /** How often the file is read again; a step is followed within about this long. */
  pollMs?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * A clock at the real time plus the file's offset. The file is read once now (a missing or malformed file is a
 * start-up error) and then every `pollMs`; a read that fails later keeps the last offset and is logged once.
 */
export function fileClock(path: string, opts: FileClockOptions = {}): Clock & { offsetMs(): number; stop(): void } {
  let offset: number;
  try {
    offset = parseClockFile(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SIMULATED_CLOCK_FILE: cannot use the file: ${err instanceof Error ? err.message : err}`);
  }
  let lastProblem = '';
  const poll = async () => {
    try {
      const read = parseClockFile(await readFile(path, 'utf8'));
      const next = nextOffset(offset, read);
      if (next !== offset) opts.logger?.info({ offsetMs: next, stepMs: next - offset }, 'simulated clock stepped');
      else if (read < offset) opts.logger?.warn({ offsetMs: offset, read }, 'simulated clock file went back; ignored');
      offset = next;
      lastProblem = '';
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (problem !== lastProblem)
        opts.logger?.warn({ problem }, 'simulated clock file unreadable; keeping the offset');
      lastProblem = problem;
    }
  };
  let reading = false;
  // unref: the poll must never keep a stopping process alive.
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    void poll().finally(() => {
      reading = false;
    });
  }, opts.pollMs ?? 50);
  timer.unref();
  return {
    now: () => new Date(Date.now() + offset),
    monotonicMs: () => performance.now(),
    offsetMs: () => offset,
    stop: () => clearInterval(timer),
  };
}

/**
 * The clock a service runs on: the real one, or — when SIMULATED_CLOCK_FILE is set (config.ts refuses it in
 * production) — the file's, announced as a warning so nobody mistakes a simulated run's logs for real ones.
 */
export function clockFromConfig(
  config: { SIMULATED_CLOCK_FILE?: string | undefined },
  logger: Pick<Logger, 'warn' | 'info'>,
): Clock {
  const file = config.SIMULATED_CLOCK_FILE;
  if (file === undefined) return systemClock;
  const clock = fileClock(file, { logger });
  logger.warn(
    { file, offsetMs: clock.offsetMs(), now: clock.now().toISOString() },
    'SIMULATED CLOCK: calendar time comes from SIMULATED_CLOCK_FILE (simulations only)',
  );
  return clock;
}
