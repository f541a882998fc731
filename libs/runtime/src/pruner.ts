import type { Config } from '@flowline/config';
import type { Logger } from '@flowline/observability';
import { pruneExpired, type RetentionPolicy, type Stores } from '@flowline/storage';

/** The retention settings as the stores take them. */
export function retentionFromConfig(config: Config): RetentionPolicy {
  return {
    executions: config.RETENTION_DAYS,
    notifications: config.NOTIFICATION_RETENTION_DAYS,
    tasks: config.TASK_RETENTION_DAYS,
    sentOutbox: config.OUTBOX_RETENTION_DAYS,
  };
}

/** The first pass waits this long at most, so that a start-up is never slowed by a backlog. */
const FIRST_PASS_MAX_DELAY_MS = 60_000;

/**
 * Prunes an SQLite store every `intervalMs`, in small batches between which the event loop runs
 * the role's own work (MongoDB needs none of this: its TTL indexes expire documents). A pass
 * that fails is logged and tried again at the next interval.
 */
export class Pruner {
  readonly #stores: Stores;
  readonly #policy: RetentionPolicy;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: { stores: Stores; policy: RetentionPolicy; intervalMs: number; logger: Logger }) {
    this.#stores = options.stores;
    this.#policy = options.policy;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
  }

  start(): void {
    this.#schedule(Math.min(this.#intervalMs, FIRST_PASS_MAX_DELAY_MS));
  }

  /** Cancels the next pass and waits for one under way (it stops after its current batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass now; what `flowline prune` and the timer run. */
  async runOnce(): Promise<void> {
    const started = Date.now();
    const deleted = await pruneExpired(this.#stores, this.#policy, {
      pause: async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#stopped) throw new PruneStopped();
      },
    });
    const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
    if (total > 0) this.#logger.info({ deleted, ms: Date.now() - started }, 'pruned rows past retention');
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((error: unknown) => {
          if (!(error instanceof PruneStopped)) this.#logger.warn({ err: error }, 'pruning failed; trying again at the next interval');
        })
        .finally(() => {
          this.#running = undefined;
          this.#schedule(this.#intervalMs);
        });
    }, delayMs);
    // Retention must never keep a finished process alive.
    this.#timer.unref();
  }
}

class PruneStopped extends Error {}
