/**
 * The pure rules of the shared quota: a token bucket kept as one number per bucket (GCRA, the "theoretical arrival
 * time"), so a bucket shared by many writer processes is a single row that one atomic update advances.
 *
 * A bucket of limit L per window W with a burst of C is: slots spaced T = W / (L − C) apart, and up to C − 1 slots
 * early (tolerance τ = (C − 1)·T). Any window of W then holds at most C + (L − C) = L requests, so writers that only
 * use their reserved slots never trip Google's sliding per-minute counter, however many processes share the row.
 *
 * A caller reserves the next free slot and sleeps until it, instead of polling: reservations are granted in the
 * order they are asked for (FIFO), and the write protocol has at most one call in flight per import, so imports take
 * turns call by call (round robin) and none starves behind another's burst.
 */

export interface BucketParams {
  /** Milliseconds between slots once the burst is spent. */
  intervalMs: number;
  /** How far ahead of its steady pace the bucket may run: the burst minus one slot. */
  toleranceMs: number;
}

/**
 * `jitterMs`: how much later than its slot a call may reach Google (event-loop stalls, connection set-up, a slow
 * network). Google counts arrivals, and calls that arrive in any window W left in a window of W + jitter, so slots
 * are spread over W + jitter: a late call then never makes an arrival window hold more than L.
 */
export function bucketParams(
  limitPerWindow: number,
  burstFraction: number,
  windowMs: number,
  jitterMs = 0,
): BucketParams {
  const capacity = Math.max(1, Math.floor(limitPerWindow * burstFraction));
  const intervalMs = (windowMs + jitterMs) / Math.max(limitPerWindow - capacity, 1);
  return { intervalMs, toleranceMs: (capacity - 1) * intervalMs };
}

export interface Reservation {
  /** When the call may go out (≥ now). */
  at: number;
  /** Each bucket's new theoretical arrival time, in the order the buckets were given. */
  tats: number[];
}

/**
 * Reserves one slot in every bucket at once (a call needs the principal's and its project's): the earliest instant
 * all of them allow. `tats[i]` is undefined for a bucket never used (full). Each bucket is advanced from the slot
 * actually taken, not from `now`, so a call held back by one bucket does not bank credit in the other.
 */
export function reserveSlot(
  tats: readonly (number | undefined)[],
  params: readonly BucketParams[],
  now: number,
): Reservation {
  let at = now;
  params.forEach((p, i) => {
    const tat = tats[i];
    if (tat !== undefined) at = Math.max(at, tat - p.toleranceMs);
  });
  return { at, tats: params.map((p, i) => Math.max(tats[i] ?? at, at) + p.intervalMs) };
}
