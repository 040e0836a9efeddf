import type { Queryable } from '@reportline/platform';
import type { Scope } from './tokens.ts';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface TokenRecord {
  id: string;
  tenantId: string;
  name: string;
  scope: Scope;
  operator: boolean;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const TOKEN_COLUMNS = `id, tenant_id AS "tenantId", name, scope, operator, prefix, created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;
// biome-ignore lint/suspicious/noExplicitAny: a row as pg returns it, dates as Date
const toToken = (r: any): TokenRecord => ({
  ...r,
  createdAt: iso(r.createdAt)!,
  lastUsedAt: iso(r.lastUsedAt),
  revokedAt: iso(r.revokedAt),
});

/** The tenant named `name`, created when missing (the bootstrap tenant, the demo's tenant). */
export async function ensureTenant(db: Queryable, name: string): Promise<Tenant> {
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    `INSERT INTO scheduler.tenants (id, name) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, created_at`,
    [crypto.randomUUID(), name],
  );
  const r = rows[0]!;
  return { id: r.id, name: r.name, createdAt: r.created_at.toISOString() };
}

/** A new tenant, or undefined when the name is taken. */
export async function insertTenant(db: Queryable, name: string): Promise<Tenant | undefined> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO scheduler.tenants (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id, created_at`,
    [crypto.randomUUID(), name],
  );
  return rows[0] && { id: rows[0].id, name, createdAt: rows[0].created_at.toISOString() };
}

export async function findTenant(db: Queryable, id: string): Promise<Tenant | undefined> {
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    'SELECT id, name, created_at FROM scheduler.tenants WHERE id = $1',
    [id],
  );
  return rows[0] && { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at.toISOString() };
}

export async function insertToken(
  db: Queryable,
  t: { tenantId: string; name: string; scope: Scope; prefix: string; hash: Buffer; operator?: boolean },
): Promise<TokenRecord> {
  const { rows } = await db.query(
    `INSERT INTO scheduler.api_tokens (id, tenant_id, name, scope, operator, prefix, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (hash) DO UPDATE SET revoked_at = NULL RETURNING ${TOKEN_COLUMNS}`,
    [crypto.randomUUID(), t.tenantId, t.name, t.scope, t.operator ?? false, t.prefix, t.hash],
  );
  return toToken(rows[0]);
}

/** The live token with this hash, its use recorded (at most once a minute, so reads do not turn into writes). */
export async function useToken(db: Queryable, hash: Buffer, now: Date): Promise<TokenRecord | undefined> {
  const { rows } = await db.query(
    `SELECT ${TOKEN_COLUMNS} FROM scheduler.api_tokens WHERE hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const t = rows[0] && toToken(rows[0]);
  if (t && (!t.lastUsedAt || now.getTime() - Date.parse(t.lastUsedAt) > 60_000)) {
    await db.query('UPDATE scheduler.api_tokens SET last_used_at = $2 WHERE id = $1', [t.id, now]);
  }
  return t;
}

export async function listTokens(db: Queryable, tenantId: string): Promise<TokenRecord[]> {
  const { rows } = await db.query(
    `SELECT ${TOKEN_COLUMNS} FROM scheduler.api_tokens WHERE tenant_id = $1 ORDER BY created_at, id`,
    [tenantId],
  );
  return rows.map(toToken);
}

/** Revokes a token of the tenant; false when it has no such live token. */
export async function revokeToken(db: Queryable, tenantId: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE scheduler.api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
    [tenantId, id, now],
  );
  return rowCount === 1;
}
