import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { BlobRef } from '@reportline/contracts';
import { PermanentFailureError } from '../bus/failure-policy.ts';
import type { Queryable } from './pool.ts';

export interface BlobStore {
  /**
   * Stores content under `key` plus its hash, so a blob never changes once referenced (idempotent for the same
   * content), and returns the claim check to put in events.
   */
  put(key: string, content: Buffer, contentType: string): Promise<BlobRef>;
  /**
   * Like `put`, for content that arrives as a stream (downloads): hashed, counted and compressed as it arrives, so the
   * uncompressed content is never held whole. The key gets the hash suffix once the stream has ended.
   */
  putStream(key: string, content: AsyncIterable<Uint8Array>, contentType: string): Promise<BlobRef>;
  /** Returns the content, verified against the reference's hash. */
  get(ref: BlobRef): Promise<Buffer>;
  /**
   * Streams the content decompressed. It is verified against the reference's hash and size only at the end: the
   * stream fails there on a mismatch, so nothing read from it is trustworthy before it ended without error.
   */
  getStream(ref: BlobRef): Promise<Readable>;
}

/** A referenced blob is gone or changed: no retry can bring it back, so a consumer gives up on the message at once. */
export class BlobNotFoundError extends PermanentFailureError {
  override readonly name = 'BlobNotFoundError';
  constructor(message: string) {
    super('blob-missing', message);
  }
}

const PREFIX = 'blob://pg/';

function keyOf(ref: BlobRef): string {
  if (!ref.uri.startsWith(PREFIX)) throw new BlobNotFoundError(`not a Postgres blob reference: ${ref.uri}`);
  return ref.uri.slice(PREFIX.length);
}

/** Passes bytes through while hashing and counting them; `verify` (optional) runs once they have all passed. */
function measuring(verify?: (sha256: string, bytes: number) => Error | undefined) {
  const hash = createHash('sha256');
  const seen = { sha256: '', bytes: 0 };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      seen.bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      seen.sha256 = hash.digest('hex');
      done(verify?.(seen.sha256, seen.bytes) ?? null);
    },
  });
  return { stream, seen };
}

/**
 * Postgres-backed blob store: enough for one region's report volumes, with no extra moving part to run locally.
 * One row per blob holding the gzip of the content. A streamed put holds the compressed bytes in memory until the
 * stream ends (report TSV compresses ~10×), then writes the row under its final, hash-suffixed key: no temporary key
 * to rename or clean up after a failure, and the table and every existing reference stay as they are. Storing
 * compressed chunks in rows would bound memory further, at the cost of a migration and multi-row reads.
 */
export function postgresBlobStore(db: Queryable): BlobStore {
  const putStream: BlobStore['putStream'] = async (key, content, contentType) => {
    const { stream: measure, seen } = measuring();
    const gz: Buffer[] = [];
    await pipeline(content, measure, createGzip(), async (compressed: AsyncIterable<Buffer>) => {
      for await (const chunk of compressed) gz.push(chunk);
    });
    const fullKey = `${key}/${seen.sha256.slice(0, 16)}`;
    await db.query(
      `INSERT INTO platform.blobs (key, sha256, bytes, content_type, gz) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO NOTHING`,
      [fullKey, seen.sha256, seen.bytes, contentType, Buffer.concat(gz)],
    );
    return { uri: `${PREFIX}${fullKey}`, bytes: seen.bytes, sha256: seen.sha256, contentType };
  };

  const getStream: BlobStore['getStream'] = async (ref) => {
    const { rows } = await db.query<{ gz: Buffer }>('SELECT gz FROM platform.blobs WHERE key = $1', [keyOf(ref)]);
    if (!rows[0]) throw new BlobNotFoundError(`blob ${ref.uri} does not exist`);
    const { stream: verify } = measuring((sha256, bytes) =>
      sha256 === ref.sha256 && bytes === ref.bytes
        ? undefined
        : new BlobNotFoundError(`blob ${ref.uri} changed since it was referenced`),
    );
    // Errors (corrupt gzip, mismatch) surface on the returned stream; the pipeline's own promise only mirrors them.
    pipeline(Readable.from([rows[0].gz]), createGunzip(), verify).catch(() => {});
    return verify;
  };

  return {
    put: (key, content, contentType) => putStream(key, Readable.from([content]), contentType),
    putStream,
    async get(ref) {
      const chunks: Buffer[] = [];
      for await (const chunk of await getStream(ref)) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    getStream,
  };
}
