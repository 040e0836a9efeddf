import { runner } from 'node-pg-migrate';

export interface MigrationSet {
  /** Folder of node-pg-migrate files (SQL with `-- Up Migration` / `-- Down Migration`). */
  dir: string;
  /** The Postgres schema the owning service keeps its tables in. */
  schema: string;
}

/**
 * Applies every pending migration of each set, in order. Each service owns one schema and records its own
 * migration history there, so services migrate independently in production.
 */
export async function runMigrations(
  databaseUrl: string,
  sets: readonly MigrationSet[],
  log: (msg: string) => void = () => {},
) {
  for (const set of sets) {
    await runner({
      databaseUrl,
      dir: set.dir,
      direction: 'up',
      schema: set.schema,
      createSchema: true,
      migrationsSchema: set.schema,
      createMigrationsSchema: true,
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
  }
}
