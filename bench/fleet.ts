import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.ts';
import { waitUntil } from './phase.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** `standalone` is `npm start`: api, engine and executor in one process. */
export type FleetRole = 'api' | 'engine' | 'executor' | 'standalone';

export interface FleetMember {
  /** `engine-1`, `engine-2`, …; `api` and `executor` for the single ones. */
  name: string;
  role: FleetRole;
  child: ChildProcess;
  /** The api's HTTP port, or a worker's health port (/ready, /metrics). */
  port: number;
  output(): string;
}

/**
 * Flowline's roles as their own processes (apps/<role>/src/main.ts), as a deployment runs them:
 * each with its own broker connection, on one namespace and one SQLite file given in `env`.
 */
export class BenchFleet {
  readonly members: FleetMember[] = [];
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: Record<string, string>) {
    this.#env = { ...process.env, ...env };
  }

  /** Starts `count` processes of a role and waits until each answers /ready. */
  async start(role: FleetRole, count = 1): Promise<FleetMember[]> {
    const started: FleetMember[] = [];
    for (let i = 1; i <= count; i += 1) {
      const port = await freePort();
      const portEnv = role === 'api' || role === 'standalone' ? { PORT: String(port), HOST: '127.0.0.1' } : { [role === 'engine' ? 'ENGINE_HEALTH_PORT' : 'EXECUTOR_HEALTH_PORT']: String(port) };
      const child = spawn(process.execPath, [join(ROOT, 'apps', role, 'src', 'main.ts')], { cwd: ROOT, env: { ...this.#env, ...portEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const name = count === 1 ? role : `${role}-${i}`;
      // BENCH_FLEET_LOGS=<dir> keeps each process's whole log there, for reading after a run.
      const logFile = process.env.BENCH_FLEET_LOGS ? join(process.env.BENCH_FLEET_LOGS, `${name}.log`) : undefined;
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        if (logFile) appendFileSync(logFile, chunk);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const member = { name, role, child, port, output: () => output };
      this.members.push(member);
      started.push(member);
    }
    for (const member of started) {
      await waitUntil(async () => {
        this.assertAlive();
        return fetch(`http://127.0.0.1:${member.port}/ready`).then((r) => r.ok).catch(() => false);
      }, `${member.name} on port ${member.port} to be ready`, 30_000, 100);
    }
    return started;
  }

  /** Throws, with the process's last output, when any member has exited. */
  assertAlive(): void {
    for (const { name, child, output } of this.members) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output()}`);
    }
  }

  /** SIGTERM to every member, then waits for each to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
