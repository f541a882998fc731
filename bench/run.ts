/*
 * `npm run bench [-- --quick] [-- --tenants N --rules N --events N --payload BYTES --rate N ...]`
 * `npm run bench -- --noisy [--engines N | --standalone] [--quiet-tenants N --quiet-rate N --seconds N --flood-events N ...]`
 *
 * Drives the real system (RabbitMQ, engine and executor as their own processes) and, in the
 * same run under the same broker, a raw amqplib baseline with the same two hops. See
 * BENCHMARKS.md for what each figure means.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@flowline/config';
import { defineTopology, deleteTopology } from '@flowline/messaging';
import { BaselinePipeline } from './baseline-pipeline.ts';
import { runEvaluationBenchmark } from './evaluation-benchmark.ts';
import { FlowlinePipeline } from './flowline-pipeline.ts';
import { runNoisyNeighbour } from './noisy-neighbour.ts';
import { summariseProfile } from './profile-summary.ts';
import type { PhaseResult } from './phase.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tenants: { type: 'string' },
    rules: { type: 'string' },
    events: { type: 'string' },
    payload: { type: 'string' },
    rate: { type: 'string' },
    warmup: { type: 'string' },
    'rate-seconds': { type: 'string' },
    prefetch: { type: 'string' },
    'log-level': { type: 'string' },
    'cpu-prof': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'tenant-limits': { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    // Adds a third pipeline: the baseline writing the records issue 11 requires, and nothing else (bench/floor-records.ts).
    floor: { type: 'boolean', default: false },
    'skip-evaluation': { type: 'boolean', default: false },
    'amqp-url': { type: 'string' },
    // The noisy-neighbour mode (bench/noisy-neighbour.ts); --rules, --payload, --prefetch and --log-level apply too.
    noisy: { type: 'boolean', default: false },
    engines: { type: 'string' },
    standalone: { type: 'boolean', default: false },
    executors: { type: 'string' },
    'quiet-tenants': { type: 'string' },
    'quiet-rate': { type: 'string' },
    seconds: { type: 'string' },
    'flood-events': { type: 'string' },
    'flood-delay': { type: 'string' },
    'flood-without-header': { type: 'boolean', default: false },
    settle: { type: 'string' },
  },
});

const quick = values.quick;
const settings = {
  amqpUrl: values['amqp-url'] ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  tenants: Number(values.tenants ?? 1000),
  rulesPerTrigger: Number(values.rules ?? 20),
  /** Enough for the baseline's full-speed phase to last about a second even on a fast machine: shorter, start-up dominates. */
  events: Number(values.events ?? (quick ? 4000 : 10_000)),
  /**
   * One event per tenant at least, so that the measured phases see what a running engine sees: every tenant's
   * rules already cached (otherwise each of the first events of a tenant pays for reading and compiling its rules).
   */
  warmup: Number(values.warmup ?? Math.max(quick ? 200 : 500, Math.min(Number(values.tenants ?? 1000), 10_000))),
  payloadBytes: Number(values.payload ?? 512),
  /** Events/s of the fixed-rate phase; by default half of Flowline's full-speed throughput. */
  rate: values.rate === undefined ? undefined : Number(values.rate),
  rateSeconds: Number(values['rate-seconds'] ?? (quick ? 5 : 15)),
  /** Both pipelines always run with the same prefetch (and confirm window), Flowline's default unless given. */
  prefetch: Number(values.prefetch ?? loadConfig({}).PREFETCH),
  logLevel: values['log-level'] ?? 'warn',
  /** `--profile` alone profiles into a fresh directory under the system's temp dir. */
  cpuProfDir: values['cpu-prof'] ?? (values.profile ? mkdtempSync(join(tmpdir(), 'flowline-profile-')) : undefined),
};

const log = (line: string) => process.stdout.write(`${line}\n`);
const runId = randomUUID().slice(0, 8);

if (values.noisy) {
  await runNoisyNeighbour({
    amqpUrl: settings.amqpUrl,
    namespace: `bench-noisy-${runId}`,
    engines: Number(values.engines ?? 2),
    standalone: values.standalone,
    executors: Number(values.executors ?? 1),
    quietTenants: Number(values['quiet-tenants'] ?? 20),
    quietRate: Number(values['quiet-rate'] ?? 20),
    seconds: Number(values.seconds ?? 20),
    floodEvents: Number(values['flood-events'] ?? 8000),
    floodDelaySeconds: Number(values['flood-delay'] ?? 1),
    floodWithoutHeader: values['flood-without-header'],
    settleSeconds: Number(values.settle ?? 5),
    rulesPerTrigger: settings.rulesPerTrigger,
    payloadBytes: settings.payloadBytes,
    prefetch: settings.prefetch,
    logLevel: settings.logLevel,
    log,
  });
  // The normal bench's phases are not part of this mode.
  process.exit(0);
}
const namespaces = { flowline: `bench-fl-${runId}`, baseline: `bench-base-${runId}`, floor: `bench-floor-${runId}` };

