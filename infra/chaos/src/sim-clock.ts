// The run's simulated wall clock, on the harness's side: it writes the file every service process follows
// (SIMULATED_CLOCK_FILE, infra/packages/platform/src/simulated-clock.ts) and gives the in-process simulators the same
// time directly. It holds an offset from the real clock, so simulated time flows at the real pace between steps.
import { renameSync, writeFileSync } from 'node:fs';

/** How long after a step every child has read the file (they poll every 50 ms; a loaded machine is slower). */
export const CLOCK_FOLLOW_MS = 500;

export interface SimClock {
  /** Absolute path of the file, for the children's environment. */
  readonly file: string;
  /** Simulated epoch ms. */
  now(): number;
  /** Moves the clock forward to `atMs`; refuses to move it back (the services would ignore it anyway). */
  stepTo(atMs: number): void;
}

export function simClock(file: string, startAtMs: number): SimClock {
  let offset = startAtMs - Date.now();
  const write = () => {
    // Whole or not at all: a child polling mid-write must never read half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ offsetMs: Math.round(offset) }));
    renameSync(`${file}.tmp`, file);
  };
  write();
  return {
    file,
    now: () => Date.now() + offset,
    stepTo(atMs) {
      const next = atMs - Date.now();
      if (next < offset)
        throw new Error(`the simulated clock only moves forward (asked for ${new Date(atMs).toISOString()})`);
      offset = next;
      write();
    },
  };
}
