import { readFileSync } from 'node:fs';
import { type Pool, withTransaction } from '@reportline/platform';
import { z } from 'zod';

/**
 * The pool of Google principals (service accounts) the writer writes as. Each has Google's 60 writes/min per user,
 * and the principals of one Cloud project share its 300/min, so capacity grows by adding principals (and projects).
 */
export const Principal = z.object({
  /** The service account's email: the one a user shares the spreadsheet with, as Editor. */
  email: z.email(),
  /** The Cloud project the service account belongs to; its per-project quota is shared by its principals. */
  project: z.string().min(1),
  /** Path of the service account's JSON key. Without one, calls carry the email as a bearer token (the fake only). */
  keyFile: z.string().min(1).optional(),
});
export type Principal = z.infer<typeof Principal>;

export const PrincipalList = z
  .array(Principal)
  .min(1, 'at least one principal')
  .refine((ps) => new Set(ps.map((p) => p.email.toLowerCase())).size === ps.length, 'each email at most once');

/** The principal used when SHEETS_PRINCIPALS is not set: the single key of GOOGLE_APPLICATION_CREDENTIALS, if any. */
export const LOCAL_PRINCIPAL: Principal = {
  email: 'reportline-writer@reportline-local.iam.gserviceaccount.com',
  project: 'reportline-local',
};

/** Only the key's identity is read, never kept or logged: the key itself stays with the Google client. */
export function principalOfKeyFile(keyFile: string): Principal {
  const key = z
    .object({ client_email: z.email(), project_id: z.string().min(1) })
    .parse(JSON.parse(readFileSync(keyFile, 'utf8')));
  return { email: key.client_email, project: key.project_id, keyFile };
}

/**
 * The principal a new connection gets: the one with the fewest connections bound, ties going to the one listed
 * first, so the choice is deterministic (and a principal added to the list takes new connections until it catches up).
 */
export function choosePrincipal(principals: readonly Principal[], load: ReadonlyMap<string, number>): Principal {
  let best = principals[0]!;
  for (const p of principals) if ((load.get(p.email) ?? 0) < (load.get(best.email) ?? 0)) best = p;
  return best;
}

export interface PrincipalBindings {
  /** The connection's principal, bound now if it has none. Binding is serialised, so concurrent binds agree. */
  bind(connectionId: string): Promise<Principal>;
}

export function postgresPrincipalBindings(pool: Pool, principals: readonly Principal[]): PrincipalBindings {
  const byEmail = new Map(principals.map((p) => [p.email, p]));
  return {
    async bind(connectionId) {
      const existing = await pool.query<{ principal_email: string }>(
        'SELECT principal_email FROM sheets.connection_principals WHERE connection_id = $1',
        [connectionId],
      );
      const bound = existing.rows[0]?.principal_email;
      if (bound !== undefined) return boundPrincipal(byEmail, bound, connectionId);
      return withTransaction(pool, async (tx) => {
        // One binder at a time, so "least loaded" counts every binding made before this one.
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sheets:principal-binding'))`);
        const again = await tx.query<{ principal_email: string }>(
          'SELECT principal_email FROM sheets.connection_principals WHERE connection_id = $1',
          [connectionId],
        );
        const raced = again.rows[0]?.principal_email;
        if (raced !== undefined) return boundPrincipal(byEmail, raced, connectionId);
        const { rows } = await tx.query<{ principal_email: string; n: string }>(
          `SELECT principal_email, count(*) AS n FROM sheets.connection_principals
            WHERE principal_email = ANY($1::text[]) GROUP BY principal_email`,
          [principals.map((p) => p.email)],
        );
        const chosen = choosePrincipal(principals, new Map(rows.map((r) => [r.principal_email, Number(r.n)])));
        await tx.query('INSERT INTO sheets.connection_principals (connection_id, principal_email) VALUES ($1, $2)', [
          connectionId,
          chosen.email,
        ]);
        return chosen;
      });
    },
  };
}

/**
 * A connection bound to a principal no longer configured cannot be written: its spreadsheet is shared with that
 * email only. Failing loudly beats silently rebinding, which would fail on every write until the user re-shares.
 */
function boundPrincipal(byEmail: ReadonlyMap<string, Principal>, email: string, connectionId: string): Principal {
  const p = byEmail.get(email);
  if (!p) {
    throw new Error(
      `connection ${connectionId} is bound to principal ${email}, which SHEETS_PRINCIPALS no longer lists: add it back`,
    );
  }
  return p;
}