log(
  `bench: ${settings.tenants} tenants × ${settings.rulesPerTrigger} rules per trigger, ${settings.events} events (+${settings.warmup} warm-up), ` +
    `payload ≈${settings.payloadBytes} B, prefetch ${settings.prefetch}, durable quorum queues, persistent messages, publisher confirms, ` +
    `per-tenant flow-control limits ${values['tenant-limits'] ? 'as configured' : 'off (--tenant-limits for the defaults; the admission check runs either way)'}`,
);

const results: PhaseResult[] = [];
const baseline = new BaselinePipeline({ amqpUrl: settings.amqpUrl, namespace: namespaces.baseline, tenants: settings.tenants, payloadBytes: settings.payloadBytes, prefetch: settings.prefetch });
const floor = values.floor
  ? new BaselinePipeline({ amqpUrl: settings.amqpUrl, namespace: namespaces.floor, tenants: settings.tenants, payloadBytes: settings.payloadBytes, prefetch: settings.prefetch, floor: { rules: settings.rulesPerTrigger } })
  : undefined;
if (settings.cpuProfDir) mkdirSync(settings.cpuProfDir, { recursive: true });
const flowline = new FlowlinePipeline({
  amqpUrl: settings.amqpUrl,
  namespace: namespaces.flowline,
  tenants: settings.tenants,
  rulesPerTrigger: settings.rulesPerTrigger,
  payloadBytes: settings.payloadBytes,
  prefetch: settings.prefetch,
  logLevel: settings.logLevel,
  cpuProfDir: settings.cpuProfDir,
  tenantLimits: values['tenant-limits'],
});

try {
  if (!values['skip-baseline']) {
    await baseline.start();
    await baseline.run('warm-up', settings.warmup, { kind: 'full-speed' });
    results.push(await baseline.run('full speed', settings.events, { kind: 'full-speed' }));
    report(results.at(-1)!);
  }
  if (floor) {
    await floor.start();
    await floor.run('warm-up', settings.warmup, { kind: 'full-speed' });
    results.push(await floor.run('full speed', settings.events, { kind: 'full-speed' }));
    report(results.at(-1)!);
  }

  await flowline.start();
  log(`flowline: seeded ${settings.tenants * settings.rulesPerTrigger} rules in ${flowline.seedSeconds.toFixed(1)} s`);
  await flowline.run('warm-up', settings.warmup, { kind: 'full-speed' });
  const flowlineFull = await flowline.run('full speed', settings.events, { kind: 'full-speed' });
  results.push(flowlineFull);
  report(flowlineFull);

  const rate = Math.max(1, Math.round(settings.rate ?? flowlineFull.throughput / 2));
  const rateEvents = Math.round(rate * settings.rateSeconds);
  if (!values['skip-baseline']) {
    results.push(await baseline.run(`fixed ${rate}/s`, rateEvents, { kind: 'fixed-rate', perSecond: rate }));
    report(results.at(-1)!);
  }
  if (floor) {
    results.push(await floor.run(`fixed ${rate}/s`, rateEvents, { kind: 'fixed-rate', perSecond: rate }));
    report(results.at(-1)!);
  }
  results.push(await flowline.run(`fixed ${rate}/s`, rateEvents, { kind: 'fixed-rate', perSecond: rate }));
  report(results.at(-1)!);
} finally {
  await flowline.stop().catch((error: unknown) => log(`flowline stop failed: ${String(error)}`));
  await baseline.stop().catch((error: unknown) => log(`baseline stop failed: ${String(error)}`));
  await floor?.stop().catch((error: unknown) => log(`floor stop failed: ${String(error)}`));
  await deleteNamespaces(settings.amqpUrl, Object.values(namespaces));
}

if (!values['skip-evaluation']) {
  const evaluation = await runEvaluationBenchmark({ rulesPerTrigger: settings.rulesPerTrigger, quick });
  log(evaluation.report);
  log(`evaluation speedup vs json-rules-engine: ${evaluation.speedup.toFixed(1)}×`);
}

