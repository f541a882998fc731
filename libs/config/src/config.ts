import { resolve } from 'node:path';
import { z } from 'zod';
import { optional } from './env-value.ts';
import { resolveAuthMode, SecurityConfigShape, type AuthMode } from './security-config.ts';

/** The fan-out budgets' defaults, shared by the configuration and engines started without one. */
export const DEFAULT_FANOUT_BUDGET = { perChain: 200, tenantActionsPerMinute: 60_000 } as const;

/**
 * Per-tenant flow control's defaults, per engine or executor process: never reached by an even load of
 * hundreds of events per second over many tenants, reached within a second by one tenant sending thousands.
 */
export const DEFAULT_TENANT_LIMITS = { maxEventsInFlight: 16, eventRate: 100, eventBurst: 200, maxCommandsInFlight: 16 } as const;

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const days = (fallback: number) => z.coerce.number().min(0).max(36_500).default(fallback);
const urlWithScheme = (schemes: string[]) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`);

/**
 * Every setting Flowline reads, from the environment. The configuration table in docs/configuration.md
 * lists the same names; a value that does not fit stops the process at start-up.
 */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: readable text when NODE_ENV=development and stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** HTTP port of the api (0 picks a free one). */
  PORT: port(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** RabbitMQ; without it `npm start` uses the in-process bus. */
  AMQP_URL: optional(urlWithScheme(['amqp:', 'amqps:'])),
  /** Prefix of every exchange and queue, so deployments can share a broker. */
  FLOWLINE_NAMESPACE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes').default('flowline'),
  /** MongoDB; without it the embedded SQLite store is used. */
  MONGODB_URL: optional(urlWithScheme(['mongodb:', 'mongodb+srv:'])),
  /** Not `config`, `admin` or `local`: MongoDB reserves them and allows no transactions there. */
  MONGODB_DATABASE: z.string().min(1).default('flowline'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** How long an SQLite write waits for another process's lock before failing (then retried). */
  SQLITE_BUSY_TIMEOUT_MS: positiveInt(5000),
  /** Defaults to `<DATA_DIR>/flowline.db`. */
  SQLITE_PATH: optional(z.string().min(1)),
  /** When set, notifications are also sent as e-mail through nodemailer. */
  SMTP_URL: optional(urlWithScheme(['smtp:', 'smtps:'])),
  SMTP_FROM: z.string().min(3).default('flowline@localhost'),
  /**
   * When set, the api serves `/metrics` (with `/health` and `/ready`) on this port only, as the
   * workers do on theirs, and not on its public port. Unset: `/metrics` on the public port.
   */
  API_METRICS_PORT: optional(z.coerce.number().int().min(0).max(65_535)),
  ENGINE_HEALTH_PORT: port(3001),
  EXECUTOR_HEALTH_PORT: port(3002),
  /** Messages each consumer holds unacked: deep enough that a batch finds work already delivered. */
  PREFETCH: positiveInt(64),
  /** Most already-delivered messages the engine and executor handle as one batch (one store transaction); never waited for. */
  BATCH_MAX: positiveInt(32),
  PUBLISH_TIMEOUT_MS: positiveInt(5000),
  /** How often the engine and executor read their stage's queue backlogs (a passive declare per queue) for /metrics. */
  BACKLOG_POLL_MS: positiveInt(5000),
  AMQP_CONNECT_TIMEOUT_MS: positiveInt(10_000),
  /**
   * `declare`: each role declares the exchanges and queues on connect (its broker user needs
   * configure permission). `verify`: the broker's definitions (ops/rabbitmq) declared them and
   * the roles, with least-privilege users, only check they are there.
   */
  AMQP_TOPOLOGY: z.enum(['declare', 'verify']).default('declare'),
  /** Deliveries of a failing message before it is dead-lettered. */
  MAX_DELIVERY_ATTEMPTS: positiveInt(5),
  /** Wait before the first retry of a transiently failed message; doubles per retry (a broker retry queue each). */
  RETRY_BASE_MS: positiveInt(1000),
  /** Longest wait between two retries. */
  RETRY_MAX_MS: positiveInt(30_000),
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  /** Rules an engine keeps compiled in memory, over all tenants (least recently used go first). */
  RULE_CACHE_MAX_RULES: positiveInt(250_000),
  /** Longest an engine uses a cached rule set without a change notice (safety net for a lost notice). */
  RULE_CACHE_TTL_MS: positiveInt(60_000),
  /** Events caused by more action hops than this are recorded as `loop_guard` and run no actions. */
  LOOP_GUARD_MAX_DEPTH: z.coerce.number().int().min(0).default(5),
  /** Days executions (and event records) are kept; 0 keeps them for ever. Fractions allowed. */
  RETENTION_DAYS: days(30),
  /** Days notifications are kept; 0 keeps them for ever. */
  NOTIFICATION_RETENTION_DAYS: days(30),
  /** Days tasks are kept; 0 (the default) keeps them: they are work items, not history. */
  TASK_RETENTION_DAYS: days(0),
  /**
   * Days an outbox row is kept after the broker confirmed it (unsent rows are never pruned). The
   * row is also what tells a replayed update_status command that its change was made already, so
   * keep it longer than a dead letter may wait before it is replayed.
   */
  OUTBOX_RETENTION_DAYS: days(7),
  /** How often a process prunes what is past retention (SQLite in small batches; MongoDB TTL indexes do it by themselves). */
  PRUNE_INTERVAL_MS: positiveInt(10 * 60_000),
  /** Events plus action commands one causal chain (one correlation id) may produce; 0 = no limit. */
  FANOUT_BUDGET_PER_CHAIN: z.coerce.number().int().min(0).default(DEFAULT_FANOUT_BUDGET.perChain),
  /** Action commands one tenant may have published per minute (per engine); 0 = no limit. */
  FANOUT_TENANT_ACTIONS_PER_MINUTE: z.coerce.number().int().min(0).default(DEFAULT_FANOUT_BUDGET.tenantActionsPerMinute),
  /** Events of one tenant an engine holds at once (both lanes); more are deferred (docs/fairness.md). Per engine process. */
  TENANT_MAX_EVENTS_IN_FLIGHT: positiveInt(DEFAULT_TENANT_LIMITS.maxEventsInFlight),
  /** Events per second one tenant is admitted at from an engine's main lane, sustained; 0 = no rate limit. Per engine process. */
  TENANT_EVENT_RATE: z.coerce.number().min(0).default(DEFAULT_TENANT_LIMITS.eventRate),
  /** Events one tenant may send at once above its rate before it is deferred. Per engine process. */
  TENANT_EVENT_BURST: positiveInt(DEFAULT_TENANT_LIMITS.eventBurst),
  /** Action commands of one tenant an executor holds at once (both lanes); more are deferred. Per executor process. */
  TENANT_MAX_COMMANDS_IN_FLIGHT: positiveInt(DEFAULT_TENANT_LIMITS.maxCommandsInFlight),
  /** Prefetch of the deferred lanes; unset: a quarter of PREFETCH (at least 1). */
  DEFERRED_PREFETCH: optional(z.coerce.number().int().min(1)),
  /** A demoted tenant goes back to the main lane once none of its messages has come off the deferred lane for this long. */
  TENANT_PROMOTE_AFTER_MS: positiveInt(5000),
  /** Longest an engine or executor uses a tenant's flow-control overrides (settings API) before reading them again. */
  TENANT_LIMITS_CACHE_TTL_MS: positiveInt(60_000),
  /** host or host:port, comma-separated: internal webhook targets allowed past the SSRF guard (never cloud-metadata addresses). */
  WEBHOOK_ALLOWED_HOSTS: z.string().default(''),
  /** Allow http:// webhook URLs (https only otherwise). */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  WEBHOOK_CONNECT_TIMEOUT_MS: positiveInt(3000),
  WEBHOOK_RESPONSE_TIMEOUT_MS: positiveInt(30_000),
  /** How long after its first attempt a failing webhook is still retried. */
  WEBHOOK_RETRY_WINDOW_MS: positiveInt(3_600_000),
  /** Webhook calls one tenant may have in flight in one executor. */
  WEBHOOK_MAX_CONCURRENCY_PER_TENANT: positiveInt(4),
  /** Redirects followed (each target checked by the SSRF guard again); 0 = a 3xx fails the call. */
  WEBHOOK_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(0),
  /** Longest `delay` / `run_at` ahead an action may be scheduled, in days. */
  SCHEDULE_MAX_DAYS: positiveInt(366),
  /** How often a scheduler looks for due actions. */
  SCHEDULER_POLL_MS: positiveInt(250),
  /** Comma-separated tenant ids that get their own `tenant` label on /metrics; all others are `other`. */
  METRICS_TENANT_LABELS: z.string().default(''),
  ...SecurityConfigShape,
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'AUTH_MODE'> & { SQLITE_PATH: string; AUTH_MODE: AuthMode };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Values copied from a template and never replaced (`CHANGE-ME` in k8s/secret.env.example):
 * long enough to pass every other check, and known to anyone who reads the repository.
 */
const PLACEHOLDER = /change-?me/i;
const SECRETS = ['JWT_SECRET', 'AMQP_URL', 'MONGODB_URL', 'SMTP_URL'] as const;

/** Reads and validates the configuration; throws a ConfigError naming every bad variable, on one line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  for (const name of SECRETS) {
    if (PLACEHOLDER.test(env[name] ?? '')) problems.push(`${name}: still the CHANGE-ME placeholder of the template; set the real value`);
  }
  if (!result.success || problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  const config = result.data;
  const auth = resolveAuthMode(config);
  if (auth.problem) throw new ConfigError(`Invalid configuration: ${auth.problem}`);
  return { ...config, AUTH_MODE: auth.mode, SQLITE_PATH: config.SQLITE_PATH ?? resolve(config.DATA_DIR, 'flowline.db') };
}
