import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStores } from '@flowline/storage';
import { phaseStats } from './process-stats.ts';
import { BenchPublisher } from './publisher.ts';
import { freePort } from './free-port.ts';
import { sampleSum } from '../test/support/prometheus-text.ts';
import { publishPhase, summarisePhase, waitUntil, type PhaseMode, type PhaseResult, type Pipeline } from './phase.ts';
import { LatencyRecorder, type LatencySummary } from './latency.ts';
import { benchMessages, benchRules, tenantId } from './workload.ts';

const ROOT = resolve(import.meta.dirname, '..');

export interface FlowlineOptions {
  amqpUrl: string;
  namespace: string;
  tenants: number;
  rulesPerTrigger: number;
  payloadBytes: number;
  prefetch: number;
  logLevel: string;
  /** When set, engine and executor write `node --cpu-prof` profiles there. */
  cpuProfDir?: string;
  /** Run with the configuration's per-tenant flow-control limits rather than none. */
  tenantLimits?: boolean;
  /** Extra environment for both roles. */
  env?: Record<string, string>;
}

/**
 * The real system: the engine and the executor as their own processes (apps/<role>/src/main.ts),
 * each with its own connection, sharing one SQLite file, on a namespace of their own.
 *
 * "Action executed" is observed afterwards in the store, not by the pipeline: the executor
 * records each action's `completed_at` in its result record, so latency is that time minus the
 * publish time, and nothing is added to the hot path. While a phase runs, the only extra work
 * is a `count(*)` on the notifications table every 50 ms to know when to stop.
 */
export class FlowlinePipeline implements Pipeline {
  readonly name = 'flowline';
  readonly #options: FlowlineOptions;
  readonly #dir: string;
  readonly #sqlitePath: string;
  readonly #children: { name: string; child: ChildProcess; output: () => string }[] = [];
  #publisher: BenchPublisher | undefined;
  #db: DatabaseSync | undefined;
  #sequence = 0;
  #expected = 0;
  readonly #healthPorts: Record<string, number> = {};
  seedSeconds = 0;

  constructor(options: FlowlineOptions) {
    this.#options = options;
    this.#dir = mkdtempSync(join(tmpdir(), 'flowline-bench-'));
    this.#sqlitePath = join(this.#dir, 'flowline.db');
  }

