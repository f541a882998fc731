import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../support/harness.ts';

/** `npm run bench` with these arguments against the test broker: its exit code and everything it printed. */
async function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'run.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AMQP_URL: inject('amqpUrl') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** The benchmark harness end to end at a tiny volume: it runs, and it ends with the ratio lines. */
describe('npm run bench', () => {
  it('when run with a tiny workload, then it ends with the ratio lines and the CPU cost per event and per command', async () => {
    const args = ['--tenants', '3', '--rules', '2', '--events', '30', '--warmup', '5', '--rate', '30', '--rate-seconds', '1', '--skip-evaluation'];
    const { code, output } = await runBench(args);

    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines.at(-4)).toMatch(/^throughput ratio flowline\/baseline: \d+\.\d+$/);
    expect(lines.at(-3)).toMatch(/^p99 latency ratio flowline\/baseline: \d+\.\d+$/);
    expect(lines.at(-2)).toMatch(/^engine CPU per event \(full speed\): \d+\.\d+ ms/);
    expect(lines.at(-1)).toMatch(/^executor CPU per command \(full speed\): \d+\.\d+ ms/);
    expect(output).toMatch(/^flowline full speed +30 events/m);
    // One event record and one execution per event (one rule of two matches), one action result.
    expect(output).toMatch(/store records written per event: 3\.00 \(events 1\.00, executions 1\.00, action_results 1\.00\)/);
  }, 120_000);

  it('when run with --floor, then the floor pipeline moves every event through its records and its ratio lines are printed', async () => {
    const args = ['--tenants', '3', '--rules', '2', '--events', '30', '--warmup', '5', '--rate', '30', '--rate-seconds', '1', '--skip-evaluation', '--floor'];
    const { code, output } = await runBench(args);

    expect(code, output).toBe(0);
    // The sink counts an arrival only once its records are committed.
    expect(output).toMatch(/^floor +full speed +30 events/m);
    expect(output).toMatch(/^floor +fixed 30\/s +30 events/m);
    expect(output).toMatch(/^throughput ratio floor\/baseline: \d+\.\d+ .*; flowline\/floor: \d+\.\d+$/m);
    expect(output).toMatch(/^p99 latency ratio floor\/baseline: \d+\.\d+; flowline\/floor: \d+\.\d+$/m);
  }, 120_000);

  it('when run in noisy mode with a tiny flood, then it reports both phases, no flood event lost, and ends with the target and the ratio', async () => {
    const args = ['--noisy', '--engines', '2', '--quiet-tenants', '2', '--quiet-rate', '10', '--seconds', '1', '--flood-events', '40', '--rules', '2', '--flood-delay', '0', '--settle', '0'];
    const { code, output } = await runBench(args);

    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^target: p99 during flood ≤ max\(2 × p99 without, p99 without \+ 250 ms\) = \d+\.\d ms: (met|not met)$/);
    expect(lines.at(-1)).toMatch(/^noisy neighbour p99 ratio \(quiet tenants, flood\/no flood\): \d+\.\d\d$/);
    expect(output).toMatch(/^quiet tenants, flood +: 10 events, latency ms p50/m);
    expect(output).toMatch(/^quiet tenants, no flood: 10 events, latency ms p50/m);
    expect(output).toMatch(/^flooder: 40 events published .* actions executed 40\/40, lost 0$/m);
  }, 120_000);
});
