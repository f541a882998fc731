import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '@flowline/storage';
import { phaseStats } from './process-stats.ts';
import { BenchPublisher } from './publisher.ts';
import { publishPhase, summarisePhase, waitUntil, type PhaseMode, type PhaseResult, type Pipeline } from './phase.ts';
import { benchMessages } from './workload.ts';

export interface BaselineOptions {
  amqpUrl: string;
  namespace: string;
  tenants: number;
  payloadBytes: number;
  prefetch: number;
  /**
   * Makes this the floor pipeline (`--floor`): both stages also write issue 11's records to a fresh SQLite file
   * through Flowline's stores (see baseline-worker.ts).
   */
  floor?: { rules: number } | undefined;
}

/**
 * The raw amqplib pipeline (see baseline-worker.ts), as two processes like Flowline's. The sink
 * hands its arrival times over IPC when asked (every 50 ms), outside the consume path.
 */
export class BaselinePipeline implements Pipeline {
  readonly name: string;
  readonly #options: BaselineOptions;
  readonly #dir: string | undefined;
  readonly #children: { name: string; child: ChildProcess }[] = [];
  readonly #arrivals = new Map<string, number>();
  #publisher: BenchPublisher | undefined;
  #sequence = 0;

  constructor(options: BaselineOptions) {
    this.#options = options;
    this.name = options.floor ? 'floor' : 'baseline';
    this.#dir = options.floor ? mkdtempSync(join(tmpdir(), 'flowline-floor-')) : undefined;
  }

  async start(): Promise<void> {
    const floor = this.#dir === undefined ? [] : [join(this.#dir, 'floor.db'), String(this.#options.floor!.rules)];
    if (this.#dir !== undefined) {
      // Created before either stage opens it, so the two never race to create the schema.
      await (await openSqliteStores(floor[0]!)).close();
    }
    for (const role of ['sink', 'relay']) {
      const child = fork(join(import.meta.dirname, 'baseline-worker.ts'), [role, this.#options.amqpUrl, this.#options.namespace, String(this.#options.prefetch), ...floor], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`${this.name} ${role} exited with ${code}`)));
      });
      child.removeAllListeners('exit');
      if (role === 'sink') child.on('message', (batch) => this.#collect(batch));
      this.#children.push({ name: `${this.name} ${role}`, child });
    }
    this.#publisher = await BenchPublisher.open(this.#options.amqpUrl);
  }

  async run(phase: string, events: number, mode: PhaseMode): Promise<PhaseResult> {
    const publisher = this.#publisher!;
    const messages = benchMessages(this.#sequence, events, this.#options.tenants, this.#options.payloadBytes);
    this.#sequence += events;
    const stats = phaseStats(this.#children.map(({ name, child }) => ({ name, pid: child.pid })));
    stats.forEach((s) => s.begin());
    publisher.publishedAt.clear();
    this.#arrivals.clear();
    const sink = this.#children.find((c) => c.name === `${this.name} sink`)!.child;
    const poll = setInterval(() => sink.send('collect'), 50);
    try {
      await publishPhase(publisher, this.#options.namespace, messages, mode);
      await waitUntil(() => this.#arrivals.size >= events, `${events} ${this.name} arrivals`, 600_000);
    } finally {
      clearInterval(poll);
    }
    const processes = stats.map((s) => ({ name: s.name, ...s.end() }));
    return summarisePhase({ pipeline: this.name, phase }, publisher.publishedAt, this.#arrivals, processes);
  }

  async stop(): Promise<void> {
    await this.#publisher?.close();
    for (const { child } of this.#children) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
  }

  #collect(batch: unknown): void {
    if (!Array.isArray(batch)) return;
    for (const [id, at] of batch as [string, number][]) {
      if (this.#publisherKnows(id)) this.#arrivals.set(id, at);
    }
  }

  #publisherKnows(id: string): boolean {
    return this.#publisher?.publishedAt.has(id) ?? false;
  }
}
