import { createLogger } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import type { AcceptedWork } from '../src/work.ts';
import { workRunner } from '../src/work-runner.ts';

const silent = createLogger('test', 'silent');

/** Work that runs until released or stopped. */
function gatedWork(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  const work: AcceptedWork = {
    run: (stop) =>
      new Promise<void>((resolve) => {
        log.push(`start ${name}`);
        const end = (why: string) => {
          log.push(`${why} ${name}`);
          resolve();
        };
        stop.addEventListener('abort', () => end('stopped'), { once: true });
        void done.then(() => end('done'));
      }),
  };
  return { work, release };
}

describe('work runner', () => {
  it('returns to the consumer as soon as work is accepted, and applies backpressure at the limit', async () => {
    const log: string[] = [];
    const runner = workRunner(2, silent);
    const [a, b, c] = [gatedWork(log, 'a'), gatedWork(log, 'b'), gatedWork(log, 'c')];
    await runner.start(async () => a.work);
    await runner.start(async () => b.work);
    let thirdStarted = false;
    const third = runner
      .start(async () => c.work)
      .then(() => {
        thirdStarted = true;
      });
    await new Promise((r) => setImmediate(r));
    expect(thirdStarted).toBe(false);
    a.release();
    await third;
    expect(log).toEqual(['start a', 'start b', 'done a', 'start c']);
    await runner.stop();
    expect(log.slice(-2).sort()).toEqual(['stopped b', 'stopped c']);
  });

  it('takes no slot for a grant that was already claimed', async () => {
    const log: string[] = [];
    const runner = workRunner(1, silent);
    await runner.start(async () => undefined);
    const next = gatedWork(log, 'next');
    await runner.start(async () => next.work);
    expect(log).toEqual(['start next']);
    await runner.stop();
    expect(log).toEqual(['start next', 'stopped next']);
  });
});
