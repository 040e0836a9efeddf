import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { BlobRef } from '@reportline/contracts';
import { PermanentFailureError } from '../bus/failure-policy.ts';
import type { Queryable } from './pool.ts';

const gz = promisify(gzip);
const gunz = promisify(gunzip);

export interface BlobStore {
  /**
   * Stores content under `key` plus its hash, so a blob never changes once referenced (idempotent for the same
   * content), and returns the claim check to put in events.
   */
  put(key: string, content: Buffer, contentType: string): Promise<BlobRef>;
  /** Returns the content, verified against the reference's hash. */
  get(ref: BlobRef): Promise<Buffer>;
}

/** A referenced blob is gone or changed: no retry can bring it back, so a consumer gives up on the message at once. */
export class BlobNotFoundError extends PermanentFailureError {
  override readonly name = 'BlobNotFoundError';
  constructor(message: string) {
    super('blob-missing', message);
  }
}

const PREFIX = 'blob://pg/';

/** Postgres-backed blob store: enough for one region's report volumes, with no extra moving part to run locally. */
export function postgresBlobStore(db: Queryable): BlobStore {
  return {
    async put(key, content, contentType) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      const fullKey = `${key}/${sha256.slice(0, 16)}`;
      await db.query(
        `INSERT INTO platform.blobs (key, sha256, bytes, content_type, gz) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO NOTHING`,
        [fullKey, sha256, content.length, contentType, await gz(content)],
      );
      return { uri: `${PREFIX}${fullKey}`, bytes: content.length, sha256, contentType };
    },
    async get(ref) {
      if (!ref.uri.startsWith(PREFIX)) throw new BlobNotFoundError(`not a Postgres blob reference: ${ref.uri}`);
      const key = ref.uri.slice(PREFIX.length);
      const { rows } = await db.query<{ gz: Buffer }>('SELECT gz FROM platform.blobs WHERE key = $1', [key]);
      if (!rows[0]) throw new BlobNotFoundError(`blob ${ref.uri} does not exist`);
      const content = await gunz(rows[0].gz);
      const sha = createHash('sha256').update(content).digest('hex');
      if (sha !== ref.sha256) throw new BlobNotFoundError(`blob ${ref.uri} changed since it was referenced`);
      return content;
    },
  };
}
