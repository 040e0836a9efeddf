import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

export interface Watchdog {
  /** Stands the watchdog down after the guarded process was stopped the ordinary way. */
  release(): void;
}

// The watchdog holds the read end of a pipe whose write end only this Node process has. However this process ends
// (return, throw, Ctrl-C, SIGKILL), the kernel closes the pipe; `read` then fails and the watchdog stops the guarded
// process, escalates to SIGKILL after ten seconds and removes its data directory. A line on the pipe means "released".
const script = `
read -r _ && exit 0
kill -"$2" "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$1" 2>/dev/null
[ -n "$3" ] && rm -rf "$3"
exit 0
`;

/** Makes sure `pid` does not outlive this process, even when this process is killed without running any hook. */
export function guardProcess(pid: number, opts: { signal?: 'TERM' | 'INT'; removeDir?: string } = {}): Watchdog {
  const dog = spawn(
    '/bin/sh',
    ['-c', script, 'reportline-watchdog', String(pid), opts.signal ?? 'TERM', opts.removeDir ?? ''],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // its own process group: a Ctrl-C meant for us must not kill the watchdog before it acts
    },
  );
  dog.unref();
  const pipe = dog.stdin as Socket;
  pipe.on('error', () => {}); // the watchdog may already be gone; nothing to report then
  pipe.unref();
  return {
    release() {
      if (!pipe.destroyed) pipe.end('released\n');
    },
  };
}
