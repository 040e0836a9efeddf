import { baseConfig } from '@reportline/platform';
import { z } from 'zod';

export const lockServiceConfig = baseConfig.extend({
  LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(120_000),
  // Longest NAVER request the fetcher's client allows (30 s) plus 5 s of clock drift between machines.
  LOCK_DELAY_MS: z.coerce.number().int().min(0).default(35_000),
  TICK_MS: z.coerce.number().int().min(10).default(500),
});
export type LockServiceConfig = z.infer<typeof lockServiceConfig>;
