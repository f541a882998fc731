import { defineTopology } from '@flowline/messaging';
import { LatencyRecorder, type LatencySummary } from './latency.ts';
import type { BenchMessage, BenchPublisher } from './publisher.ts';
import { BENCH_ROUTING_KEY } from './workload.ts';

export interface ProcessFigures {
  name: string;
  cpuPercent: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

/** What one measured phase (full speed or fixed rate) of one pipeline produced. */
export interface PhaseResult {
  pipeline: string;
  phase: string;
  events: number;
  seconds: number;
  /** Events fully processed per second: from the first publish to the last action executed. */
  throughput: number;
  latency: LatencySummary;
  processes: ProcessFigures[];
  /** Store rows written during the phase, per table (Flowline only). */
  recordsWritten?: Record<string, number>;
  /** Latency of each stage of the pipeline, where the pipeline can tell (Flowline only). */
  stages?: Record<string, LatencySummary>;
  /** How late each role's event loop ran timers during the phase, in ms (Flowline only, from its /metrics). */
  eventLoopLag?: Record<string, { p99: number; max: number }>;
}

/** A pipeline under test: something that takes events and, eventually, executes one action each. */
export interface Pipeline {
  readonly name: string;
  /** Publishes the events, waits until every one has its action executed, and measures. */
  run(phase: string, events: number, mode: PhaseMode): Promise<PhaseResult>;
  stop(): Promise<void>;
}

export type PhaseMode = { kind: 'full-speed' } | { kind: 'fixed-rate'; perSecond: number };

/** Publishes a phase's events to a namespace's events exchange, at full speed or at a fixed rate. */
export async function publishPhase(publisher: BenchPublisher, namespace: string, messages: BenchMessage[], mode: PhaseMode): Promise<void> {
  const exchange = defineTopology(namespace).publications.event.exchange;
  if (mode.kind === 'full-speed') await publisher.fullSpeed(exchange, BENCH_ROUTING_KEY, messages);
  else await publisher.fixedRate(exchange, BENCH_ROUTING_KEY, messages, mode.perSecond);
}

/** Throughput (first publish to last completion) and latency (publish to completion) of a phase. */
export function summarisePhase(
  names: { pipeline: string; phase: string },
  publishedAt: ReadonlyMap<string, number>,
  completions: Iterable<readonly [string, number]>,
  processes: ProcessFigures[],
): PhaseResult {
  const latency = new LatencyRecorder();
  let first = Infinity;
  let last = 0;
  let events = 0;
  for (const at of publishedAt.values()) first = Math.min(first, at);
  for (const [id, completed] of completions) {
    const published = publishedAt.get(id);
    if (published === undefined) continue;
    events += 1;
    last = Math.max(last, completed);
    latency.record(completed - published);
  }
  const seconds = (last - first) / 1000;
  return { ...names, events, seconds, throughput: events / seconds, latency: latency.summary(), processes };
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
