// Types of ui.js for the tests that import it (the browser loads the JavaScript as it is).
export function spreadsheetIdFrom(input: string): string;
export function problemByField(
  status: number,
  problem: { detail?: string; title?: string } | undefined,
): { fields: Record<string, string>; general: string[] };
export class SseParser {
  push(text: string): { id: string | null; event: string; data: string }[];
}
export function nextRunKst(scheduleTime: string, now?: Date): Date;
export function kst(d: Date | string | number): string;
export function importProgress(view: { status: string; progress: { completed: number; total: number } | null }): {
  percent: number;
  days: string;
};
export interface TimelineInput {
  holds: {
    importId: string | null;
    grantedAt: string;
    endedAt: string | null;
    endedBy: 'released' | 'expired' | null;
    queuedAt: string | null;
    releasedAs: string | null;
    lockDelayUntil: string | null;
  }[];
  queue: { importId: string | null; requestedAt: string; position: number }[];
}
export function timelineLayout(
  timeline: TimelineInput,
  now?: number,
  width?: number,
  lane?: number,
  left?: number,
): {
  from: number;
  to: number;
  rows: {
    y: number;
    wait: { x1: number; x2: number } | null;
    bar: { x1: number; x2: number };
    delay: { x1: number; x2: number } | null;
    ended: string;
    kind: string;
  }[];
  queued: { y: number; wait: { x1: number; x2: number } }[];
  height: number;
};
