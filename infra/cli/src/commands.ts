import { type Api, ApiError, Failure } from './api.ts';
import { type Command, type ConnectionFlags, type SecretSource, UUID } from './args.ts';
import { connectionSummary, connectionsTable, importsTable, isFinished, outcomeLines, progressLine } from './format.ts';
import { renderLockTimeline } from './timeline.ts';
import type { Connection, ImportView, LockView, Page } from './views.ts';

/** The outside world of a command; main.ts gives the process's, tests may give their own. */
export interface Io {
  /** A line to stdout. */
  out(line: string): void;
  /** Raw text to stdout, for redrawing a line on a terminal. */
  write(text: string): void;
  /** A line to stderr. */
  err(line: string): void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  readSecretFromStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** Calls `onInterrupt` on Ctrl-C until the returned function is called. */
  interrupted(onInterrupt: () => void): () => void;
  pollMs: number;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

async function allConnections(api: Api): Promise<Connection[]> {
  const items: Connection[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: Page<Connection> = (await api.call<Page<Connection>>('GET', `/connections?${query}`)).body;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** A connection's id from what a person typed: the id itself, or the one connection with that name or customer id. */
async function resolveConnection(api: Api, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const matches = (await allConnections(api)).filter((c) => c.name === ref || c.customerId === ref);
  if (matches.length === 1) return matches[0]!.id;
  throw new Failure(
    matches.length === 0
      ? `reportline: no connection has the id, name or customer id '${ref}' (see \`reportline connections list\`)`
      : `reportline: '${ref}' names ${matches.length} connections (${matches.map((c) => c.id).join(', ')}); give an id`,
  );
}

async function secretOf(source: SecretSource, io: Io): Promise<string> {
  const secret = source.from === 'env' ? io.env[source.name] : await io.readSecretFromStdin();
  if (!secret) {
    throw new Failure(
      source.from === 'env'
        ? `reportline: --secret-env ${source.name}: $${source.name} is not set or empty`
        : 'reportline: --secret -: stdin gave no secret',
      2,
    );
  }
  return secret;
}

/** The API's body for a connection's fields: the flags renamed, the layout read from its file. */
async function connectionBody(fields: ConnectionFlags, io: Io): Promise<Record<string, unknown>> {
  const { layoutFile, ...rest } = fields;
  const body: Record<string, unknown> = { ...rest };
  if (layoutFile !== undefined) {
    try {
      body.layout = JSON.parse(await io.readFile(layoutFile));
    } catch (err) {
      throw new Failure(`reportline: --layout-file ${layoutFile}: ${(err as Error).message}`, 2);
    }
  }
  return body;
}

/**
 * Polls the import until it ends: the progress line redrawn in place on a terminal, one line per change otherwise.
 * It polls rather than streams so it works against any scheduler; a few failed polls in a row (a restart) are waited
 * out before giving up.
 */
async function follow(api: Api, io: Io, importId: string, connection = '<connection>'): Promise<number> {
  let last = '';
  let misses = 0;
  const endLine = () => {
    if (io.isTTY && last !== '') io.write('\n');
    last = '';
  };
  const stop = io.interrupted(() => {
    endLine();
    io.err(`reportline: stopped following import ${importId}; it goes on (see \`reportline imports list\`)`);
  });
  try {
    for (;;) {
      let view: ImportView;
      try {
        view = (await api.call<ImportView>('GET', `/imports/${importId}`)).body;
        misses = 0;
      } catch (err) {
        const transient = err instanceof ApiError && (err.status === null || err.status >= 500);
        if (transient && ++misses < 10) {
          await io.sleep(io.pollMs);
          continue;
        }
        throw err;
      }
      const line = progressLine(view);
      if (line !== last) {
        if (io.isTTY) io.write(`\r${line}\x1b[K`);
        else io.out(line);
        last = line;
      }
      if (isFinished(view)) {
        endLine();
        const lines = outcomeLines(view, connection);
        for (const l of lines) view.status === 'completed' ? io.out(l) : io.err(l);
        return view.status === 'completed' ? 0 : 1;
      }
      await io.sleep(io.pollMs);
    }
  } catch (err) {
    endLine();
    throw err;
  } finally {
    stop();
  }
}

/**
 * Imports newest first. GET /imports pages through a tenant's imports; a scheduler without it (404) still answers
 * GET /connections/:id/imports, which is merged across the connections instead.
 */
async function listImports(
  api: Api,
  filter: { connectionId?: string; status?: string; limit: number },
): Promise<ImportView[]> {
  const query = new URLSearchParams({ limit: String(filter.limit) });
  if (filter.connectionId) query.set('connectionId', filter.connectionId);
  if (filter.status) query.set('status', filter.status);
  try {
    return (await api.call<Page<ImportView>>('GET', `/imports?${query}`)).body.items;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  const ids = filter.connectionId ? [filter.connectionId] : (await allConnections(api)).map((c) => c.id);
  const perConnection = await Promise.all(
    ids.map(
      async (id) => (await api.call<ImportView[]>('GET', `/connections/${id}/imports?limit=${filter.limit}`)).body,
    ),
  );
  return perConnection
    .flat()
    .filter((v) => !filter.status || v.status === filter.status)
    .sort((a, b) => (b.requestedAt ?? '').localeCompare(a.requestedAt ?? ''))
    .slice(0, filter.limit);
}

/** Runs a parsed command; resolves to the exit code, throws a Failure with the line to print. */
export async function run(command: Command, api: Api, io: Io): Promise<number> {
  switch (command.kind) {
    case 'help':
      return 0;
    case 'connections-list': {
      const items = await allConnections(api);
      io.out(command.json ? json(items) : connectionsTable(items));
      return 0;
    }
    case 'connections-create': {
      const body = await connectionBody(command.fields, io);
      body.secret = await secretOf(command.secret, io);
      if (command.firstImportRange) body.firstImportRange = command.firstImportRange;
      const created = (await api.call<Connection & { firstImport: ImportView }>('POST', '/connections', body)).body;
      for (const line of connectionSummary(created)) io.out(line);
      const first = created.firstImport.importId;
      io.out(`first import ${first} queued; watch it with \`reportline imports follow ${first}\``);
      return 0;
    }
    case 'connections-update': {
      const id = await resolveConnection(api, command.connection);
      const body = await connectionBody(command.fields, io);
      if (command.secret) body.secret = await secretOf(command.secret, io);
      const updated = (await api.call<Connection>('PATCH', `/connections/${id}`, body)).body;
      for (const line of connectionSummary(updated)) io.out(line);
      return 0;
    }
    case 'connections-action': {
      const id = await resolveConnection(api, command.connection);
      const changed = (await api.call<Connection>('POST', `/connections/${id}/${command.action}`)).body;
      for (const line of connectionSummary(changed)) io.out(line);
      return 0;
    }
    case 'import': {
      const connectionId = await resolveConnection(api, command.connection);
      const body: Record<string, unknown> = { connectionId };
      if (command.dateRange) body.dateRange = command.dateRange;
      if (command.force) body.force = true;
      const answer = await api.call<ImportView>('POST', '/imports', body);
      const view = answer.body;
      io.out(
        answer.status === 200 || view.coalesced
          ? `import ${view.importId} already covers these dates and is ${view.status}; --force starts another`
          : `import ${view.importId} requested`,
      );
      return command.follow ? follow(api, io, view.importId, command.connection) : 0;
    }
    case 'imports-follow':
      return follow(api, io, command.importId);
    case 'imports-list': {
      const connectionId = command.connection && (await resolveConnection(api, command.connection));
      const items = await listImports(api, {
        limit: command.limit,
        ...(connectionId && { connectionId }),
        ...(command.status && { status: command.status }),
      });
      io.out(command.json ? json(items) : importsTable(items));
      return 0;
    }
    case 'locks': {
      const path = `/locks/${encodeURIComponent(command.customerId)}?limit=${command.limit}`;
      const view = (await api.call<LockView>('GET', path)).body;
      io.out(command.json ? json(view) : renderLockTimeline(view, io.now()));
      return 0;
    }
  }
}
