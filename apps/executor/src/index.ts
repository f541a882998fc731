export { executorOptionsFromConfig, startExecutor } from './start-executor.ts';
