export { ConfigSchema, ConfigError, DEFAULT_FANOUT_BUDGET, loadConfig, type Config } from './config.ts';
export type { AuthMode } from './security-config.ts';
