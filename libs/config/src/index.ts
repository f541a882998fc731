export { ConfigSchema, ConfigError, loadConfig, type Config } from './config.ts';
