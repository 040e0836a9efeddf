import pg from 'pg';

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

function checkName(name: string): string {
  if (!identifier.test(name)) throw new Error(`"${name}" is not a plain lowercase database name`);
  return name;
}

/** The same server URL with another database name; credentials and options are kept. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${checkName(database)}`;
  return u.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `name` (from `template` if given) unless it exists. Concurrent callers may race; the loser sees
 * duplicate_database and is fine. A template briefly in use by another CREATE is retried.
 */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const sql = `CREATE DATABASE ${checkName(name)}${template ? ` TEMPLATE ${checkName(template)}` : ''}`;
  await withAdmin(adminUrl, async (c) => {
    for (let attempt = 0; ; attempt++) {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      try {
        await c.query(sql);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === '42P04') return; // duplicate_database: another worker created it first
        if (code !== '55006' || attempt >= 50) throw err; // 55006 object_in_use: template being copied
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
}

/** Drops the given databases, closing any connections still open to them. */
export async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`);
  });
}

/** Names of databases starting with `prefix`. */
export async function databasesWithPrefix(adminUrl: string, prefix: string): Promise<string[]> {
  return withAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    return rows.map((r) => r.datname);
  });
}
