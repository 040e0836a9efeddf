/**
 * How long NAVER takes to build a stat report, learnt from the jobs polled so far, so the first poll of a job lands
 * when it is probably built. Only upper bounds are observed (the job was BUILT by the poll that saw it), so the
 * estimate creeps down while first polls find jobs built, and moves towards the observed time when they do not: it
 * settles just above the real build time, at about one poll per job instead of four or five.
 */
export interface BuildEstimate {
  readonly ms: number;
}

export const BUILD_ESTIMATE_MIN_MS = 250;

/** NAVER usually builds a past day's report in about two seconds: the first polls of a fresh process land there. */
export function initialBuildEstimate(ms = 2_000): BuildEstimate {
  return { ms };
}

/** `builtAfterMs`: from the create's answer to the poll that saw the job done; `polls`: how many polls that took. */
export function observeBuild(
  estimate: BuildEstimate,
  seen: { builtAfterMs: number; polls: number },
  maxMs: number,
): BuildEstimate {
  const next = seen.polls <= 1 ? estimate.ms * 0.95 : (estimate.ms + seen.builtAfterMs) / 2;
  return { ms: Math.min(Math.max(Math.round(next), BUILD_ESTIMATE_MIN_MS), maxMs) };
}
