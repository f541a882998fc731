import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { boundField, boundText } from './bounded-text.ts';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Which role is logging: api, engine, executor, standalone. */
  service: string;
  /** @defaultValue `info` (LOG_LEVEL) */
  level?: string;
  /** @defaultValue stdout */
  destination?: DestinationStream;
  /** Coloured one-line-per-entry text for a person at a terminal, instead of JSON. @defaultValue false */
  pretty?: boolean;
}

/** LOG_FORMAT `auto`: text for a developer at a terminal, JSON for everything that collects logs. */
export function wantsPrettyLogs(format: 'auto' | 'json' | 'pretty', nodeEnv: string, stdoutIsTty = Boolean(process.stdout.isTTY)): boolean {
  if (format !== 'auto') return format === 'pretty';
  return nodeEnv === 'development' && stdoutIsTty;
}

/** The longest string a log field keeps; ids and reasons fit, attacker-sized input does not. */
const MAX_LOG_FIELD_CHARS = 1000;

/**
 * JSON logs on stdout. Children add `tenant_id`, `correlation_id`, `event_id` and `rule_id`
 * so that one event can be followed across roles with grep.
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: boundLogFields },
    },
    // pretty: synchronous, in this thread, so a line logged just before process.exit is still printed.
    options.destination ?? (options.pretty ? pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }) : pino.destination(1)),
  );
  // pino formats a child's bindings without the formatters above, so bound them on the way in;
  // children inherit this method, and `this` is whichever logger the child is made from.
  const child = logger.child;
  logger.child = function (this: Logger, bindings: Record<string, unknown>, childOptions?: Parameters<Logger['child']>[1]) {
    return child.call(this, boundLogFields(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * Every field of a log line, cut to a bounded size: values that came from outside (a path, a
 * header, a reason, an error's message) must not make one line megabytes long.
 */
export function boundLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const bounded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) bounded[key] = boundLogValue(value);
  return bounded;
}

function boundLogValue(value: unknown): unknown {
  if (typeof value === 'string') return boundField(value, MAX_LOG_FIELD_CHARS);
  if (value instanceof Error && (value.message.length > MAX_LOG_FIELD_CHARS || (value.stack?.length ?? 0) > 4 * MAX_LOG_FIELD_CHARS)) {
    const copy = new Error(boundText(value.message), { cause: value.cause });
    copy.name = value.name;
    copy.stack = `${copy.name}: ${copy.message}\n${(value.stack ?? '').split('\n').slice(1, 12).join('\n')}`;
    return copy;
  }
  return value;
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
