/**
 * Overlap oracle for the safety invariant "Naver calls made for two different imports never overlap in time".
 *
 * Definitions (all on the monotonic clock, intervals closed [arrival, completion]; a request still in flight ends "now"):
 * - Two intervals overlap iff max(starts) < min(ends). Touching ends (one completes at the very instant the other
 *   arrives) do NOT overlap; a zero-length interval overlaps nothing.
 * - An origin's session on a customer id is [its first arrival, its last completion] on that customer id.
 * - Two origins overlap on a customer id iff their sessions overlap. This covers both
 *   · 'in-flight': some request of one origin overlaps some request of the other (both on the wire at once), and
 *   · 'interleaved': no requests are in flight together but the sessions interleave (A…B…A), which a lease forbids.
 *   A lease holder must therefore use one origin per lease grant (e.g. `${importId}#${fencingToken}`), so that the
 *   same import re-granted later is a new session rather than an interleaving with itself.
 * Requests without an origin are not attributed to anyone and are ignored here (see RequestRecorder.unattributed).
 */
export interface TimedRequest {
  customerId: string;
  origin: string | null;
  start: number;
  /** null while in flight. */
  end: number | null;
}

export interface OriginSession {
  origin: string;
  start: number;
  end: number;
  requests: number;
}

export interface Overlap {
  customerId: string;
  kind: 'in-flight' | 'interleaved';
  a: OriginSession;
  b: OriginSession;
  /** The intersection of the two sessions. */
  from: number;
  to: number;
}

const intersects = (s1: number, e1: number, s2: number, e2: number) => Math.max(s1, s2) < Math.min(e1, e2);

/** Whether any request of `x` overlaps any request of `y` (sweep by start; O(n log n)). */
function anyInFlight(x: readonly { start: number; end: number }[], y: readonly { start: number; end: number }[]) {
  const all = [...x.map((r) => ({ ...r, side: 0 })), ...y.map((r) => ({ ...r, side: 1 }))].sort(
    (p, q) => p.start - q.start,
  );
  const maxEnd = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let i = 0;
  while (i < all.length) {
    // Requests sharing a start instant are compared against each other too, so handle the tie group as a block.
    let j = i;
    while (j < all.length && all[j]!.start === all[i]!.start) j++;
    const group = all.slice(i, j);
    const groupMax = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const r of group) groupMax[r.side] = Math.max(groupMax[r.side]!, r.end);
    for (const r of group) {
      const other = 1 - r.side;
      const otherEnd = Math.max(maxEnd[other]!, groupMax[other]!);
      if (r.end > r.start && otherEnd > r.start) return true;
    }
    for (const r of group) maxEnd[r.side] = Math.max(maxEnd[r.side]!, r.end);
    i = j;
  }
  return false;
}

export function findOverlaps(requests: readonly TimedRequest[], nowMono: number): Overlap[] {
  const byCustomer = new Map<string, Map<string, { start: number; end: number }[]>>();
  for (const r of requests) {
    if (r.origin === null || r.customerId === '') continue;
    let origins = byCustomer.get(r.customerId);
    if (!origins) {
      origins = new Map();
      byCustomer.set(r.customerId, origins);
    }
    let list = origins.get(r.origin);
    if (!list) {
      list = [];
      origins.set(r.origin, list);
    }
    list.push({ start: r.start, end: r.end ?? Math.max(nowMono, r.start) });
  }
  const overlaps: Overlap[] = [];
  for (const [customerId, origins] of byCustomer) {
    const sessions = [...origins].map(([origin, list]) => ({
      session: {
        origin,
        start: Math.min(...list.map((r) => r.start)),
        end: Math.max(...list.map((r) => r.end)),
        requests: list.length,
      },
      list,
    }));
    sessions.sort((p, q) => p.session.start - q.session.start || p.session.origin.localeCompare(q.session.origin));
    for (let i = 0; i < sessions.length; i++) {
      for (let k = i + 1; k < sessions.length; k++) {
        const a = sessions[i]!;
        const b = sessions[k]!;
        if (!intersects(a.session.start, a.session.end, b.session.start, b.session.end)) continue;
        overlaps.push({
          customerId,
          kind: anyInFlight(a.list, b.list) ? 'in-flight' : 'interleaved',
          a: a.session,
          b: b.session,
          from: Math.max(a.session.start, b.session.start),
          to: Math.min(a.session.end, b.session.end),
        });
      }
    }
  }
  return overlaps;
}
