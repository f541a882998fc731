import type { SQLInputValue } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

export interface WriteStatement {
  sql: string;
  params: readonly SQLInputValue[];
}

/** A statement and those that run after it only when it changed a row (an event's executions after its record, say). */
export interface WriteGroup {
  head: WriteStatement;
  dependents: readonly WriteStatement[];
}

export interface WriterRequest {
  id: number;
  groups: readonly WriteGroup[];
}

export type WriterReply = { id: number; changes: number[] } | { id: number; error: { message: string; code: unknown; errcode: unknown } };

/**
 * Runs write transactions on a connection of its own, on a worker thread. node:sqlite is
 * synchronous: on the event loop, a transaction's lock wait (another process holding the lock,
 * up to its budget), its inserts and its commit (with the checkpoint SQLite folds into one commit
 * in a few dozen, several milliseconds) stop every other delivery, confirm and ack of the process
 * meanwhile. Here they stop only this thread; the caller's loop goes on. Started on the first
 * write, so a process that never writes this way starts no thread.
 *
 * A worker that fails rejects what it had been asked, and the writer reports itself {@link broken}:
 * its owner then writes on its own connection again, as before.
 */
export class SqliteWriter {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #onFailure: ((error: unknown) => void) | undefined;
  readonly #pending = new Map<number, { resolve: (changes: number[]) => void; reject: (error: unknown) => void }>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #worker: Worker | undefined;
  #nextId = 1;
  #broken = false;
  #closed = false;

  constructor(path: string, busyTimeoutMs: number, onFailure?: (error: unknown) => void) {
    this.#path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#onFailure = onFailure;
  }

  /** True once the worker has failed or the writer was closed: write on the caller's own connection instead. */
  get broken(): boolean {
    return this.#broken || this.#closed;
  }

  /** Runs the groups in one transaction; resolves with the rows each group's first statement changed. */
  write(groups: readonly WriteGroup[]): Promise<number[]> {
    if (this.broken) return Promise.reject(new Error('the SQLite writer thread is not running'));
    const worker = this.#started();
    const id = this.#nextId++;
    const written = new Promise<number[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Keeps the process alive while a write is under way, and only then.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, groups } satisfies WriterRequest);
    });
    const tracked = written.catch(() => {}).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return written;
  }

  /** Waits for the writes under way, then stops the thread. Safe to call more than once. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#worker?.terminate();
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(new URL('./sqlite-writer-worker.ts', import.meta.url), {
      workerData: { path: this.#path, busyTimeoutMs: this.#busyTimeoutMs },
    });
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.#reply(worker, reply));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the SQLite writer thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #reply(worker: Worker, reply: WriterReply): void {
    const entry = this.#pending.get(reply.id);
    if (entry === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) worker.unref();
    if ('changes' in reply) entry.resolve(reply.changes);
    else entry.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code, errcode: reply.error.errcode }));
  }

  #fail(error: unknown): void {
    if (this.#broken) return;
    // Terminated by close(): nothing failed.
    if (this.#closed && this.#pending.size === 0) return;
    this.#broken = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
    this.#onFailure?.(error);
  }
}
