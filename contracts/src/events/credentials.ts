import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/**
 * Why a connection's NAVER credentials are to be checked: it was created, its key and secret were rotated, it was
 * resumed after a pause, or a person asked.
 */
export const CredentialsCheckReason = z.enum(['created', 'rotated', 'resumed', 'manual']);

/**
 * What a credentials check is about: the data of CredentialsCheckRequested v1, carried forward unchanged in
 * LeaseRequested v2 and LockGranted v3 so the fetcher works from the grant alone. The credentials themselves stay in
 * the secret store under `naverSecretRef(connectionId)`, as for imports.
 */
export const CredentialsCheck = z.object({
  connectionId: z.uuid(),
  reason: CredentialsCheckReason,
});
export type CredentialsCheck = z.infer<typeof CredentialsCheck>;

/**
 * The scheduler asks whether NAVER accepts a connection's credentials for the customer id (the envelope's
 * `customerId`). A check is a unit of work like an import: the envelope's `importId` is the check's own id, and the
 * answer (CredentialsChecked) carries the same. Only the naver-fetcher calls NAVER for it, under the customer id's
 * lease like any import.
 */
export const CredentialsCheckRequestedV1 = defineEvent('CredentialsCheckRequested', 1, CredentialsCheck, {
  leased: false,
});

/**
 * The answer to a CredentialsCheckRequested (same `importId`, the check id). `ok` true: NAVER accepted the
 * credentials for the customer id with one signed call; `code`, `message` and `action` are then null. `ok` false:
 * `code` says why in kebab-case (`naver-credentials-invalid`, `naver-license-not-linked`,
 * `credentials-customer-mismatch`, `credentials-missing`, `naver-unavailable`, `lease-unavailable`,
 * `check-request-invalid`, `check-failed`), `message` what was found (never a secret), `action` what the user must
 * do (null when nothing but waiting helps), and `retryable` whether the same check can succeed later without anyone
 * changing anything. Carries the lease's fencing token when NAVER was called under one.
 */
export const CredentialsCheckedV1 = defineEvent(
  'CredentialsChecked',
  1,
  z.object({
    connectionId: z.uuid(),
    ok: z.boolean(),
    code: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .nullable(),
    message: z.string().min(1).max(2000).nullable(),
    action: z.string().min(1).max(2000).nullable(),
    retryable: z.boolean(),
  }),
  { leased: false },
);
