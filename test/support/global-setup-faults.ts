import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import setup from './global-setup.ts';

/*
 * `npm run test:faults` runs 5,000 events per scenario, for minutes, against MongoDB too. On a machine
 * without Docker the MongoDB-wire server is the SecantusDB of scripts/test-services.sh, one Python process
 * that every test run on the machine shares and that slows down as their data piles up; the workers under
 * test then crawl into the scenarios' timeouts. So when the tests would use that shared server, this suite
 * starts a SecantusDB of its own, fresh, for the length of the run. (MONGODB_URL, or the mongo:8
 * testcontainer the script chooses when a Docker engine answers, are used as they are.)
 */

const SECANTUSD = resolve(import.meta.dirname, '../../.venv-test/bin/secantusd-py');
const SHARED_URL_FILE = resolve(import.meta.dirname, '../../.test-services/mongodb.url');

export default async function faultsSetup(project: TestProject): Promise<() => Promise<void>> {
  const shared = !process.env.MONGODB_URL && existsSync(SHARED_URL_FILE) && existsSync(SECANTUSD);
  const own = shared ? await startSecantus() : undefined;
  if (own) process.env.MONGODB_URL = own.url;
  const teardown = await setup(project);
  return async () => {
    await teardown();
    await own?.stop();
  };
}

async function startSecantus(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(SECANTUSD, ['--host', '127.0.0.1', '--port', String(port), '--storage-path', ':memory:', '--log-level', 'WARNING', '--cache-size', '512M'], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the fault suite's own SecantusDB did not come up on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `mongodb://127.0.0.1:${port}/`, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
