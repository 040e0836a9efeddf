import { baseConfig, secretsKey } from '@reportline/platform';
import { z } from 'zod';

export const schedulerConfig = baseConfig.extend({
  SECRETS_KEY: secretsKey,
  /** A started import with no new event for this long ends as failed (retryable). */
  IMPORT_STALL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30 * 60_000),
});
export type SchedulerConfig = z.infer<typeof schedulerConfig>;
