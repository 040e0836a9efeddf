import { isoSeconds } from './kst.ts';

export type MasterPlan = 'BUILT' | 'NONE' | 'ERROR';

export interface MasterJob {
  id: string;
  customerId: string;
  item: string;
  fromTime: string | null;
  createdMs: number;
  plan: MasterPlan;
  token: string;
}

export function masterStatusAt(job: MasterJob, nowMs: number, buildMs: number): string {
  const elapsed = nowMs - job.createdMs;
  if (elapsed < buildMs / 2) return 'REGIST';
  if (elapsed < buildMs) return 'RUNNING';
  return job.plan;
}

export function masterJobJson(job: MasterJob, nowMs: number, buildMs: number, baseUrl: string) {
  const status = masterStatusAt(job, nowMs, buildMs);
  const done = status !== 'REGIST' && status !== 'RUNNING';
  return {
    id: job.id,
    item: job.item,
    fromTime: job.fromTime,
    status,
    downloadUrl: status === 'BUILT' ? `${baseUrl}/report-download?authtoken=${job.token}&fileVersion=v2` : '',
    updateTime: isoSeconds(done ? job.createdMs + buildMs : job.createdMs),
  };
}

/** Master jobs: a hard cap (the 101st create fails 400, no eviction, #726); kept until deleted. */
export class MasterPool {
  readonly #jobs = new Map<string, MasterJob[]>();

  list(customerId: string): MasterJob[] {
    let list = this.#jobs.get(customerId);
    if (!list) {
      list = [];
      this.#jobs.set(customerId, list);
    }
    return list;
  }

  find(customerId: string, id: string): MasterJob | undefined {
    return this.list(customerId).find((j) => j.id === id);
  }

  remove(customerId: string, id: string): boolean {
    const list = this.list(customerId);
    const at = list.findIndex((j) => j.id === id);
    if (at !== -1) list.splice(at, 1);
    return at !== -1;
  }

  removeAll(customerId: string): void {
    this.list(customerId).length = 0;
  }
}
