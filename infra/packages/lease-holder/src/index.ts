export { type LeaseDeadline, type LeaseLossReason, LeaseLostError, leaseDeadline } from './lease-deadline.ts';
export { keepLease, type LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.ts';
export {
  type LockServiceClient,
  type LockServiceClientOptions,
  lockServiceClient,
  type RenewalAnswer,
} from './lock-service-client.ts';
