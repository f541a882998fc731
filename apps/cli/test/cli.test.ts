import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTenantId } from '@flowline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@flowline/api';
import { startEngine } from '@flowline/engine';
import { createMessageBus, InMemoryBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { eventually, ROOT, uniqueNamespace } from '../../../test/support/harness.ts';
import { makeExecution, recordExecution } from '../../../libs/storage/test/documents.ts';

const CLI = join(ROOT, 'apps', 'cli', 'src', 'main.ts');

/** Runs `flowline …` as its own process (asynchronously: the api it calls may be in this one). */
function flowline(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(options.stdin ?? '');
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const STACK = /^\s+at /m;

describe('flowline --help', () => {
  it.each([[[]], [['dlq']], [['token']], [['config']], [['prune']], [['dlq', 'purge']]])('when asked for help on %j, then it prints usage and exits 0', async (command) => {
    const run = await flowline([...command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: flowline ${command[0] ?? '<command>'}`));
    expect(run.stderr).toBe('');
  });

  it('when a command or option is unknown, then one line says so with a pointer to the help, no stack, exit 2', async () => {
    for (const args of [['bogus'], ['dlq', 'list', '--qeue', 'engine'], ['dlq', 'lst', '--queue', 'engine'], ['dlq', 'list', '--queue', 'enigne']]) {
      const run = await flowline(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^flowline[^\n]*: [^\n]+\n\(flowline [^\n]*--help shows how\)\n$/);
      expect(run.stderr).not.toMatch(STACK);
    }
  });
});

describe('flowline token', () => {
  const env = { JWT_SECRET: 'a-real-secret-of-at-least-32-characters-long' };
  it('when a scope is misspelled, then no token is minted and the known scopes are named', async () => {
    const run = await flowline(['token', '--tenant', 'acme-corp', '--scopes', 'automation:read,automaton:write'], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("unknown scope 'automaton:write'; known: automation:read, automation:write, events:publish, admin:dead-letters");
  });

  it('when the scopes are known, then a three-part token is printed', async () => {
    const run = await flowline(['token', '--tenant', 'acme-corp', '--scopes', 'automation:read'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('when the configuration is bad, then one line names the variable, without JSON or a stack (unless --verbose)', async () => {
    const run = await flowline(['token', '--tenant', 'acme-corp'], { env: { JWT_SECRET: 'CHANGE-ME-to-a-random-string-of-at-least-32-characters', PORT: 'eighty' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^flowline token: Invalid configuration: PORT: [^\n]*; JWT_SECRET: still the CHANGE-ME placeholder[^\n]*\n$/);
    const verbose = await flowline(['token', '--tenant', 'acme-corp', '--verbose'], { env: { PORT: 'eighty' } });
    expect(verbose.stderr).toMatch(STACK);
  });
});

describe('flowline config check', () => {
  it('when the environment is valid, then the effective settings are printed with secrets masked', async () => {
    const run = await flowline(['config', 'check'], { env: { AMQP_URL: 'amqp://flowline:s3cret@rabbit:5672', JWT_SECRET: 'a-real-secret-of-at-least-32-characters-long' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('AMQP_URL=amqp://flowline:********@rabbit:5672\n');
    expect(run.stdout).toContain('JWT_SECRET=********\n');
    expect(run.stdout).toContain('RETENTION_DAYS=30\n');
    expect(run.stdout).not.toContain('s3cret');
  });
});

describe('flowline prune', () => {
  it('when rows are past RETENTION_DAYS, then they are deleted, newer ones stay, and the counts are printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowline-prune-'));
    try {
      const path = join(dir, 'flowline.db');
      const stores = await openSqliteStores(path);
      const tenant = parseTenantId('acme-corp');
      const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
      for (const days of [40, 31, 2]) await recordExecution(stores, tenant, makeExecution(tenant, { created_at: daysAgo(days) }));
      await stores.close();

      const run = await flowline(['prune'], { env: { SQLITE_PATH: path, NOTIFICATION_RETENTION_DAYS: '0' } });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^pruned 2 execution\(s\), 0 notification\(s\), 0 task\(s\), 0 sent outbox row\(s\); .*flowline\.db: \d+ KiB → \d+ KiB\n$/);
      const reopened = await openSqliteStores(path);
      expect((await reopened.executions.list(tenant, { limit: 10 })).items).toHaveLength(1);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('flowline dlq against the in-process bus of a running api (npm start)', () => {
  let bus: InMemoryBus;
  let stores: Stores;
  let api: RunningApi;
  let engine: { stop(): Promise<void> };
  let apiUrl: string;
  const POISONED = 130;

  beforeAll(async () => {
    const logger = silentLogger();
    stores = await openSqliteStores(':memory:');
    bus = (await createMessageBus({ namespace: uniqueNamespace('cli'), logger })) as InMemoryBus;
    engine = await startEngine({ stores, bus, logger });
    api = await startApi({ stores, bus, catalogue, logger, port: 0, host: '127.0.0.1', deadLetters: bus.deadLetters() });
    apiUrl = `http://127.0.0.1:${api.port}`;
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    await bus?.close();
    await stores?.close();
  });

  /** Events the engine refuses for good: they land in the engine's dead-letter queue. */
  async function poison(count: number): Promise<void> {
    const before = await bus.deadLetters().count('engine.events');
    for (let i = 0; i < count; i += 1) {
      await bus.publish('event', { routingKey: 'crm.lead_created', body: { not: 'an event' }, messageId: `poison-${before + i}` });
    }
    await eventually(async () => ((await bus.deadLetters().count('engine.events')) === before + count ? true : undefined));
  }

  it('when dead letters exist, then list shows them, and a long replay reports its count on stderr', async () => {
    await poison(POISONED);
    const list = await flowline(['dlq', 'list', '--queue', 'engine', '--limit', '2', '--api', apiUrl]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`engine: ${POISONED} dead letter(s), showing the oldest 2`);
    expect(list.stdout).toMatch(/poison-0 {2}tenant=- {2}key=crm\.lead_created/);

    const replay = await flowline(['dlq', 'replay', '--queue', 'engine', '--api', apiUrl]);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toBe(`replayed ${POISONED}/${POISONED}\n`);
    expect(replay.stdout).toContain(`replayed ${POISONED} dead letter(s)`);
    // Replayed through the normal path, the engine refuses them again: back in the queue.
    await eventually(async () => ((await bus.deadLetters().count('engine.events')) === POISONED ? true : undefined));
  });

  it('when purge is not confirmed, then nothing is deleted; y or --yes deletes', async () => {
    const total = await bus.deadLetters().count('engine.events');
    expect(total).toBeGreaterThan(0);
    const refused = await flowline(['dlq', 'purge', '--queue', 'engine', '--api', apiUrl], { stdin: 'n\n' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Delete ${total} dead letter(s) from in-process bus of ${apiUrl} engine for good? [y/N]`);
    expect(refused.stderr).toContain('not purged');
    const unanswered = await flowline(['dlq', 'purge', '--queue', 'engine', '--api', apiUrl]);
    expect(unanswered.code).toBe(1);
    expect(await bus.deadLetters().count('engine.events')).toBe(total);

    const confirmed = await flowline(['dlq', 'purge', '--queue', 'engine', '--limit', '10', '--api', apiUrl], { stdin: 'y\n' });
    expect(confirmed.stdout).toContain('purged 10 dead letter(s)');
    const scripted = await flowline(['dlq', 'purge', '--queue', 'engine', '--yes', '--api', apiUrl]);
    expect(scripted.code).toBe(0);
    expect(scripted.stdout).toContain(`purged ${total - 10} dead letter(s)`);
    expect(await bus.deadLetters().count('engine.events')).toBe(0);
  });
});
