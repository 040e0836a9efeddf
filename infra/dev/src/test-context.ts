/** What the test globalSetup hands every worker through vitest's provide/inject. */
export interface ReportlineTestContext {
  kafkaBrokers: string[];
  /** Superuser URL of the test server's `postgres` database; per-worker databases are created through it. */
  adminDatabaseUrl: string;
  /** The migrated database every per-worker database is copied from. */
  templateDb: string;
  /** `t<runId>.`: every topic of this run starts with it. */
  topicPrefix: string;
  runId: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    reportline: ReportlineTestContext;
  }
}

/** Database names of a run: the template, and the prefix of the per-worker copies. */
export const templateDbName = (runId: string) => `reportline_tpl_${runId}`;
export const workerDbPrefix = (runId: string) => `reportline_t_${runId}_`;

/**
 * A short, sortable, lowercase run id: seconds since the epoch in base 36 plus random letters. The time part lets a
 * later run recognise databases left behind by a crashed one.
 */
export function newRunId(now = Date.now()): string {
  const random = Array.from({ length: 3 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
  return `${Math.floor(now / 1000).toString(36)}${random}`;
}

/** When the run with this id started, or undefined for a name that is not a run id. */
export function runStartedAt(runId: string): number | undefined {
  const m = /^([0-9a-z]{6})[a-z]{3}$/.exec(runId);
  return m?.[1] ? Number.parseInt(m[1], 36) * 1000 : undefined;
}
