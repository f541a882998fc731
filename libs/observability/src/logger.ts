import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Which role is logging: api, engine, executor, standalone. */
  service: string;
  /** @defaultValue `info` (LOG_LEVEL) */
  level?: string;
  /** Coloured one-line-per-entry text for a person at a terminal, instead of JSON. @defaultValue false */
  pretty?: boolean;
}

/** LOG_FORMAT `auto`: text for a developer at a terminal, JSON for everything that collects logs. */
export function wantsPrettyLogs(format: 'auto' | 'json' | 'pretty', nodeEnv: string, stdoutIsTty = Boolean(process.stdout.isTTY)): boolean {
  if (format !== 'auto') return format === 'pretty';
  return nodeEnv === 'development' && stdoutIsTty;
}

/**
 * JSON logs on stdout. Children add `tenant_id`, `correlation_id`, `event_id` and `rule_id`
 * so that one event can be followed across roles with grep.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (!options.pretty) return pino(settings);
  // Synchronous, in this thread: a line logged just before process.exit is still printed.
  return pino(settings, pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
