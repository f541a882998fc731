import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../support/harness.ts';

/** The benchmark harness end to end at a tiny volume: it runs, and it ends with the ratio lines. */
describe('npm run bench', () => {
  it('when run with a tiny workload, then its last lines are the throughput and p99 latency ratios', async () => {
    const args = ['--tenants', '3', '--rules', '2', '--events', '30', '--warmup', '5', '--rate', '30', '--rate-seconds', '1', '--skip-evaluation'];
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, AMQP_URL: inject('amqpUrl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^throughput ratio flowline\/baseline: \d+\.\d+$/);
    expect(lines.at(-1)).toMatch(/^p99 latency ratio flowline\/baseline: \d+\.\d+$/);
    expect(output).toMatch(/^flowline full speed +30 events/m);
  }, 120_000);
});
