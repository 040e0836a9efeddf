import { z } from 'zod';
import { CustomerId } from './primitives.ts';

/**
 * NAVER credentials are written by the scheduler (connection API) and read by the naver-fetcher through the secret
 * store, never through events. This is the shape and the reference both sides agree on.
 */
export const NaverCredentials = z.object({
  customerId: CustomerId,
  apiKey: z.string().min(1).max(512),
  secret: z.string().min(1).max(512),
});
export type NaverCredentials = z.infer<typeof NaverCredentials>;

export const naverSecretRef = (connectionId: string) => `naver/${connectionId}`;
