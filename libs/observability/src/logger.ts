import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Which role is logging: api, engine, executor, standalone. */
  service: string;
  /** @defaultValue `info` (LOG_LEVEL) */
  level?: string;
}

/**
 * JSON logs on stdout. Children add `tenant_id`, `correlation_id`, `event_id` and `rule_id`
 * so that one event can be followed across roles with grep.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
