/** One sample of a metric in Prometheus exposition text: its labels and its value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of one metric in Prometheus exposition text whose labels include all of `labels`,
 * so that a test or the bench can read a metric without a client library.
 */
export function samplesOf(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present: Record<string, string> = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) found.push({ labels: present, value: Number(match[3]) });
  }
  return found;
}

/** The sum of {@link samplesOf} (0 when there are none). */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(text, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}
