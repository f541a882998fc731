import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** End-to-end latencies in ms, kept in an HDR histogram at 10 µs resolution. */
export class LatencyRecorder {
  readonly #histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_00, numberOfSignificantValueDigits: 3, useWebAssembly: false });

  record(ms: number): void {
    this.#histogram.recordValue(Math.max(1, Math.round(ms * 100)));
  }

  summary(): LatencySummary {
    const at = (percentile: number) => this.#histogram.getValueAtPercentile(percentile) / 100;
    return { count: this.#histogram.totalCount, p50: at(50), p95: at(95), p99: at(99), max: this.#histogram.maxValue / 100 };
  }
}
