export { executorOptionsFromConfig, startExecutor, type ExecutorOptions, type WebhookSettings } from './start-executor.ts';
