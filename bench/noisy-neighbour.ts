import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import type { TenantId } from '@flowline/contracts';
import { defineTopology, deleteTopology } from '@flowline/messaging';
import { openSqliteStores } from '@flowline/storage';
import { BenchFleet } from './fleet.ts';
import { LatencyRecorder, type LatencySummary } from './latency.ts';
import { waitUntil } from './phase.ts';
import { BenchPublisher, type BenchMessage } from './publisher.ts';
import { BacklogSampler, scrapeDeferrals, type BacklogPeak } from './backlog-sampler.ts';
import { BENCH_ROUTING_KEY, BENCH_TRIGGER, benchEvent, benchEventData, benchRules, tenantId } from './workload.ts';

export interface NoisyNeighbourOptions {
  amqpUrl: string;
  /** A fresh namespace: its exchanges and queues are deleted at the end. */
  namespace: string;
  /** @defaultValue 2 */
  engines: number;
  /** @defaultValue 1 */
  executors: number;
  /** One `npm start` process (api, engine and executor together) instead of separate roles; `engines` and `executors` are then ignored. @defaultValue false */
  standalone: boolean;
  /** Tenants sending the steady load through the API. @defaultValue 20 */
  quietTenants: number;
  /** Events per second of all quiet tenants together, spread round-robin. @defaultValue 20 */
  quietRate: number;
  /** Length of each phase's quiet load. @defaultValue 20 */
  seconds: number;
  /** Events the flooding tenant publishes straight to the exchange. @defaultValue 8000 */
  floodEvents: number;
  /** The flood starts this long after the quiet load of its phase, so the first quiet events see an idle fleet. @defaultValue 1 */
  floodDelaySeconds: number;
  /**
   * The flood leaves out the optional `x-tenant-id` header, so the broker cannot route the flooder aside and only
   * the engines' deferral protects the others (docs/fairness.md). @defaultValue false
   */
  floodWithoutHeader: boolean;
  /** Pause between the flood phase's end and the next phase. @defaultValue 5 */
  settleSeconds: number;
  rulesPerTrigger: number;
  payloadBytes: number;
  prefetch: number;
  logLevel: string;
  log(line: string): void;
}

interface QuietPhase {
  name: string;
  sent: number;
  refused: Map<number, number>;
  latency: LatencySummary;
  /** Where the slowest 1% of the quiet events spent their time (flood phase only). */
  tail?: string;
}

/** The tenant that floods; the quiet ones are `bench-tenant-0` … */
const FLOODER = 'bench-flooder' as TenantId;
const WAIT_MS = 15 * 60_000;

/**
 * `npm run bench -- --noisy`: quiet tenants' latency with and without one tenant flooding.
 *
 * The real fleet (api, N engines, executor, each its own process) on a fresh namespace and
 * SQLite file. Every event matches exactly one rule, so it causes one action. Quiet tenants send
 * at a steady rate through the API (POST /api/v1/events, trusted-header auth); the flooder
 * publishes straight to the events exchange in the documented direct format (docs/direct-publish.md:
 * persistent, JSON, message id, `x-tenant-id` header) on a confirm channel, as fast as the broker
 * confirms. A quiet event's latency runs from its POST being sent to its action's `completed_at` in
 * the store, matched by event id; nothing is added to the roles' hot path.
 */
