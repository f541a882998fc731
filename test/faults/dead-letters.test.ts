import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, it } from 'vitest';
import { DeadLetterAdmin, defineTopology, eventRoutingKey } from '@flowline/messaging';
import { eventually, ROOT } from '../support/harness.ts';
import { FaultRig, report, RETRY, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';
import { describeEachStore } from '../support/store-target.ts';

const amqpUrl = inject('amqpUrl');
const rigs: FaultRig[] = [];
afterAll(() => Promise.all(rigs.map((rig) => rig.close())));

const run = promisify(execFile);
/** `flowline dlq <args>`, as an operator would run it. */
async function dlq(rig: FaultRig, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'apps', 'cli', 'src', 'main.ts'), 'dlq', ...args], {
    cwd: ROOT,
    env: { ...process.env, AMQP_URL: amqpUrl, FLOWLINE_NAMESPACE: rig.namespace },
  });
  return stdout;
}

describeEachStore('poison messages', (kind) => {
  it('when poison messages sit among good events, then each is dead-lettered with its reason, the workers keep running and every good event is processed', async () => {
    const rig = new FaultRig(amqpUrl, {}, kind);
    rigs.push(rig);
    const tenants = await rig.seed(3);
    const workers = await rig.spawnWorkers(1, 1);
    const channel = await rig.publisherChannel();

    const poison = new Map<string, { tenant: string; content: Buffer; routingKey?: string; reason: RegExp }>([
      ['malformed JSON', { tenant: 'tenant-000', content: Buffer.from('{"id": "oops'), reason: /^body is not valid JSON$/ }],
      ['schema-invalid', { tenant: 'tenant-000', content: Buffer.from(JSON.stringify({ id: randomUUID(), tenant_id: 'tenant-000' })), reason: /does not match the contract/ }],
      // No tenant registry exists: an unknown tenant is one whose id is not a valid tenant id.
      ['unknown tenant', { tenant: '../other tenant', content: json(rig.event(randomUUID(), '../other tenant')), reason: /tenant_id: must match/ }],
      [
        'unknown trigger',
        {
          tenant: 'tenant-001',
          content: json(rig.event(randomUUID(), 'tenant-001', { type: 'no_such_trigger' })),
          routingKey: eventRoutingKey('sales', 'no_such_trigger'),
          reason: /^unknown trigger 'no_such_trigger'$/,
        },
      ],
      [
        '1 MiB payload',
        {
          tenant: 'tenant-002',
          content: json(rig.event(randomUUID(), 'tenant-002', { data: { opportunity_id: 'big', value: 50_000, notes: 'x'.repeat(1024 * 1024) } })),
          reason: /over the 262144-byte limit/,
        },
      ],
    ]);
    const ids = new Map<string, string>();
    for (const [kind, message] of poison) {
      await rig.publishEvents(tenants, 10);
      const messageId = randomUUID();
      ids.set(messageId, kind);
      rig.publishRaw(channel, message.content, { messageId, tenant: message.tenant, routingKey: message.routingKey });
      await channel.waitForConfirms();
    }
    await rig.publishEvents(tenants, 10);
    await rig.waitForAllEffects(60_000);
    await eventually(async () => ((await rig.deadLetterCounts()).engine >= poison.size ? true : undefined), 30_000, 100);

    const admin = new DeadLetterAdmin({ url: amqpUrl, topology: defineTopology(rig.namespace, RETRY) });
    const letters = await admin.peek('engine.events', 50).finally(() => admin.close());
    const listed = await dlq(rig, 'list', '--queue', 'engine');
    const tally = await rig.tally();
    report('poison messages', tally, { poison: poison.size, deadLettered: letters.length });

    expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
    expect(tally).toMatchObject({ events: 60, effects: 60, lost: 0, duplicates: 0 });
    expect(new Set(letters.map((letter) => ids.get(letter.messageId ?? '')))).toEqual(new Set(poison.keys()));
    for (const letter of letters) {
      const kind = ids.get(letter.messageId ?? '')!;
      expect(letter.reason, kind).toMatch(poison.get(kind)!.reason);
      expect(letter.headers['x-flowline-attempts'], kind).toBe(1);
    }
    expect(listed).toContain(`${poison.size} dead letter(s)`);
    for (const id of ids.keys()) expect(listed).toContain(id);
    expect(await rig.deadLetterCounts()).toEqual({ engine: poison.size, executor: 0 });
  }, SCENARIO_TIMEOUT_MS);
});

// SQLite only: the outage is a lock another connection holds on the file.
it('when events were dead-lettered while the store was down, then flowline dlq replay runs each of them exactly once, also when replayed twice', async () => {
  // One attempt only, and a store lock that outlasts it: each event is dead-lettered.
  const rig = new FaultRig(amqpUrl, { MAX_DELIVERY_ATTEMPTS: '1', SQLITE_BUSY_TIMEOUT_MS: '10' });
  rigs.push(rig);
  const tenants = await rig.seed(2);
  await rig.spawnWorkers(1, 1);
  const locker = new DatabaseSync(rig.sqlitePath, { timeout: 10_000 });
  locker.exec('BEGIN EXCLUSIVE');
  await rig.publishEvents(tenants, 4);
  await eventually(async () => ((await rig.deadLetterCounts()).engine >= 4 ? true : undefined), 30_000, 100);
  locker.exec('COMMIT');
  locker.close();

  const inspected = await dlq(rig, 'inspect', '--queue', 'engine', '--limit', '1');
  const replayed = await dlq(rig, 'replay', '--queue', 'engine');
  await rig.waitForAllEffects(30_000);
  // A stale second copy of every dead letter (say, from an earlier dead-lettering) replayed too.
  const channel = await rig.publisherChannel();
  for (const { id, tenant } of rig.published) {
    channel.publish(`${rig.namespace}.dead-letter`, `${rig.namespace}.engine.events`, json(rig.event(id, tenant)), {
      persistent: true,
      messageId: id,
      headers: { 'x-tenant-id': tenant, 'x-flowline-reason': 'database is locked', 'x-flowline-original-routing-key': eventRoutingKey('sales', 'high_value_opportunity') },
    });
  }
  await channel.waitForConfirms();
  const replayedAgain = await dlq(rig, 'replay', '--queue', 'engine');
  await eventually(async () => ((await rig.deadLetterCounts()).engine === 0 ? true : undefined), 10_000, 100);
  const purged = await dlq(rig, 'purge', '--queue', 'executor', '--yes');
  await rig.waitUntilIdle();

  const tally = await rig.tally();
  report('dead-letter replay', tally, { replays: 2 });
  expect(inspected).toContain('"reason": "database is locked"');
  expect(replayed).toContain('replayed 4 dead letter(s)');
  expect(replayedAgain).toContain('replayed 4 dead letter(s)');
  expect(purged).toContain('nothing to purge');
  expect(tally).toMatchObject({ events: 4, effects: 4, lost: 0, duplicates: 0 });
  expect(await rig.deadLetterCounts()).toEqual({ engine: 0, executor: 0 });
}, SCENARIO_TIMEOUT_MS);

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
