import { describe, expect, it } from 'vitest';
import { type Api, ApiError } from '../src/api.ts';
import { type Io, run } from '../src/commands.ts';
import type { ImportView } from '../src/views.ts';

const ID = '22222222-2222-4222-8222-222222222222';
const view = (over: Partial<ImportView>): ImportView => ({
  importId: ID,
  customerId: '1234',
  status: 'requested',
  requestedAt: null,
  progress: null,
  naverRequests: null,
  rowsWritten: null,
  failure: null,
  ...over,
});

/** An API that answers GET /imports/:id with the given answers in turn (the last one repeats). */
function scripted(answers: (ImportView | ApiError)[]): Api {
  let i = 0;
  return {
    async call<T>() {
      const answer = answers[Math.min(i++, answers.length - 1)]!;
      if (answer instanceof ApiError) throw answer;
      return { status: 200, body: answer as T };
    },
  };
}

function recordingIo(isTTY: boolean) {
  const seen = { stdout: '', stderr: '' };
  const io: Io = {
    out: (line) => {
      seen.stdout += `${line}\n`;
    },
    write: (text) => {
      seen.stdout += text;
    },
    err: (line) => {
      seen.stderr += `${line}\n`;
    },
    isTTY,
    env: {},
    readSecretFromStdin: async () => '',
    readFile: async () => '',
    sleep: async () => {},
    now: () => new Date(0),
    interrupted: () => () => {},
    pollMs: 0,
  };
  return { io, seen };
}

const downloading = (completed: number) => view({ status: 'downloading', progress: { completed, total: 4 } });
const done = view({ status: 'completed', progress: { completed: 4, total: 4 }, rowsWritten: 40, naverRequests: 2 });

describe('following an import', () => {
  it('given a terminal, when the import progresses to completion, then one line is redrawn in place and ended', async () => {
    const { io, seen } = recordingIo(true);
    const api = scripted([downloading(1), downloading(1), downloading(3), done]);
    expect(await run({ kind: 'imports-follow', importId: ID }, api, io)).toBe(0);
    expect(seen.stdout).toBe(
      '\r[###-------] 1/4 reports  downloading\x1b[K' +
        '\r[########--] 3/4 reports  downloading\x1b[K' +
        '\r[##########] 4/4 reports  completed\x1b[K\n' +
        `import ${ID} completed: 40 rows written, 2 NAVER requests\n`,
    );
    expect(seen.stderr).toBe('');
  });

  it('given no terminal, when the view repeats, then a line is printed only when it changes', async () => {
    const { io, seen } = recordingIo(false);
    const api = scripted([downloading(1), downloading(1), done]);
    expect(await run({ kind: 'imports-follow', importId: ID }, api, io)).toBe(0);
    expect(seen.stdout.split('\n').slice(0, 2)).toEqual([
      '[###-------] 1/4 reports  downloading',
      '[##########] 4/4 reports  completed',
    ]);
  });

  it('given a scheduler restarting, when a few polls fail, then following goes on; when it stays away, it stops', async () => {
    const gone = new ApiError(null, 'reportline: cannot reach the scheduler');
    const { io } = recordingIo(false);
    expect(await run({ kind: 'imports-follow', importId: ID }, scripted([gone, gone, done]), io)).toBe(0);
    const stuck = recordingIo(true);
    await expect(
      run({ kind: 'imports-follow', importId: ID }, scripted([downloading(1), gone]), stuck.io),
    ).rejects.toBe(gone);
    expect(stuck.seen.stdout.endsWith('\n')).toBe(true);
  });

  it('given an import that is not there, when followed, then the 404 stops it at once', async () => {
    const missing = new ApiError(404, `reportline: 404 import ${ID} does not exist`);
    const { io } = recordingIo(false);
    await expect(run({ kind: 'imports-follow', importId: ID }, scripted([missing, done]), io)).rejects.toBe(missing);
  });
});
