import { createHash, randomBytes } from 'node:crypto';

export const SCOPES = ['admin', 'member', 'read-only'] as const;
export type Scope = (typeof SCOPES)[number];

/** What each scope may do: read-only reads; member also changes connections and imports; admin also manages tokens and alerts. */
const RANK: Record<Scope, number> = { 'read-only': 0, member: 1, admin: 2 };
export const scopeAllows = (held: Scope, needed: Scope) => RANK[held] >= RANK[needed];

/**
 * A token is `rl_<prefix>_<secret>`: the prefix (8 hex) names it in lists and logs, the secret is 32 random bytes.
 * Only the SHA-256 of the whole token is kept, so the table alone lets nobody in.
 */
export function mintToken(): { token: string; prefix: string; hash: Buffer } {
  const prefix = randomBytes(4).toString('hex');
  const token = `rl_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashToken(token) };
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The prefix of a token as presented, for logs; never the token. A config-provided token has none. */
export const tokenPrefix = (token: string) => /^rl_([0-9a-f]{8})_/.exec(token)?.[1] ?? 'config';