  async start(): Promise<void> {
    const seedStart = performance.now();
    const stores = await openSqliteStores(this.#sqlitePath);
    try {
      for (let t = 0; t < this.#options.tenants; t += 1) {
        const tenant = tenantId(t);
        for (const rule of benchRules(tenant, this.#options.rulesPerTrigger)) await stores.rules.insert(tenant, rule);
      }
    } finally {
      await stores.close();
    }
    this.seedSeconds = (performance.now() - seedStart) / 1000;

    const [enginePort, executorPort] = [await freePort(), await freePort()];
    Object.assign(this.#healthPorts, { engine: enginePort, executor: executorPort });
    const env = {
      ...process.env,
      AMQP_URL: this.#options.amqpUrl,
      FLOWLINE_NAMESPACE: this.#options.namespace,
      SQLITE_PATH: this.#sqlitePath,
      LOG_LEVEL: this.#options.logLevel,
      PREFETCH: String(this.#options.prefetch),
      // The hot path's bench: a tenant of ten sends hundreds of events a second here, which per-tenant flow
      // control (docs/fairness.md) would rightly defer. Off unless --tenant-limits; the admission check still runs.
      ...(this.#options.tenantLimits ? {} : { TENANT_EVENT_RATE: '0', TENANT_MAX_EVENTS_IN_FLIGHT: String(this.#options.prefetch), TENANT_MAX_COMMANDS_IN_FLIGHT: String(this.#options.prefetch) }),
      ENGINE_HEALTH_PORT: String(enginePort),
      EXECUTOR_HEALTH_PORT: String(executorPort),
      ...this.#options.env,
    };
    this.#spawn('executor', env);
    this.#spawn('engine', env);
    for (const port of [executorPort, enginePort]) {
      await waitUntil(async () => {
        this.#assertAlive();
        return fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok).catch(() => false);
      }, `role on port ${port} to be ready`, 30_000, 100);
    }
    this.#publisher = await BenchPublisher.open(this.#options.amqpUrl);
    this.#db = new DatabaseSync(this.#sqlitePath, { readOnly: true, timeout: 5000 });
  }

  async run(phase: string, events: number, mode: PhaseMode): Promise<PhaseResult> {
    const publisher = this.#publisher!;
    const messages = benchMessages(this.#sequence, events, this.#options.tenants, this.#options.payloadBytes);
    this.#sequence += events;
    this.#expected += events;
    const recordsBefore = this.#records();
    const stats = phaseStats(this.#children.map(({ name, child }) => ({ name, pid: child.pid })));
    stats.forEach((s) => s.begin());
    publisher.publishedAt.clear();
    // A scrape starts prom-client's event-loop lag histogram afresh, so the next one covers this phase alone.
    await this.#eventLoopLag();

    await publishPhase(publisher, this.#options.namespace, messages, mode);
    const count = this.#db!.prepare('SELECT count(*) AS n FROM notifications');
    await waitUntil(() => {
      this.#assertAlive();
      return Number((count.get() as { n: number }).n) >= this.#expected;
    }, `${this.#expected} notifications`, 600_000);
    // The notification is stored just before the action's result is recorded.
    const done = this.#db!.prepare(
      "SELECT e.event_id AS event_id, e.created_at AS decided_at, json_extract(r.doc, '$.completed_at') AS completed_at " +
        "FROM action_results r JOIN executions e ON e.tenant_id = r.tenant_id AND e.id = r.execution_id WHERE json_extract(r.doc, '$.status') = 'succeeded'",
    );
    let rows: { event_id: string; decided_at: string; completed_at: string }[] = [];
    await waitUntil(() => {
      rows = (done.all() as typeof rows).filter((row) => publisher.publishedAt.has(row.event_id));
      return rows.length >= events;
    }, 'every action outcome to be recorded', 60_000, 200);
    const processes = stats.map((s) => ({ name: s.name, ...s.end() }));
    const eventLoopLag = await this.#eventLoopLag();
    const completions = rows.map((row) => [row.event_id, Date.parse(row.completed_at)] as const);
    const recordsAfter = this.#records();
    const written = Object.fromEntries(Object.entries(recordsAfter).map(([table, n]) => [table, n - recordsBefore[table]!]));
    return { ...summarisePhase({ pipeline: this.name, phase }, publisher.publishedAt, completions, processes), recordsWritten: written, stages: stageLatencies(rows, publisher.publishedAt), eventLoopLag };
  }

  /** Each role's `nodejs_eventloop_lag_p99_seconds` and `…_max_seconds` since the last scrape, in ms. */
  async #eventLoopLag(): Promise<Record<string, { p99: number; max: number }>> {
    const lag: Record<string, { p99: number; max: number }> = {};
    for (const [role, port] of Object.entries(this.#healthPorts)) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
      if (!text.includes('nodejs_eventloop_lag_p99_seconds')) continue;
      // prom-client times a timer due every 10 ms (its default precision): the lag is what came on top of that.
      const lagMs = (name: string) => 1000 * sampleSum(text, `nodejs_eventloop_lag_${name}_seconds`) - 10;
      lag[role] = { p99: lagMs('p99'), max: lagMs('max') };
    }
    return lag;
  }

  /** Rows per table the engine and executor write: the event log, executions, action results. */
  #records(): Record<string, number> {
    const count = (table: string) => Number((this.#db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { events: count('events'), executions: count('executions'), action_results: count('action_results') };
  }

  async stop(): Promise<void> {
    await this.#publisher?.close();
    this.#db?.close();
    await Promise.all(
      this.#children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #spawn(role: 'engine' | 'executor', env: NodeJS.ProcessEnv): void {
    const profile = this.#options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${this.#options.cpuProfDir}`, `--cpu-prof-name=${role}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, join(ROOT, 'apps', role, 'src', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.#children.push({ name: role, child, output: () => output });
  }

  #assertAlive(): void {
    for (const { name, child, output } of this.#children) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output()}`);
    }
  }
}

/**
 * Where an event's time goes, from the store's own timestamps (ms precision, one host clock): published → the
 * engine decided and recorded it (`received_at` and the execution's `created_at` are both the batch's time), →
 * the executor recorded the action done (`completed_at`: the command's publish, queueing and execution).
 */
function stageLatencies(rows: { event_id: string; decided_at: string; completed_at: string }[], publishedAt: ReadonlyMap<string, number>): Record<string, LatencySummary> {
  const stages = { 'to engine': new LatencyRecorder(), 'to action done': new LatencyRecorder() };
  for (const row of rows) {
    const published = publishedAt.get(row.event_id);
    if (published === undefined) continue;
    const [decided, completed] = [Date.parse(row.decided_at), Date.parse(row.completed_at)];
    stages['to engine'].record(decided - published);
    stages['to action done'].record(completed - decided);
  }
  return Object.fromEntries(Object.entries(stages).map(([name, recorder]) => [name, recorder.summary()]));
}
