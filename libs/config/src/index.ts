export { ConfigSchema, ConfigError, DEFAULT_FANOUT_BUDGET, DEFAULT_TENANT_LIMITS, loadConfig, type Config } from './config.ts';
export type { AuthMode } from './security-config.ts';
