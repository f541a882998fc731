import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defineTopology } from '@flowline/messaging';
import { LatencyRecorder } from './latency.ts';
import { ProcessStats } from './process-stats.ts';
import { BenchPublisher, type BenchMessage } from './publisher.ts';
import { waitUntil, type PhaseResult, type Pipeline } from './phase.ts';
import { BENCH_ROUTING_KEY, benchEvent, tenantId } from './workload.ts';

export interface BaselineOptions {
  amqpUrl: string;
  namespace: string;
  tenants: number;
  payloadBytes: number;
  prefetch: number;
}

/**
 * The raw amqplib pipeline (see baseline-worker.ts), as two processes like Flowline's. The sink
 * hands its arrival times over IPC when asked (every 50 ms), outside the consume path.
 */
export class BaselinePipeline implements Pipeline {
  readonly name = 'baseline';
  readonly #options: BaselineOptions;
  readonly #children: { name: string; child: ChildProcess }[] = [];
  readonly #arrivals = new Map<string, number>();
  #publisher: BenchPublisher | undefined;
  #sequence = 0;

  constructor(options: BaselineOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    for (const role of ['sink', 'relay']) {
      const child = fork(join(import.meta.dirname, 'baseline-worker.ts'), [role, this.#options.amqpUrl, this.#options.namespace, String(this.#options.prefetch)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`baseline ${role} exited with ${code}`)));
      });
      child.removeAllListeners('exit');
      if (role === 'sink') child.on('message', (batch) => this.#collect(batch));
      this.#children.push({ name: `baseline ${role}`, child });
    }
    this.#publisher = await BenchPublisher.open(this.#options.amqpUrl);
  }

  async run(phase: string, events: number, mode: { kind: 'full-speed' } | { kind: 'fixed-rate'; perSecond: number }): Promise<PhaseResult> {
    const publisher = this.#publisher!;
    const messages: BenchMessage[] = [];
    for (let i = 0; i < events; i += 1) {
      const sequence = this.#sequence++;
      const tenant = tenantId(sequence % this.#options.tenants);
      const event = benchEvent(tenant, sequence, this.#options.payloadBytes);
      messages.push({ id: event.id, tenant, body: Buffer.from(JSON.stringify(event)) });
    }
    const stats = this.#children.map(({ name, child }) => new ProcessStats(name, child.pid ?? 0));
    stats.forEach((s) => s.begin());
    publisher.publishedAt.clear();
    this.#arrivals.clear();
    const sink = this.#children.find((c) => c.name === 'baseline sink')!.child;
    const poll = setInterval(() => sink.send('collect'), 50);

    const exchange = defineTopology(this.#options.namespace).publications.event.exchange;
    try {
      if (mode.kind === 'full-speed') await publisher.fullSpeed(exchange, BENCH_ROUTING_KEY, messages);
      else await publisher.fixedRate(exchange, BENCH_ROUTING_KEY, messages, mode.perSecond);
      await waitUntil(() => this.#arrivals.size >= events, `${events} baseline arrivals`, 600_000);
    } finally {
      clearInterval(poll);
    }
    const processes = stats.map((s) => ({ name: s.name, ...s.end() }));

    const latency = new LatencyRecorder();
    let first = Infinity;
    let last = 0;
    for (const at of publisher.publishedAt.values()) first = Math.min(first, at);
    for (const [id, arrived] of this.#arrivals) {
      last = Math.max(last, arrived);
      latency.record(arrived - publisher.publishedAt.get(id)!);
    }
    const seconds = (last - first) / 1000;
    return { pipeline: this.name, phase, events, seconds, throughput: events / seconds, latency: latency.summary(), processes };
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
