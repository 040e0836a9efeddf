/**
 * The parts of the scheduler's answers the CLI reads. Declared here, not imported from the scheduler, so the CLI needs
 * nothing of the service's dependencies and keeps working when the API adds fields (it ignores what it does not know).
 */
export interface ImportView {
  importId: string;
  customerId: string;
  status: 'requested' | 'downloading' | 'processing' | 'writing' | 'completed' | 'failed';
  requestedAt: string | null;
  progress: { completed: number; total: number } | null;
  naverRequests: number | null;
  rowsWritten: number | null;
  pending?: { reportType: string; statDate: string; code: string; reason?: string }[];
  /** `action` arrives with a newer scheduler; older ones leave it out. */
  failure: { stage: string; code: string; message: string; retryable: boolean; action?: string } | null;
  /** Set by POST /imports when an open import covering the dates answered instead of a new one. */
  coalesced?: boolean;
}

export interface Connection {
  id: string;
  name: string | null;
  customerId: string;
  reportTypes: string[];
  historyDays: number;
  spreadsheetId: string;
  sheetName: string;
  status: 'verifying' | 'healthy' | 'unhealthy';
  health: { code: string; message: string; action: string; at: string } | null;
  scheduleTime: string;
  paused: boolean;
  principalEmail: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The lock-service's LockView as the scheduler passes it on (without fencing tokens). */
export interface LockView {
  customerId: string;
  holder: { importId: string; grantedAt: string; expiresAt: string } | null;
  queue: { importId: string; priority: string; requestedAt: string; position: number }[];
  lockDelayUntil: string | null;
  history: {
    importId: string;
    grantedAt: string;
    expiresAt: string | null;
    renewals?: number;
    endedAt: string | null;
    endedBy: 'released' | 'expired' | null;
  }[];
}
