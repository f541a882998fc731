import type { LatencySummary } from './latency.ts';

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
}

/** A pipeline under test: something that takes events and, eventually, executes one action each. */
export interface Pipeline {
  readonly name: string;
  /** Publishes the events, waits until every one has its action executed, and measures. */
  run(phase: string, events: number, mode: { kind: 'full-speed' } | { kind: 'fixed-rate'; perSecond: number }): Promise<PhaseResult>;
  stop(): Promise<void>;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
