import {
  type CredentialsCheck,
  CredentialsCheckRequestedV1,
  type EventOfType,
  ImportFailedV1,
  makeEvent,
  naverSecretRef,
  type PreflightRequest,
  type PreflightResult,
} from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  httpError,
  type OutboxRelay,
  type Pool,
  type Queryable,
  type SecretStore,
  withTransaction,
} from '@reportline/platform';
import type { z } from 'zod';
import type { RaiseAlert } from './alerts/alert.ts';
import {
  type Connection,
  checkHistory,
  deleteConnection,
  findConnection,
  findConnectionByCheck,
  insertConnection,
  isCredentialsCheck,
  recordCheckAnswered,
  recordCheckRequested,
  saveConnection,
} from './connection-store.ts';
import {
  type CheckAnswer,
  checkAnswered,
  connectionBroken,
  importFailed,
  startVerification,
  targetProved,
} from './domain/connection-lifecycle.ts';
import { connectionProblems, describeProblems } from './domain/connection-rules.ts';
import type { ImportView } from './domain/import-view.ts';
import { decideImportRequest } from './domain/request-import.ts';
import { PROJECTION } from './projection.ts';
import type { ConnectionInput, ConnectionPatch } from './routes/schemas.ts';
import { saveRequestedImportIn, takeHeldImports } from './store.ts';

export const SERVICE = 'scheduler';

/** The sheets-writer's preflight; throws when the writer (or Google behind it) cannot answer now. */
export type Preflight = (request: PreflightRequest) => Promise<PreflightResult>;

export interface LifecycleDeps {
  pool: Pool;
  clock: Clock;
  relay: OutboxRelay;
  secrets: (db: Queryable) => SecretStore;
  preflight: Preflight;
  raiseAlert: RaiseAlert;
}

export type ConnectionLifecycle = ReturnType<typeof connectionLifecycle>;

/**
 * The connection's use cases: each change is decided by the pure rules (domain/connection-*.ts) and stored with the
 * events it causes in one transaction.
 */
