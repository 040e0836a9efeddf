import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runMigrations } from '@reportline/platform/pg/migrate';
import { repoRoot } from './paths.ts';

export interface MigrationDir {
  dir: string;
  schema: string;
}

/** Each owner of tables and the Postgres schema its migrations run in; shared tables (outbox, inbox, blobs) first. */
export const migrationDirs: readonly MigrationDir[] = [
  { dir: join(repoRoot, 'infra', 'packages', 'platform', 'migrations'), schema: 'platform' },
  { dir: join(repoRoot, 'services', 'scheduler', 'migrations'), schema: 'scheduler' },
  { dir: join(repoRoot, 'services', 'lock-service', 'migrations'), schema: 'lock' },
  { dir: join(repoRoot, 'services', 'naver-fetcher', 'migrations'), schema: 'fetcher' },
  { dir: join(repoRoot, 'services', 'processor', 'migrations'), schema: 'processor' },
  { dir: join(repoRoot, 'services', 'sheets-writer', 'migrations'), schema: 'sheets' },
];

/** Runs every existing migrations folder against `databaseUrl`; folders a service has not created yet are skipped. */
export async function migrateAll(databaseUrl: string): Promise<MigrationDir[]> {
  const dirs = migrationDirs.filter((d) => existsSync(d.dir));
  if (dirs.length > 0) await runMigrations(databaseUrl, dirs);
  return dirs;
}
