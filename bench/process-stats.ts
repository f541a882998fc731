import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

interface Sample {
  at: number;
  cpuTicks: number;
}

/** CPU and RSS of one process, read from /proc so the measured process does nothing extra. */
export class ProcessStats {
  readonly name: string;
  readonly #pid: number;
  #start: Sample | undefined;
  #maxRssBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(name: string, pid: number) {
    this.name = name;
    this.#pid = pid;
  }

  /** Starts a measured phase: CPU counts from here, peak RSS is sampled every 250 ms. */
  begin(): void {
    this.#start = this.#sample();
    this.#maxRssBytes = this.#rss();
    this.#timer = setInterval(() => (this.#maxRssBytes = Math.max(this.#maxRssBytes, this.#rss())), 250);
    this.#timer.unref();
  }

  /** CPU as a percentage of one core over the phase, and the peak RSS in MiB. */
  end(): { cpuPercent: number; cpuSeconds: number; peakRssMiB: number } {
    clearInterval(this.#timer);
    const end = this.#sample();
    const start = this.#start ?? end;
    this.#maxRssBytes = Math.max(this.#maxRssBytes, this.#rss());
    const cpuSeconds = (end.cpuTicks - start.cpuTicks) / CLOCK_TICKS_PER_SECOND;
    const wallSeconds = Math.max((end.at - start.at) / 1000, 1e-3);
    return { cpuPercent: (100 * cpuSeconds) / wallSeconds, cpuSeconds, peakRssMiB: this.#maxRssBytes / 1024 / 1024 };
  }

  #sample(): Sample {
    try {
      const stat = readFileSync(`/proc/${this.#pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces): utime is the 14th, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { at: Date.now(), cpuTicks: Number(fields[11]) + Number(fields[12]) };
    } catch {
      return { at: Date.now(), cpuTicks: 0 };
    }
  }

  #rss(): number {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.#pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }
}

/**
 * The local RabbitMQ node's Erlang VM, when the broker runs on this host: its CPU per event is shown beside the
 * pipelines' own, since on a small machine broker, workers and publisher share the same cores.
 */
export function localBrokerPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'beam.smp') return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}

/** Stats of each process plus, when it runs here, the broker's. */
export function phaseStats(processes: { name: string; pid: number | undefined }[]): ProcessStats[] {
  const broker = localBrokerPid();
  const all = processes.map(({ name, pid }) => new ProcessStats(name, pid ?? 0));
  if (broker !== undefined) all.push(new ProcessStats('broker (shared)', broker));
  return all;
}
