import { baseConfig } from '@reportline/platform';
import type { z } from 'zod';

export const processorConfig = baseConfig;
export type ProcessorConfig = z.infer<typeof processorConfig>;
