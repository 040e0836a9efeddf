/**
 * The opaque position after the last import of a page: its request time (microseconds since the epoch, exact for
 * Postgres timestamps) and its id, as the list is ordered. A keyset, so imports inserted meanwhile never shift a page.
 */
export interface ImportCursor {
  micros: string;
  importId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Up to 9999-12-31 in microseconds: a larger number is no time Postgres keeps.
const MICROS = /^-?\d{1,18}$/;
const MAX_MICROS = 253_402_300_800_000_000n;

export const encodeImportCursor = (c: ImportCursor) =>
  Buffer.from(JSON.stringify([c.micros, c.importId])).toString('base64url');

/** The cursor a page handed out, or undefined for anything else (the caller answers 400 naming the cursor). */
export function decodeImportCursor(cursor: string): ImportCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [micros, importId] = parsed;
    if (typeof micros !== 'string' || !MICROS.test(micros) || typeof importId !== 'string' || !UUID.test(importId)) {
      return undefined;
    }
    const n = BigInt(micros);
    if (n < -MAX_MICROS || n > MAX_MICROS) return undefined;
    return { micros, importId };
  } catch {
    return undefined;
  }
}
