import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// int8 (bigint) columns hold offsets and fencing tokens; below 2^53 they are safe as numbers, and we check that.
pg.types.setTypeParser(20, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
});

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** How long a query waits for a connection (a full pool, an unreachable server) before it fails. Default 5 s. */
  connectTimeoutMs?: number;
  /** Default 30 s. */
  statementTimeoutMs?: number;
  /** Default 60 s. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A pool whose every wait is bounded: getting a connection, each statement, and a transaction left idle, so a stuck
 * handler or a vanished server surfaces as an error (which the bus classifies as unavailable) instead of a hang.
 */
export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 5,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    // A dead server on a half-open TCP connection would otherwise be noticed only by the statement timeout.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may a checked-out one: the pool listens only to idle clients, and a client held across other work (a
  // transaction, a session lock kept over a Sheets call) whose server restarts emits 'error' with no listener, which
  // Node turns into a crash (a Postgres restart under the chaos run took down five service processes at once). Its
  // pending and later queries fail on their own, and the pool drops a broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

/** Runs `fn` in one transaction: the state change, the outbox rows and the inbox mark commit together or not at all. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
