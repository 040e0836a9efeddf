import { describe, expect, it } from 'vitest';
import { parseArgs, spreadsheetIdOf } from '../src/args.ts';

const ok = (argv: string[]) => {
  const parsed = parseArgs(argv);
  if (!parsed.ok) throw new Error(`expected a command, got the usage error: ${parsed.error}`);
  return parsed.command;
};
const error = (argv: string[]) => {
  const parsed = parseArgs(argv);
  if (parsed.ok) throw new Error(`expected a usage error, got ${JSON.stringify(parsed.command)}`);
  return parsed.error;
};

const create = [
  'connections',
  'create',
  '--customer-id',
  '1234',
  '--api-key',
  'key',
  '--secret-env',
  'NAVER_SECRET',
  '--spreadsheet',
  'sheet-1',
  '--sheet',
  'Raw',
];

describe('parsing the command line', () => {
  it('given no arguments or help anywhere, when parsed, then it asks for the usage', () => {
    expect(ok([])).toEqual({ kind: 'help' });
    expect(ok(['help'])).toEqual({ kind: 'help' });
    expect(ok(['import', 'x', '--help'])).toEqual({ kind: 'help' });
  });

  it('given an import with a range and --follow, when parsed, then it carries the connection, range and flags', () => {
    expect(ok(['import', 'shop', '--from', '2026-11-01', '--to=2026-11-07', '--follow'])).toEqual({
      kind: 'import',
      connection: 'shop',
      dateRange: { from: '2026-11-01', to: '2026-11-07' },
      force: false,
      follow: true,
    });
  });

  it('given a bad import range, when parsed, then the usage error names the flag', () => {
    expect(error(['import', 'shop', '--from', '2026-11-01'])).toBe('--from needs --to too');
    expect(error(['import', 'shop', '--from', '2026-02-30', '--to', '2026-03-01'])).toContain('--from must be a date');
    expect(error(['import', 'shop', '--from', '2026-11-08', '--to', '2026-11-07'])).toContain('is after --to');
    expect(error(['import', 'shop', '--from'])).toBe('--from needs a value');
  });

  it('given an unknown command or flag, when parsed, then the usage error names it', () => {
    expect(error(['frobnicate'])).toBe("unknown command 'frobnicate'");
    expect(error(['connections', 'delete', 'x'])).toBe("unknown command 'connections delete'");
    expect(error(['imports', 'list', '--colour'])).toBe('unknown flag --colour');
    expect(error(['import'])).toBe('import needs <connection>');
    expect(error(['locks', '1234', 'extra'])).toBe("locks: unexpected argument 'extra'");
    expect(error(['imports', 'list', '--status', 'stuck'])).toContain('--status must be one of');
    expect(error(['imports', 'list', '--limit', '0'])).toContain('--limit must be a whole number');
    expect(error(['connections', 'list', '--json=yes'])).toBe('--json takes no value');
  });

  it('given a create with every required flag, when parsed, then the fields are the API names and the secret a source', () => {
    expect(ok([...create, '--report-types', 'AD,AD_DETAIL', '--history-days', '14', '--schedule', '07:15'])).toEqual({
      kind: 'connections-create',
      fields: {
        customerId: '1234',
        apiKey: 'key',
        spreadsheetId: 'sheet-1',
        sheetName: 'Raw',
        reportTypes: ['AD', 'AD_DETAIL'],
        historyDays: 14,
        scheduleTime: '07:15',
      },
      secret: { from: 'env', name: 'NAVER_SECRET' },
    });
  });

  it('given a secret on argv, when parsed, then it is refused without echoing it, pointing to stdin or a variable', () => {
    const argv = create.map((a) => (a === '--secret-env' ? '--secret' : a === 'NAVER_SECRET' ? 'hunter2' : a));
    const message = error(argv);
    expect(message).toContain('--secret takes only -');
    expect(message).not.toContain('hunter2');
    expect(ok(argv.map((a) => (a === 'hunter2' ? '-' : a)))).toMatchObject({ secret: { from: 'stdin' } });
  });

  it('given a create missing a required flag, when parsed, then the error names the flag', () => {
    expect(error(create.slice(0, -2))).toBe('connections create needs --sheet');
    expect(error(create.filter((a) => a !== '--secret-env' && a !== 'NAVER_SECRET'))).toContain('--secret-env NAME');
    expect(error([...create, '--schedule', '25:00'])).toContain('--schedule must be HH:MM');
  });

  it('given an update, when parsed, then credentials go together and the customer id cannot change', () => {
    expect(ok(['connections', 'update', 'shop', '--sheet', 'Daily'])).toEqual({
      kind: 'connections-update',
      connection: 'shop',
      fields: { sheetName: 'Daily' },
    });
    expect(error(['connections', 'update', 'shop', '--api-key', 'k'])).toBe('--api-key needs its secret too');
    expect(error(['connections', 'update', 'shop', '--secret', '-'])).toBe('--api-key is needed with a new secret');
    expect(error(['connections', 'update', 'shop', '--customer-id', '9'])).toContain('cannot change');
    expect(error(['connections', 'update', 'shop'])).toContain('at least one field');
  });

  it('given pause, resume and verify, when parsed, then each is an action on the connection', () => {
    for (const action of ['pause', 'resume', 'verify'] as const) {
      expect(ok(['connections', action, 'shop'])).toEqual({ kind: 'connections-action', action, connection: 'shop' });
    }
  });

  it('given imports list and locks without flags, when parsed, then they take their default limits', () => {
    expect(ok(['imports', 'list'])).toEqual({ kind: 'imports-list', limit: 20, json: false });
    expect(ok(['locks', '1234', '--json'])).toEqual({ kind: 'locks', customerId: '1234', limit: 100, json: true });
    expect(error(['imports', 'follow', 'not-an-id'])).toContain("needs an import's id");
  });

  it("given a spreadsheet's browser URL, when its id is taken, then it is the id between /d/ and the next slash", () => {
    expect(spreadsheetIdOf('https://docs.google.com/spreadsheets/d/1AbC_d-9/edit#gid=0')).toBe('1AbC_d-9');
    expect(spreadsheetIdOf('1AbC_d-9')).toBe('1AbC_d-9');
  });
});
