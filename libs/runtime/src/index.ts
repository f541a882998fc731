export { openInfrastructure, type Infrastructure } from './infrastructure.ts';
export { runRole, type Running } from './run-role.ts';
export { runWorker } from './run-worker.ts';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
export { Pruner, retentionFromConfig } from './pruner.ts';
export { LeasedDrain, type LeasedDrainOptions } from './leased-drain.ts';
