export { type LeaseDeadline, LeaseLostError, leaseDeadline } from './lease-deadline.ts';
export { keepLease, type LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.ts';
export { type LockServiceClient, lockServiceClient } from './lock-service-client.ts';
