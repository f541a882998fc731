export { ConfigSchema, ConfigError, loadConfig, type Config } from './config.ts';
export type { AuthMode } from './security-config.ts';
