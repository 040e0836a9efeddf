import { baseConfig, secretsKey } from '@reportline/platform';
import type { z } from 'zod';

export const schedulerConfig = baseConfig.extend({ SECRETS_KEY: secretsKey });
export type SchedulerConfig = z.infer<typeof schedulerConfig>;