if (settings.cpuProfDir) {
  // The roles write their profiles as they exit, which stop() waited for.
  for (const role of ['engine', 'executor']) {
    log(summariseProfile(join(settings.cpuProfDir, `${role}.cpuprofile`), 12));
  }
}
const find = (pipeline: string, fixed: boolean) => results.find((r) => r.pipeline === pipeline && r.phase.startsWith(fixed ? 'fixed' : 'full'));
const [fFull, bFull, fRate, bRate] = [find('flowline', false), find('baseline', false), find('flowline', true), find('baseline', true)];
if (fFull && bFull && fRate && bRate) {
  log(`(throughput from the full-speed phase; p99 from the fixed-rate phase, at a load both pipelines sustain)`);
  log(`throughput ratio flowline/baseline: ${(fFull.throughput / bFull.throughput).toFixed(2)}`);
  log(`p99 latency ratio flowline/baseline: ${(fRate.latency.p99 / bRate.latency.p99).toFixed(2)}`);
}
const [floorFull, floorRate] = [find('floor', false), find('floor', true)];
if (floorFull && bFull && fFull) {
  log(`throughput ratio floor/baseline: ${(floorFull.throughput / bFull.throughput).toFixed(2)} (the most any pipeline that writes issue 11's records reached here); flowline/floor: ${(fFull.throughput / floorFull.throughput).toFixed(2)}`);
}
if (floorRate && bRate && fRate) {
  log(`p99 latency ratio floor/baseline: ${(floorRate.latency.p99 / bRate.latency.p99).toFixed(2)}; flowline/floor: ${(fRate.latency.p99 / floorRate.latency.p99).toFixed(2)}`);
}
if (fFull) {
  const cpu = (name: string) => fFull.processes.find((p) => p.name === name);
  const [engine, executor] = [cpu('engine'), cpu('executor')];
  if (engine) log(`engine CPU per event (full speed): ${cpuMsPer(engine, fFull)} ms (target ≤ 0.25)`);
  if (executor) log(`executor CPU per command (full speed): ${cpuMsPer(executor, fFull)} ms (target ≤ 0.12)`);
}

function report(result: PhaseResult): void {
  const { latency } = result;
  log(
    `${result.pipeline.padEnd(8)} ${result.phase.padEnd(14)} ${result.events} events in ${result.seconds.toFixed(2)} s: ` +
      `${result.throughput.toFixed(0)} events/s; latency ms p50 ${latency.p50.toFixed(1)} p95 ${latency.p95.toFixed(1)} p99 ${latency.p99.toFixed(1)} max ${latency.max.toFixed(1)}`,
  );
  for (const p of result.processes) {
    // Every bench event causes exactly one action command, so per command is per event too.
    const unit = p.name === 'executor' ? 'command' : 'event';
    log(
      `           ${p.name.padEnd(16)} cpu ${p.cpuPercent.toFixed(0).padStart(3)}% of a core (${p.cpuSeconds.toFixed(2)} s, ${cpuMsPer(p, result)} ms CPU/${unit}), peak rss ${p.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  for (const [stage, summary] of Object.entries(result.stages ?? {})) {
    log(`           stage ${stage.padEnd(15)} ms p50 ${summary.p50.toFixed(1)} p95 ${summary.p95.toFixed(1)} p99 ${summary.p99.toFixed(1)} max ${summary.max.toFixed(1)}`);
  }
  for (const [role, lag] of Object.entries(result.eventLoopLag ?? {})) {
    log(`           ${role.padEnd(8)} event-loop lag ms p99 ${lag.p99.toFixed(1)} max ${lag.max.toFixed(1)}`);
  }
  if (result.recordsWritten) {
    const total = Object.values(result.recordsWritten).reduce((sum, n) => sum + n, 0);
    const detail = Object.entries(result.recordsWritten).map(([table, n]) => `${table} ${(n / result.events).toFixed(2)}`).join(', ');
    log(`           store records written per event: ${(total / result.events).toFixed(2)} (${detail})`);
  }
}

function cpuMsPer(process: { cpuSeconds: number }, result: PhaseResult): string {
  return ((1000 * process.cpuSeconds) / result.events).toFixed(3);
}

async function deleteNamespaces(url: string, names: string[]): Promise<void> {
  for (const name of names) await deleteTopology(url, defineTopology(name));
}
