import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import type { Stores } from '@flowline/storage';
import { PollLoop } from './poll-loop.ts';

export interface LeasedDrainOptions {
  stores: Stores;
  bus: MessageBus;
  logger: Logger;
  /** How often the store is checked when nothing pokes the worker (rows a dead process left, or another wrote). */
  pollIntervalMs?: number;
  /**
   * How long a claimed row is this worker's alone; past it another may publish it again, which
   * the deterministic ids downstream turn into a no-op.
   */
  leaseMs?: number;
  batchSize?: number;
}

/**
 * A worker that claims rows from a store table with a lease and publishes them (the outbox
 * relay, the action scheduler): any number may run over one store. Subclasses drain one pass.
 */
export abstract class LeasedDrain {
  protected readonly options: Required<LeasedDrainOptions>;
  /** Who holds this worker's leases: unique per process and instance. */
  protected readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #loop: PollLoop;

  constructor(what: string, options: LeasedDrainOptions, defaults: { pollIntervalMs: number; leaseMs: number; batchSize: number }) {
    this.options = { ...defaults, ...options };
    this.#loop = new PollLoop(what, () => this.drain(), this.options.pollIntervalMs, this.options.logger);
  }

  protected get running(): boolean {
    return this.#loop.running;
  }

  start(): void {
    this.#loop.start();
  }

  /** Asks for a pass now, e.g. right after a write committed rows. */
  poke(): void {
    this.#loop.poke();
  }

  /** Finishes the pass in progress, then stops; unclaimed rows stay for the next worker. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  protected abstract drain(): Promise<void>;
}
