import { buildSheetsFake, type SheetsFake } from '../src/app.ts';
import type { FakeConfigInput } from '../src/config.ts';

/** A fake on a settable clock plus a tiny JSON client over `app.inject` (no sockets). */
export function fakeWithClock(config?: FakeConfigInput) {
  const clock = { now: 1_700_000_000_000 };
  const fake: SheetsFake = buildSheetsFake(config, { now: () => clock.now });
  async function call(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token?: string) {
    const res = await fake.app.inject({
      method,
      url,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests dig into arbitrary Google JSON bodies
    return { status: res.statusCode, body: res.json() as Record<string, any> };
  }
  /** The control endpoint tests and the demo share a spreadsheet with (`role`: reader or writer). */
  const fakeShare = (id: string, emailAddress: string, role: string) =>
    fake.app.inject({
      method: 'POST',
      url: `/_fake/spreadsheets/${id}/permissions`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ emailAddress, role }),
    });
  return { ...fake, clock, call, fakeShare };
}

export const valuesUrl = (id: string, range: string, query = 'valueInputOption=RAW') =>
  `/v4/spreadsheets/${id}/values/${encodeURIComponent(range)}${query ? `?${query}` : ''}`;
