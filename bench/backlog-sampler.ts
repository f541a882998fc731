import { sampleSum, samplesOf } from '../test/support/prometheus-text.ts';

export interface BacklogPeak {
  /** Scrapes that answered. */
  scrapes: number;
  /** Highest total backlog seen: the stage's ready messages over every lane; undefined when no worker exports it. */
  total: number | undefined;
  /** Per queue: the highest backlog and the highest oldest-message age seen (undefined: never reported). */
  queues: Map<string, { ready: number; ageSeconds: number | undefined }>;
}

/**
 * Reads the backlog metrics of a stage from its workers' /metrics every second while a phase
 * runs, to show what an operator's dashboard would have shown. Every worker of a stage reports
 * the same queues, so a scrape's backlog of a queue is the largest any worker reports, and its
 * age the smallest among the workers that saw messages waiting (the worker that consumed from it
 * most recently knows best).
 */
export class BacklogSampler {
  readonly #urls: string[];
  readonly #stage: string;
  readonly #peak: BacklogPeak = { scrapes: 0, total: undefined, queues: new Map() };
  #timer: NodeJS.Timeout | undefined;

  constructor(urls: string[], stage: string) {
    this.#urls = urls;
    this.#stage = stage;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#sample(), 1000);
    this.#timer.unref();
  }

  stop(): BacklogPeak {
    clearInterval(this.#timer);
    return this.#peak;
  }

  async #sample(): Promise<void> {
    const texts = await Promise.all(this.#urls.map((url) => fetch(url).then((r) => (r.ok ? r.text() : undefined)).catch(() => undefined)));
    const ready = new Map<string, number>();
    const age = new Map<string, number>();
    let answered = false;
    for (const text of texts) {
      if (text === undefined) continue;
      answered = true;
      const waiting = new Map(samples(text, 'flowline_queue_messages_ready', this.#stage));
      for (const [queue, value] of waiting) ready.set(queue, Math.max(ready.get(queue) ?? 0, value));
      // A worker's age counts only where that same worker saw messages waiting at its poll: an empty queue's 0 says nothing.
      for (const [queue, value] of samples(text, 'flowline_queue_oldest_message_age_seconds', this.#stage)) {
        if ((waiting.get(queue) ?? 0) > 0) age.set(queue, Math.min(age.get(queue) ?? Infinity, value));
      }
    }
    if (!answered) return;
    this.#peak.scrapes += 1;
    if (ready.size > 0) this.#peak.total = Math.max(this.#peak.total ?? 0, [...ready.values()].reduce((sum, n) => sum + n, 0));
    for (const [queue, n] of ready) {
      const peak = this.#peak.queues.get(queue) ?? { ready: 0, ageSeconds: undefined };
      peak.ready = Math.max(peak.ready, n);
      const seconds = age.get(queue);
      if (seconds !== undefined) peak.ageSeconds = Math.max(peak.ageSeconds ?? 0, seconds);
      this.#peak.queues.set(queue, peak);
    }
  }
}

/** `[queue, value]` of each sample of `name` with the given stage label. */
function samples(text: string, name: string, stage: string): [string, number][] {
  return samplesOf(text, name, { stage }).flatMap(({ labels, value }) => (labels['queue'] === undefined ? [] : [[labels['queue'], value] as [string, number]]));
}

/** What the stage's workers deferred, summed over them: main-lane messages moved aside by reason, and messages taken from the deferred lane. */
export async function scrapeDeferrals(urls: string[], stage: string): Promise<{ movedAside: Map<string, number>; deferredLaneConsumed: number }> {
  const movedAside = new Map<string, number>();
  let deferredLaneConsumed = 0;
  for (const url of urls) {
    const text = await fetch(url).then((r) => (r.ok ? r.text() : '')).catch(() => '');
    // Every reason a worker reports, whatever reasons the runtime adds later.
    for (const { labels, value } of samplesOf(text, 'flowline_admission_deferred_total', { stage })) {
      const reason = labels['reason'] ?? 'unknown';
      if (value > 0) movedAside.set(reason, (movedAside.get(reason) ?? 0) + value);
    }
    deferredLaneConsumed += sampleSum(text, 'flowline_deferred_lane_consumed_total', { stage });
  }
  return { movedAside, deferredLaneConsumed };
}
