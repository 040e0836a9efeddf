/** Where a connection's NAVER secret comes from: never argv, which other users of the machine can read in `ps`. */
export type SecretSource = { from: 'stdin' } | { from: 'env'; name: string };

export interface DateRange {
  from: string;
  to: string;
}

/** The fields of a connection as flags give them; the API checks them again and says what it refuses. */
export interface ConnectionFlags {
  name?: string;
  customerId?: string;
  apiKey?: string;
  reportTypes?: string[];
  historyDays?: number;
  spreadsheetId?: string;
  sheetName?: string;
  scheduleTime?: string;
  layoutFile?: string;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'connections-list'; json: boolean }
  | { kind: 'connections-create'; fields: ConnectionFlags; secret: SecretSource; firstImportRange?: DateRange }
  | { kind: 'connections-update'; connection: string; fields: ConnectionFlags; secret?: SecretSource }
  | { kind: 'connections-action'; action: 'pause' | 'resume' | 'verify'; connection: string }
  | { kind: 'import'; connection: string; dateRange?: DateRange; force: boolean; follow: boolean }
  | { kind: 'imports-follow'; importId: string }
  | { kind: 'imports-list'; connection?: string; status?: string; limit: number; json: boolean }
  | { kind: 'locks'; customerId: string; limit: number; json: boolean };

export type Parsed = { ok: true; command: Command } | { ok: false; error: string };

export const USAGE = `usage: reportline <command> [flags]

  connections list [--json]
  connections create --customer-id ID --api-key KEY (--secret-env NAME | --secret -)
                     --spreadsheet ID|URL --sheet TAB [--name NAME] [--report-types AD,AD_DETAIL]
                     [--history-days N] [--schedule HH:MM] [--layout-file FILE] [--first-from DATE --first-to DATE]
  connections update <connection> [the create flags; --api-key with --secret-env or --secret - together]
  connections pause|resume|verify <connection>
  import <connection> [--from YYYY-MM-DD --to YYYY-MM-DD] [--force] [--follow]
  imports list [--connection C] [--status STATUS] [--limit N] [--json]
  imports follow <importId>
  locks <customerId> [--limit N] [--json]

<connection> is a connection's id, name or customer id. The API is REPORTLINE_URL, called with REPORTLINE_TOKEN.
--secret - reads the secret from stdin (without echo on a terminal); --secret-env NAME reads it from $NAME.`;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['requested', 'downloading', 'processing', 'writing', 'completed', 'failed'];

type FlagKind = 'string' | 'boolean';
type Flags = Record<string, string | boolean>;

class UsageError extends Error {}
const usage = (message: string): never => {
  throw new UsageError(message);
};

/** Splits argv into flags (`--name value`, `--name=value`, booleans) and positionals, refusing flags it does not know. */
function split(argv: string[], spec: Record<string, FlagKind>): { flags: Flags; positionals: string[] } {
  const flags: Flags = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) usage(`unknown flag --${name}`);
    if (name in flags) usage(`--${name} is given twice`);
    if (kind === 'boolean') {
      if (eq >= 0) usage(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) usage(`--${name} needs a value`);
    flags[name] = value!;
  }
  return { flags, positionals };
}

const str = (flags: Flags, name: string) => flags[name] as string | undefined;

function positionalsExactly(positionals: string[], names: string[], command: string): string[] {
  if (positionals.length < names.length) usage(`${command} needs <${names[positionals.length]}>`);
  if (positionals.length > names.length) usage(`${command}: unexpected argument '${positionals[names.length]}'`);
  return positionals;
}