export function connectionLifecycle(deps: LifecycleDeps) {
  const { pool, clock, relay } = deps;

  async function proveTarget(connectionId: string, target: { spreadsheetId: string; sheetName: string }) {
    let result: PreflightResult;
    try {
      result = await deps.preflight({ connectionId, ...target });
    } catch {
      throw httpError(
        503,
        `the sheets-writer could not check spreadsheet ${target.spreadsheetId} now; nothing was changed, try again shortly`,
        'sheets-unavailable',
      );
    }
    if (!result.ok) {
      const what = result.problems.map((p) => `${p.detail} → ${p.action}`).join('; ');
      throw httpError(422, `the sheet cannot be written: ${what}`, result.problems[0]?.code ?? 'sheet-unreachable');
    }
    return result.principalEmail;
  }

  async function requestCheck(tx: Queryable, c: Connection, reason: CredentialsCheck['reason']) {
    const checkId = crypto.randomUUID();
    const { connection, check } = startVerification(c, reason, checkId);
    const event = makeEvent(CredentialsCheckRequestedV1, check, {
      source: SERVICE,
      importId: checkId,
      customerId: c.customerId,
      now: clock.now(),
    });
    await appendToOutbox(tx, SERVICE, [event]);
    await recordCheckRequested(tx, { checkId, connectionId: c.id, reason, at: clock.now() });
    return connection;
  }

  const rejectProblems = (fields: Parameters<typeof connectionProblems>[0]) => {
    const problems = connectionProblems(fields);
    if (problems.length > 0) throw httpError(400, describeProblems(problems), 'invalid-connection');
  };

  return {
    deps,

    async create(
      tenantId: string,
      input: z.infer<typeof ConnectionInput>,
    ): Promise<{ connection: Connection; firstImport: ImportView }> {
      rejectProblems(input);
      const id = crypto.randomUUID();
      const principalEmail = await proveTarget(id, input);
      const now = clock.now();
      const created = await withTransaction(pool, async (tx) => {
        await deps.secrets(tx).put(naverSecretRef(id), {
          customerId: input.customerId,
          apiKey: input.apiKey,
          secret: input.secret,
        });
        const inserted = await insertConnection(
          tx,
          {
            id,
            tenantId,
            name: input.name ?? null,
            customerId: input.customerId,
            reportTypes: input.reportTypes,
            historyDays: input.historyDays,
            spreadsheetId: input.spreadsheetId,
            sheetName: input.sheetName,
            status: 'verifying',
            checkId: null,
            scheduleTime: input.scheduleTime,
            layout: input.layout ?? null,
            principalEmail,
          },
          now,
        );
        const connection = await saveConnection(tx, await requestCheck(tx, inserted, 'created'), now);
        const decision = decideImportRequest(
          connection,
          { trigger: 'first-link', dateRange: input.firstImportRange },
          {
            importId: crypto.randomUUID(),
            now,
            source: SERVICE,
          },
        );
        if (decision.kind === 'rejected') throw httpError(400, decision.message, decision.code);
        await saveRequestedImportIn(tx, {
          ...decision,
          connectionId: id,
          idempotencyKey: 'first-link',
          requestedAt: now,
          projection: PROJECTION,
          service: SERVICE,
          held: true,
        });
        return { connection, firstImport: decision.view };
      });
      relay.nudge();
      return created;
    },

    async update(current: Connection, patch: z.infer<typeof ConnectionPatch>): Promise<Connection> {
      const { apiKey, secret, ...fields } = patch;
      const next: Connection = {
        ...current,
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      };
      if (patch.layout === null) next.layout = null;
      rejectProblems({ ...next, layout: next.layout ?? undefined });
      const targetChanged = next.spreadsheetId !== current.spreadsheetId || next.sheetName !== current.sheetName;
      let changed = next;
      if (targetChanged) changed = targetProved({ ...next, principalEmail: await proveTarget(current.id, next) });
      const saved = await withTransaction(pool, async (tx) => {
        const locked = await findConnection(tx, current.id, { forUpdate: true });
        if (!locked) throw httpError(404, `your tenant has no connection ${current.id}`, 'not-found');
        if (apiKey !== undefined && secret !== undefined) {
          await deps.secrets(tx).put(naverSecretRef(current.id), { customerId: current.customerId, apiKey, secret });
          changed = await requestCheck(tx, changed, 'rotated');
        }
        return saveConnection(tx, { ...changed, checkId: changed.checkId ?? locked.checkId }, clock.now());
      });
      relay.nudge();
      return saved;
    },

    pause: (c: Connection) =>
      saveConnection(pool, { ...c, pausedAt: c.pausedAt ?? clock.now().toISOString() }, clock.now()),

    resume: (c: Connection) => saveConnection(pool, { ...c, pausedAt: null }, clock.now()),

    async verify(c: Connection): Promise<Connection> {
      const saved = await withTransaction(pool, async (tx) =>
        saveConnection(tx, await requestCheck(tx, c, 'manual'), clock.now()),
      );
      relay.nudge();
      return saved;
    },

    async remove(c: Connection): Promise<void> {
      await withTransaction(pool, async (tx) => {
        await deleteConnection(tx, c.tenantId, c.id, clock.now());
        await deps.secrets(tx).delete(naverSecretRef(c.id));
      });
    },

    /**
     * The fetcher answered a credentials check (in the projection's transaction): the connection becomes healthy and
     * its held imports go to the fetcher, or unhealthy, its held imports end with the reason and the tenant is alerted.
     * True when the check was this service's.
     */
    async checked(tx: Queryable, event: EventOfType<'CredentialsChecked'>): Promise<boolean> {
      if (!(await isCredentialsCheck(tx, event.importId))) return false;
      await recordCheckAnswered(tx, event.importId, { ...event.data, at: new Date(event.time) });
      const c = await findConnectionByCheck(tx, event.importId);
      if (!c) return true;
      const answer: CheckAnswer = event.data;
      const history = await checkHistory(tx, c.id, event.importId);
      // This answer is recorded already: the refusals before it are one fewer.
      const before = Math.max(0, history.passingRefusals - 1);
      const decided = checkAnswered(c, event.importId, answer, new Date(event.time), before);
      if (!decided) return true;
      if (decided.outcome === 'again') {
        // Still verifying: its held imports keep waiting for the next check.
        await saveConnection(tx, await requestCheck(tx, decided.connection, history.reason), clock.now());
        return true;
      }
      await saveConnection(tx, decided.connection, clock.now());
      const held = await takeHeldImports(tx, c.id);
      if (decided.outcome === 'healthy') {
        await appendToOutbox(tx, SERVICE, held);
        return true;
      }
      const health = decided.connection.health!;
      const failures = held.map((r) =>
        makeEvent(
          ImportFailedV1,
          { stage: 'queue', code: health.code, message: health.message, retryable: false },
          { source: SERVICE, importId: r.importId, customerId: r.customerId, now: clock.now(), causedBy: event },
        ),
      );
      await appendToOutbox(tx, SERVICE, failures);
      await deps.raiseAlert(tx, {
        tenantId: c.tenantId,
        kind: 'credentials-unhealthy',
        connectionId: c.id,
        customerId: c.customerId,
        importId: null,
        title: `NAVER refused the credentials of ${c.name ?? c.customerId}`,
        message: health.message,
        action: health.action,
        at: clock.now(),
        dedupeKey: `check:${event.importId}`,
      });
      return true;
    },

    /** An import of a connection failed: a broken connection turns unhealthy (its schedule stops) and alerts. */
    async importFailed(tx: Queryable, event: EventOfType<'ImportFailed'>, connectionId: string): Promise<void> {
      const c = await findConnection(tx, connectionId, { forUpdate: true });
      if (!c) return;
      const unhealthy = importFailed(c, event.data, new Date(event.time));
      if (unhealthy) await saveConnection(tx, unhealthy, clock.now());
      if (event.data.retryable || event.data.code === 'cancelled') return;
      // The connection was unhealthy already: its owner was alerted when it turned so.
      if (!unhealthy && connectionBroken(event.data.code)) return;
      const kind = unhealthy
        ? unhealthy.health!.code === 'sheet-unreachable'
          ? 'sheet-unreachable'
          : 'credentials-unhealthy'
        : 'import-failed';
      await deps.raiseAlert(tx, {
        tenantId: c.tenantId,
        kind,
        connectionId: c.id,
        customerId: c.customerId,
        importId: event.importId,
        title: `Import failed for ${c.name ?? c.customerId} → ${c.sheetName}`,
        message: event.data.message,
        action: unhealthy?.health?.action ?? null,
        at: clock.now(),
        dedupeKey: `import-failed:${event.importId}`,
      });
    },
  };
}