export async function runNoisyNeighbour(options: NoisyNeighbourOptions): Promise<{ ratio: number; met: boolean }> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'flowline-noisy-'));
  const sqlitePath = join(dir, 'flowline.db');
  const quiet = Array.from({ length: options.quietTenants }, (_, i) => tenantId(i));
  const stores = await openSqliteStores(sqlitePath);
  try {
    for (const tenant of [...quiet, FLOODER]) for (const rule of benchRules(tenant, options.rulesPerTrigger)) await stores.rules.insert(tenant, rule);
  } finally {
    await stores.close();
  }

  const fleet = new BenchFleet({
    AMQP_URL: options.amqpUrl,
    FLOWLINE_NAMESPACE: options.namespace,
    SQLITE_PATH: sqlitePath,
    MONGODB_URL: '',
    LOG_LEVEL: options.logLevel,
    PREFETCH: String(options.prefetch),
    // The bench authenticates as the trusted gateway would: X-Tenant-ID (docs/security.md).
    AUTH_MODE: 'trusted-header',
    // A finer backlog poll than the default 5 s, so the sampled peak below sees a flood that lasts seconds.
    BACKLOG_POLL_MS: '1000',
  });
  let publisher: BenchPublisher | undefined;
  let db: DatabaseSync | undefined;
  try {
    let engines: { port: number }[];
    let api: { port: number } | undefined;
    if (options.standalone) {
      // Its engine's metrics are on the api's port.
      [api] = await fleet.start('standalone');
      engines = [api!];
    } else {
      await fleet.start('executor', options.executors);
      engines = await fleet.start('engine', options.engines);
      [api] = await fleet.start('api');
    }
    publisher = await BenchPublisher.open(options.amqpUrl);
    db = new DatabaseSync(sqlitePath, { readOnly: true, timeout: 5000 });
    const bench = new NoisyBench(options, fleet, publisher, db, `http://127.0.0.1:${api!.port}`, quiet);
    const engineMetrics = engines.map((engine) => `http://127.0.0.1:${engine.port}/metrics`);
    const sampler = new BacklogSampler(engineMetrics, 'engine');
    log(
      `noisy neighbour: ${options.quietTenants} quiet tenants at ${options.quietRate} events/s in total through the API for ${options.seconds} s per phase; ` +
        `1 tenant publishes ${options.floodEvents} events straight to the exchange${options.floodWithoutHeader ? ' without the x-tenant-id header' : ''}; ` +
        `${options.standalone ? 'api, engine and executor in one process (npm start)' : `${options.engines} engine(s), ${options.executors} executor(s)`}, ` +
        `${options.rulesPerTrigger} rules per trigger, prefetch ${options.prefetch}`,
    );

    const loadAtStart = loadavg()[0]!;
    await bench.warmUp();
    sampler.start();
    const flood = await bench.phase('flood', true);
    const peak = sampler.stop();
    const deferrals = await scrapeDeferrals(engineMetrics, 'engine');
    // Let the roles settle (garbage collection, the SQLite checkpoint after thousands of writes) before the comparison phase.
    await sleep(options.settleSeconds * 1000);
    const noFlood = await bench.phase('no flood', false);

    for (const phase of [flood.quiet, noFlood.quiet]) report(log, phase);
    if (flood.quiet.tail) log(flood.quiet.tail);
    const flooder = flood.flooder!;
    log(
      `flooder: ${flooder.published} events published in ${flooder.publishSeconds.toFixed(2)} s (${(flooder.published / flooder.publishSeconds).toFixed(0)}/s); ` +
        `first publish → last action executed ${flooder.completionSeconds.toFixed(2)} s; actions executed ${flooder.executed}/${flooder.published}, lost ${flooder.published - flooder.executed}`,
    );
    log(describePeak(peak));
    const moved = [...deferrals.movedAside].map(([reason, n]) => `${n} ${reason}`).join(', ') || 'none';
    // What reached the main lane before the broker routed the flooder aside: the engines copy it over, message by message.
    log(`engines: main-lane messages moved to the deferred lane: ${moved}; taken from the deferred lane: ${deferrals.deferredLaneConsumed}`);
    // Tail latency is what this measures: a busy machine inflates the p99 without a flood most, and with it the ratio.
    log(`machine: ${availableParallelism()} cores, 1-min load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`);
    const [during, without] = [flood.quiet.latency.p99, noFlood.quiet.latency.p99];
    const bound = Math.max(2 * without, without + 250);
    const ratio = during / without;
    log(`target: p99 during flood ≤ max(2 × p99 without, p99 without + 250 ms) = ${bound.toFixed(1)} ms: ${during <= bound ? 'met' : 'not met'}`);
    log(`noisy neighbour p99 ratio (quiet tenants, flood/no flood): ${ratio.toFixed(2)}`);
    return { ratio, met: during <= bound };
  } finally {
    await publisher?.close();
    db?.close();
    await fleet.stop();
    await deleteTopology(options.amqpUrl, defineTopology(options.namespace));
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(log: (line: string) => void, phase: QuietPhase): void {
  const { latency } = phase;
  const refused = [...phase.refused].map(([status, n]) => `${n}× ${status}`).join(', ');
  log(
    `quiet tenants, ${phase.name.padEnd(8)}: ${latency.count} events, latency ms p50 ${latency.p50.toFixed(1)} p95 ${latency.p95.toFixed(1)} p99 ${latency.p99.toFixed(1)} max ${latency.max.toFixed(1)}` +
      (refused ? `; the API refused ${refused}` : ''),
  );
}

function describePeak(peak: BacklogPeak): string {
  if (peak.scrapes === 0) return 'engine backlog during the flood: not sampled (no metrics endpoint answered)';
  if (peak.total === undefined) return 'engine backlog during the flood: the engines export no flowline_queue_messages_ready';
  const queues = [...peak.queues].sort(([a], [b]) => a.length - b.length);
  const main = queues[0]![0];
  const lanes = queues.map(([queue, { ready, ageSeconds }]) => {
    const lane = queue === main ? 'main' : queue.slice(main.length + 1);
    // Only messages with a publish timestamp are aged; the documented direct format does not require one.
    const oldest = ready === 0 ? 'nothing waited' : ageSeconds === undefined ? 'oldest not measured: what waited carried no timestamp' : `oldest ${ageSeconds.toFixed(0)} s`;
    return `${lane} ${ready} (${oldest})`;
  });
  return `engine backlog peak during the flood (flowline_queue_messages_ready, oldest-message age): total ${peak.total}; ${lanes.join('; ')}`;
}

/** One run's state: the fleet's endpoints, the store to read outcomes from, and what was sent. */
class NoisyBench {
  readonly #options: NoisyNeighbourOptions;
  readonly #fleet: BenchFleet;
  readonly #publisher: BenchPublisher;
  readonly #db: DatabaseSync;
  readonly #apiUrl: string;
  readonly #quiet: TenantId[];
  #sequence = 0;
  /** Actions expected in the store once everything sent so far is processed. */
  #expected = 0;

  constructor(options: NoisyNeighbourOptions, fleet: BenchFleet, publisher: BenchPublisher, db: DatabaseSync, apiUrl: string, quiet: TenantId[]) {
    this.#options = options;
    this.#fleet = fleet;
    this.#publisher = publisher;
    this.#db = db;
    this.#apiUrl = apiUrl;
    this.#quiet = quiet;
  }

  /** One event of every tenant, so each engine's rule cache is warm before anything is measured. */
  async warmUp(): Promise<void> {
    const sent = new Map<string, number>();
    const refused = new Map<number, number>();
    await Promise.all(this.#quiet.map(() => this.#post(sent, refused)));
    if (refused.size > 0) throw new Error(`the API refused warm-up events: ${JSON.stringify([...refused])}`);
    await this.#publisher.fullSpeed(defineTopology(this.#options.namespace).publications.event.exchange, BENCH_ROUTING_KEY, this.#floodMessages(this.#options.engines));
    this.#expected += sent.size + this.#options.engines;
    await this.#waitForAll();
  }

  async phase(name: string, flooding: boolean): Promise<{ quiet: QuietPhase; flooder?: { published: number; publishSeconds: number; completionSeconds: number; executed: number } }> {
    const sent = new Map<string, number>();
    const refused = new Map<number, number>();
    const floodMessages = flooding ? this.#floodMessages(this.#options.floodEvents) : [];
    this.#publisher.publishedAt.clear();
    const load = this.#quietLoad(sent, refused);
    let publishSeconds = 0;
    let floodStartedAt = 0;
    const flood = flooding
      ? (async () => {
          await sleep(this.#options.floodDelaySeconds * 1000);
          const start = performance.now();
          floodStartedAt = performance.timeOrigin + start;
          await this.#publisher.fullSpeed(defineTopology(this.#options.namespace).publications.event.exchange, BENCH_ROUTING_KEY, floodMessages);
          publishSeconds = (performance.now() - start) / 1000;
        })()
      : Promise.resolve();
    await Promise.all([load, flood]);
    this.#expected += sent.size + floodMessages.length;
    await this.#waitForAll();
    // The notification is stored just before the action's result is recorded.
    let outcomes = new Map<string, number>();
    const wanted = [...sent.keys(), ...floodMessages.map((m) => m.id)];
    await waitUntil(() => {
      outcomes = this.#outcomes();
      return wanted.every((id) => outcomes.has(id));
    }, 'every action outcome to be recorded', 60_000, 250);
    const latency = new LatencyRecorder();
    for (const [id, at] of sent) {
      const completed = outcomes.get(id);
      if (completed === undefined) throw new Error(`quiet event ${id} has no executed action`);
      latency.record(completed - at);
    }
    const quiet: QuietPhase = { name, sent: sent.size, refused, latency: latency.summary() };
    if (!flooding) return { quiet };
    quiet.tail = this.#describeTail(sent, outcomes, floodStartedAt);

    let first = Infinity;
    let last = 0;
    let executed = 0;
    for (const [id, at] of this.#publisher.publishedAt) {
      first = Math.min(first, at);
      const completed = outcomes.get(id);
      if (completed === undefined) continue;
      executed += 1;
      last = Math.max(last, completed);
    }
    return { quiet, flooder: { published: floodMessages.length, publishSeconds, completionSeconds: (last - first) / 1000, executed } };
  }

  /**
   * The slowest 1% of the quiet events during the flood: when they were sent, relative to the flood's first publish,
   * and how their time split between reaching the engine (the event record's `received_at`) and the rest (rules,
   * the command, the executor).
   */
  #describeTail(sent: Map<string, number>, outcomes: Map<string, number>, floodStartedAt: number): string {
    const received = new Map(
      (this.#db.prepare("SELECT id, json_extract(doc, '$.received_at') AS received_at FROM events").all() as { id: string; received_at: string }[]).map((row) => [
        row.id,
        Date.parse(row.received_at),
      ]),
    );
    const slowest = [...sent]
      .map(([id, at]) => ({ at, total: outcomes.get(id)! - at, toEngine: (received.get(id) ?? NaN) - at }))
      .sort((a, b) => b.total - a.total)
      .slice(0, Math.max(1, Math.ceil(sent.size / 100)));
    const one = ({ at, total, toEngine }: (typeof slowest)[number]) =>
      `${total.toFixed(0)} ms (sent ${((at - floodStartedAt) / 1000).toFixed(2)} s after the flood began; ${toEngine.toFixed(0)} ms to the engine, ${(total - toEngine).toFixed(0)} ms after)`;
    return `quiet tenants, flood: slowest 1%: ${slowest.map(one).join('; ')}`;
  }

  /** `quietRate` events/s through the API for `seconds`, round-robin over the quiet tenants, never waiting on a slow answer. */
  async #quietLoad(sent: Map<string, number>, refused: Map<number, number>): Promise<void> {
    const { quietRate, seconds } = this.#options;
    const total = Math.max(1, Math.round(quietRate * seconds));
    const requests: Promise<void>[] = [];
    const start = performance.now();
    while (requests.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * quietRate) + 1);
      while (requests.length < due) requests.push(this.#post(sent, refused));
      await sleep(10);
    }
    await Promise.all(requests);
  }

  /** One quiet event through the API; its latency starts when the request is sent. */
  async #post(sent: Map<string, number>, refused: Map<number, number>): Promise<void> {
    const sequence = this.#sequence++;
    const tenant = this.#quiet[sequence % this.#quiet.length]!;
    const id = randomUUID();
    sent.set(id, performance.timeOrigin + performance.now());
    const status = await fetch(`${this.#apiUrl}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': tenant },
      body: JSON.stringify({ id, type: BENCH_TRIGGER, source: 'bench', data: benchEventData(sequence, this.#options.payloadBytes) }),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0);
    if (status === 202) return;
    // Refused events cause no action: counted and reported, not waited for.
    sent.delete(id);
    refused.set(status, (refused.get(status) ?? 0) + 1);
  }

  #floodMessages(count: number): BenchMessage[] {
    return Array.from({ length: count }, () => {
      const sequence = this.#sequence++;
      const event = benchEvent(FLOODER, sequence, this.#options.payloadBytes);
      return { id: event.id, tenant: FLOODER, body: Buffer.from(JSON.stringify(event)), withoutTenantHeader: this.#options.floodWithoutHeader };
    });
  }

  /** Until every action expected so far is in the store (a `count(*)` every 250 ms, cheap for the roles). */
  async #waitForAll(): Promise<void> {
    const count = this.#db.prepare('SELECT count(*) AS n FROM notifications');
    await waitUntil(() => {
      this.#fleet.assertAlive();
      return Number((count.get() as { n: number }).n) >= this.#expected;
    }, `${this.#expected} actions executed`, WAIT_MS, 250);
  }

  /** Event id → its action's `completed_at` (epoch ms), for every succeeded action in the store. */
  #outcomes(): Map<string, number> {
    const rows = this.#db
      .prepare(
        "SELECT e.event_id AS event_id, json_extract(r.doc, '$.completed_at') AS completed_at FROM action_results r JOIN executions e ON e.tenant_id = r.tenant_id AND e.id = r.execution_id WHERE json_extract(r.doc, '$.status') = 'succeeded'",
      )
      .all() as { event_id: string; completed_at: string }[];
    return new Map(rows.map((row) => [row.event_id, Date.parse(row.completed_at)]));
  }
}
