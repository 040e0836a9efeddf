import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from './pool.ts';

/** SECRETS_KEY: 32 random bytes, base64. Generate one with `openssl rand -base64 32`. */
export const secretsKey = z
  .string({ message: 'required: 32 random bytes, base64 (openssl rand -base64 32)' })
  .transform((s) => Buffer.from(s, 'base64'))
  .refine((b) => b.length === 32, 'must decode to exactly 32 bytes');

export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
}

export interface SecretStore {
  put(ref: string, value: unknown): Promise<void>;
  get<T>(ref: string, schema: z.ZodType<T>): Promise<T>;
  /** Erases the secret (a deleted connection's credentials); nothing when there is none. */
  delete(ref: string): Promise<void>;
}

/** Encrypted secrets in Postgres. Errors name the reference, never the content. */
export function postgresSecretStore(db: Queryable, key: Buffer): SecretStore {
  return {
    async put(ref, value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(ref));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      await db.query(
        `INSERT INTO platform.secrets (ref, iv, tag, ciphertext) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ref) DO UPDATE SET iv = EXCLUDED.iv, tag = EXCLUDED.tag, ciphertext = EXCLUDED.ciphertext, updated_at = now()`,
        [ref, iv, cipher.getAuthTag(), ciphertext],
      );
    },
    async delete(ref) {
      await db.query('DELETE FROM platform.secrets WHERE ref = $1', [ref]);
    },
    async get(ref, schema) {
      const { rows } = await db.query<{ iv: Buffer; tag: Buffer; ciphertext: Buffer }>(
        'SELECT iv, tag, ciphertext FROM platform.secrets WHERE ref = $1',
        [ref],
      );
      const row = rows[0];
      if (!row) throw new SecretNotFoundError(`no secret stored under ${ref}`);
      let plain: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, row.iv);
        decipher.setAAD(Buffer.from(ref));
        decipher.setAuthTag(row.tag);
        plain = Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretNotFoundError(`secret ${ref} cannot be decrypted with the configured SECRETS_KEY`);
      }
      const parsed = schema.safeParse(JSON.parse(plain));
      if (!parsed.success) throw new SecretNotFoundError(`secret ${ref} does not have the expected shape`);
      return parsed.data;
    },
  };
}
