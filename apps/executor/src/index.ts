export { startExecutor } from './start-executor.ts';
export { ActionProcessor } from './domain/action-processor.ts';
