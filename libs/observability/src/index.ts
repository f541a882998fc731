export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.ts';
export { startHealthServer, runChecks, type HealthServer, type ReadinessCheck } from './health-server.ts';
