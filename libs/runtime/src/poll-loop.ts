import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@flowline/observability';

/**
 * Runs `pass` again and again: at once when poked, else every `intervalMs`. A pass that throws
 * is logged and tried again on the next turn. Used by the workers that drain a store table
 * (the outbox relay, the action scheduler).
 */
export class PollLoop {
  readonly #pass: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #what: string;
  #running = false;
  #poked = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(what: string, pass: () => Promise<void>, intervalMs: number, logger: Logger) {
    this.#what = what;
    this.#pass = pass;
    this.#intervalMs = intervalMs;
    this.#logger = logger;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Asks for a pass now. */
  poke(): void {
    this.#poked = true;
    this.#wake?.();
  }

  /** Finishes the pass in progress, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#poked = false;
      try {
        await this.#pass();
      } catch (error) {
        this.#logger.warn({ err: error }, `${this.#what} pass failed; will retry`);
      }
      if (!this.#running || this.#poked) continue;
      const pause = new AbortController();
      this.#wake = () => pause.abort();
      await sleep(this.#intervalMs, undefined, { signal: pause.signal }).catch(() => {});
      this.#wake = undefined;
    }
  }
}
