import type { Pool } from '@reportline/platform';
import { withTransaction } from '@reportline/platform';
import { ensureTenant, insertToken } from './store.ts';
import { hashToken } from './tokens.ts';

/**
 * The config's operator token, registered (hashed) as admin and operator of the bootstrap tenant. Re-registering it at
 * every start makes the config the source of truth: revoking it through the API lasts until the next start.
 */
export async function registerBootstrapToken(pool: Pool, token: string, tenantName: string): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const tenant = await ensureTenant(tx, tenantName);
    await insertToken(tx, {
      tenantId: tenant.id,
      name: 'bootstrap (config)',
      scope: 'admin',
      operator: true,
      prefix: 'config',
      hash: hashToken(token),
    });
  });
}
