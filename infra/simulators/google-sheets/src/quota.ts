import type { Limits } from './config.ts';
import { type GoogleApiError, type QuotaKind, quotaExceeded } from './errors.ts';

const WINDOW_MS = 60_000;

/**
 * The Cloud project a caller's quota counts against: a service account's email names its project
 * (`name@<project>.iam.gserviceaccount.com`); any other caller (a bare token, anonymous) is in one default project.
 */
export function projectOf(user: string): string {
  return /@([^@.]+)\.iam\.gserviceaccount\.com$/i.exec(user)?.[1] ?? 'default';
}

/**
 * Per-user and per-project request counters over a sliding minute. A rejected request is not counted, so a client
 * that backs off gets in as soon as the oldest request of the window ages out.
 */
export class QuotaCounters {
  private readonly log = new Map<string, number[]>();

  /** Returns the 429 to send, or records the request and returns undefined. */
  admit(kind: QuotaKind, user: string, now: number, limits: Limits, projectNumber: string): GoogleApiError | undefined {
    const userLimit = kind === 'write' ? limits.writesPerMinutePerUser : limits.readsPerMinutePerUser;
    const projectLimit = kind === 'write' ? limits.writesPerMinutePerProject : limits.readsPerMinutePerProject;
    const userLog = this.window(`${kind}:user:${user}`, now);
    const projectLog = this.window(`${kind}:project:${projectOf(user)}`, now);
    if (userLog.length >= userLimit) return quotaExceeded(kind, 'user', userLimit, projectNumber);
    if (projectLog.length >= projectLimit) return quotaExceeded(kind, 'project', projectLimit, projectNumber);
    userLog.push(now);
    projectLog.push(now);
    return undefined;
  }

  reset(): void {
    this.log.clear();
  }

  private window(key: string, now: number): number[] {
    const all = this.log.get(key) ?? [];
    const fresh = all.filter((t) => t > now - WINDOW_MS);
    this.log.set(key, fresh);
    return fresh;
  }
}
