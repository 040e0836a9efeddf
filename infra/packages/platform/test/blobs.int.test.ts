import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnvironment } from '../../../dev/src/test-environment.ts';
import { BlobNotFoundError, postgresBlobStore } from '../src/pg/blobs.ts';
import { createPool, type Pool } from '../src/pg/pool.ts';

let pool: Pool;
beforeAll(async () => {
  pool = createPool((await testEnvironment()).databaseUrl);
});
afterAll(() => pool?.end());

const TSV = 'text/tab-separated-values';
const keyOf = (uri: string) => uri.slice('blob://pg/'.length);

/** A report-like file in many small chunks, as a download arrives. */
function* chunks(lines: number) {
  for (let i = 0; i < lines; i++) yield Buffer.from(`20261115\t338047\tcmp-${i % 97}\t"듀이듀이“\t${i}\n`);
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

describe('blob store streams', () => {
  it('stores a stream compressed under its hash, and reads it back whole or streamed', async () => {
    const blobs = postgresBlobStore(pool);
    const content = Buffer.concat([...chunks(5_000)]);
    const ref = await blobs.putStream(`raw/${crypto.randomUUID()}/AD/2026-11-15`, Readable.from(chunks(5_000)), TSV);
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(ref).toMatchObject({ bytes: content.length, sha256, contentType: TSV });
    expect(ref.uri).toMatch(new RegExp(`/2026-11-15/${sha256.slice(0, 16)}$`));
    expect(await blobs.get(ref)).toEqual(content);
    expect(await readAll(await blobs.getStream(ref))).toEqual(content);
    const { rows } = await pool.query<{ n: number }>('SELECT length(gz) AS n FROM platform.blobs WHERE key = $1', [
      keyOf(ref.uri),
    ]);
    expect(rows[0]!.n).toBeLessThan(content.length / 5);
  });

  it('gives the same reference as put for the same content, so existing references and keys stay valid', async () => {
    const blobs = postgresBlobStore(pool);
    const key = `raw/${crypto.randomUUID()}/AD/2026-11-16`;
    const content = Buffer.concat([...chunks(100)]);
    const put = await blobs.put(key, content, TSV);
    const streamed = await blobs.putStream(key, Readable.from(chunks(100)), TSV);
    expect(streamed).toEqual(put);
    expect(await blobs.get(streamed)).toEqual(content);
  });

  it('stores an empty stream as an empty blob (refusing empty reports is the caller’s rule)', async () => {
    const blobs = postgresBlobStore(pool);
    const ref = await blobs.putStream(`raw/${crypto.randomUUID()}/AD/2026-11-17`, Readable.from([]), TSV);
    expect(ref).toMatchObject({ bytes: 0, sha256: createHash('sha256').digest('hex') });
    expect(await blobs.get(ref)).toEqual(Buffer.alloc(0));
    expect(await readAll(await blobs.getStream(ref))).toEqual(Buffer.alloc(0));
  });

  it('fails a put whose source fails, storing nothing', async () => {
    const blobs = postgresBlobStore(pool);
    const key = `raw/${crypto.randomUUID()}/AD/2026-11-18`;
    async function* broken() {
      yield Buffer.from('20261118\t1\n');
      throw new Error('connection reset');
    }
    await expect(blobs.putStream(key, broken(), TSV)).rejects.toThrow('connection reset');
    const { rows } = await pool.query('SELECT 1 FROM platform.blobs WHERE key LIKE $1', [`${key}/%`]);
    expect(rows).toEqual([]);
  });

  it('refuses content that no longer matches its reference, whole or at the end of the stream', async () => {
    const blobs = postgresBlobStore(pool);
    const ref = await blobs.putStream(`raw/${crypto.randomUUID()}/AD/2026-11-19`, Readable.from(chunks(500)), TSV);
    const other = await blobs.put(`raw/${crypto.randomUUID()}/AD/2026-11-19`, Buffer.from('restated\n'), TSV);
    await pool.query('UPDATE platform.blobs SET gz = (SELECT gz FROM platform.blobs WHERE key = $2) WHERE key = $1', [
      keyOf(ref.uri),
      keyOf(other.uri),
    ]);
    await expect(blobs.get(ref)).rejects.toThrow(`blob ${ref.uri} changed since it was referenced`);
    await expect(readAll(await blobs.getStream(ref))).rejects.toThrow(BlobNotFoundError);
    // A reference whose hash was never stored fails the same way.
    await expect(readAll(await blobs.getStream({ ...other, sha256: '0'.repeat(64) }))).rejects.toThrow(
      /changed since it was referenced/,
    );
  });

  it('says when a blob does not exist', async () => {
    const blobs = postgresBlobStore(pool);
    const ref = { uri: 'blob://pg/raw/none/AD/2026-11-20/0', bytes: 1, sha256: '0'.repeat(64), contentType: TSV };
    await expect(blobs.getStream(ref)).rejects.toThrow(`blob ${ref.uri} does not exist`);
  });
});