function intFlag(flags: Flags, name: string, min: number, max: number): number | undefined {
  const raw = str(flags, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) usage(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

const isCalendarDate = (s: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

function rangeFlags(flags: Flags, fromName: string, toName: string): DateRange | undefined {
  const from = str(flags, fromName);
  const to = str(flags, toName);
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined) usage(`--${toName} needs --${fromName} too`);
  if (to === undefined) usage(`--${fromName} needs --${toName} too`);
  for (const [name, value] of [
    [fromName, from!],
    [toName, to!],
  ] as const) {
    if (!isCalendarDate(value)) usage(`--${name} must be a date of the calendar as YYYY-MM-DD, not '${value}'`);
  }
  if (from! > to!) usage(`--${fromName} ${from} is after --${toName} ${to}`);
  return { from: from!, to: to! };
}

/** A spreadsheet's id, from the id itself or the URL its browser shows (…/spreadsheets/d/<id>/edit#gid=0). */
export function spreadsheetIdOf(value: string): string {
  const fromUrl = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(value);
  return fromUrl ? fromUrl[1]! : value;
}

function secretSource(flags: Flags): SecretSource | undefined {
  const stdin = str(flags, 'secret');
  const env = str(flags, 'secret-env');
  if (stdin !== undefined && env !== undefined) usage('give the secret once: --secret - or --secret-env NAME');
  if (stdin !== undefined && stdin !== '-') {
    usage('--secret takes only - (read from stdin): a secret in argv is visible to others; or use --secret-env NAME');
  }
  if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) usage(`--secret-env needs a variable name`);
  if (stdin !== undefined) return { from: 'stdin' };
  return env === undefined ? undefined : { from: 'env', name: env };
}

const CONNECTION_FLAGS: Record<string, FlagKind> = {
  name: 'string',
  'customer-id': 'string',
  'api-key': 'string',
  secret: 'string',
  'secret-env': 'string',
  'report-types': 'string',
  'history-days': 'string',
  spreadsheet: 'string',
  sheet: 'string',
  schedule: 'string',
  'layout-file': 'string',
};

function connectionFields(flags: Flags): ConnectionFlags {
  const fields: ConnectionFlags = {};
  const set = <K extends keyof ConnectionFlags>(key: K, value: ConnectionFlags[K] | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  set('name', str(flags, 'name'));
  set('customerId', str(flags, 'customer-id'));
  set('apiKey', str(flags, 'api-key'));
  const types = str(flags, 'report-types');
  if (types !== undefined) {
    const list = types.split(',').map((t) => t.trim());
    if (list.some((t) => t === '')) usage('--report-types is a comma-separated list such as AD,AD_DETAIL');
    set('reportTypes', list);
  }
  set('historyDays', intFlag(flags, 'history-days', 1, 365));
  const spreadsheet = str(flags, 'spreadsheet');
  set('spreadsheetId', spreadsheet === undefined ? undefined : spreadsheetIdOf(spreadsheet));
  set('sheetName', str(flags, 'sheet'));
  const schedule = str(flags, 'schedule');
  if (schedule !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(schedule)) {
    usage(`--schedule must be HH:MM (KST), not '${schedule}'`);
  }
  set('scheduleTime', schedule);
  set('layoutFile', str(flags, 'layout-file'));
  return fields;
}

function parseConnections(argv: string[]): Command {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': {
      const { flags, positionals } = split(rest, { json: 'boolean' });
      positionalsExactly(positionals, [], 'connections list');
      return { kind: 'connections-list', json: flags.json === true };
    }
    case 'create': {
      const { flags, positionals } = split(rest, { ...CONNECTION_FLAGS, 'first-from': 'string', 'first-to': 'string' });
      positionalsExactly(positionals, [], 'connections create');
      const fields = connectionFields(flags);
      for (const [key, flag] of [
        ['customerId', 'customer-id'],
        ['apiKey', 'api-key'],
        ['spreadsheetId', 'spreadsheet'],
        ['sheetName', 'sheet'],
      ] as const) {
        if (fields[key] === undefined) usage(`connections create needs --${flag}`);
      }
      const secret = secretSource(flags) ?? usage('connections create needs --secret-env NAME or --secret -');
      const firstImportRange = rangeFlags(flags, 'first-from', 'first-to');
      return { kind: 'connections-create', fields, secret, ...(firstImportRange && { firstImportRange }) };
    }
    case 'update': {
      const { flags, positionals } = split(rest, CONNECTION_FLAGS);
      const [connection] = positionalsExactly(positionals, ['connection'], 'connections update');
      const fields = connectionFields(flags);
      if (fields.customerId !== undefined) usage('--customer-id cannot change: create a new connection');
      const secret = secretSource(flags);
      if ((fields.apiKey === undefined) !== (secret === undefined)) {
        usage(fields.apiKey === undefined ? '--api-key is needed with a new secret' : '--api-key needs its secret too');
      }
      if (Object.keys(fields).length === 0) usage('connections update needs at least one field to change');
      return { kind: 'connections-update', connection: connection!, fields, ...(secret && { secret }) };
    }
    case 'pause':
    case 'resume':
    case 'verify': {
      const { positionals } = split(rest, {});
      const [connection] = positionalsExactly(positionals, ['connection'], `connections ${sub}`);
      return { kind: 'connections-action', action: sub, connection: connection! };
    }
    default:
      return usage(
        sub === undefined
          ? 'connections needs a subcommand: list, create, update, pause, resume or verify'
          : `unknown command 'connections ${sub}'`,
      );
  }
}

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help' };
  switch (command) {
    case 'connections':
      return parseConnections(rest);
    case 'import': {
      const { flags, positionals } = split(rest, {
        from: 'string',
        to: 'string',
        force: 'boolean',
        follow: 'boolean',
      });
      const [connection] = positionalsExactly(positionals, ['connection'], 'import');
      const dateRange = rangeFlags(flags, 'from', 'to');
      return {
        kind: 'import',
        connection: connection!,
        ...(dateRange && { dateRange }),
        force: flags.force === true,
        follow: flags.follow === true,
      };
    }
    case 'imports': {
      const [sub, ...more] = rest;
      if (sub === 'follow') {
        const [importId] = positionalsExactly(split(more, {}).positionals, ['importId'], 'imports follow');
        if (!UUID.test(importId!)) usage(`imports follow needs an import's id, not '${importId}'`);
        return { kind: 'imports-follow', importId: importId! };
      }
      if (sub !== 'list') {
        return usage(
          sub === undefined ? 'imports needs a subcommand: list or follow' : `unknown command 'imports ${sub}'`,
        );
      }
      const { flags, positionals } = split(more, {
        connection: 'string',
        status: 'string',
        limit: 'string',
        json: 'boolean',
      });
      positionalsExactly(positionals, [], 'imports list');
      const status = str(flags, 'status');
      if (status !== undefined && !STATUSES.includes(status)) usage(`--status must be one of ${STATUSES.join(', ')}`);
      const connection = str(flags, 'connection');
      return {
        kind: 'imports-list',
        ...(connection !== undefined && { connection }),
        ...(status !== undefined && { status }),
        limit: intFlag(flags, 'limit', 1, 200) ?? 20,
        json: flags.json === true,
      };
    }
    case 'locks': {
      const { flags, positionals } = split(rest, { limit: 'string', json: 'boolean' });
      const [customerId] = positionalsExactly(positionals, ['customerId'], 'locks');
      return {
        kind: 'locks',
        customerId: customerId!,
        limit: intFlag(flags, 'limit', 1, 1000) ?? 100,
        json: flags.json === true,
      };
    }
    default:
      return usage(`unknown command '${command}'`);
  }
}

/** argv (without node and the script) as the command it asks for, or the usage error to print, naming what is wrong. */
export function parseArgs(argv: string[]): Parsed {
  try {
    return { ok: true, command: parseCommand(argv) };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, error: err.message };
    throw err;
  }
}
