import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi } from '@flowline/api';
import { startEngine } from '@flowline/engine';
import { startExecutor } from '@flowline/executor';
import {
  BROKER_ROLES,
  brokerDefinitions,
  brokerPermissions,
  createMessageBus,
  defineTopology,
  eventRoutingKey,
  HEADERS,
  rabbitPasswordHash,
  type BrokerRole,
  type MessageBus,
} from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { rabbitmqctlReaches } from '../faults/support/fault-rig.ts';
import { client, deleteNamespace, eventually, highValueEnvelope, tempDir, uniqueNamespace } from '../support/harness.ts';

/*
 * One RabbitMQ user per role, with only what the role does: the definitions the ops file is
 * generated from are imported into the real broker for a namespace of this test's own, and the
 * roles run with those users and AMQP_TOPOLOGY=verify.
 */
const amqpUrl = inject('amqpUrl');
const run = promisify(execFile);
const canAdminister = await rabbitmqctlReaches(amqpUrl);
const namespace = uniqueNamespace('users');
const dir = tempDir();
const RETRY = { maxAttempts: 3 };
const userOf = (role: BrokerRole) => `${namespace}-${role}`;
const passwordOf = (role: BrokerRole) => `${namespace}-${role}-secret`;
const urlOf = (role: BrokerRole) => {
  const url = new URL(amqpUrl);
  url.username = userOf(role);
  url.password = passwordOf(role);
  return url.toString();
};

let stores: Stores;
const buses: MessageBus[] = [];
const stops: Array<() => Promise<void>> = [];
let baseUrl = '';

beforeAll(async () => {
  if (!canAdminister) return;
  const topology = defineTopology(namespace, RETRY, 'operator');
  const permissions = brokerPermissions(topology);
  const users = await Promise.all(
    BROKER_ROLES.map(async (role) => ({ name: userOf(role), passwordHash: await rabbitPasswordHash(passwordOf(role)), tags: [], permission: permissions[role] })),
  );
  // Through stdin: the broker may not see this process's temporary directory.
  await importDefinitions(JSON.stringify(brokerDefinitions(topology, users)));

  stores = await openSqliteStores(join(dir.path, 'flowline.db'));
  const busFor = async (role: BrokerRole) => {
    const bus = await createMessageBus({ amqpUrl: urlOf(role), namespace, ...RETRY, topologyDeclaredBy: 'operator', logger: silentLogger(), connectTimeoutMs: 10_000 });
    buses.push(bus);
    return bus;
  };
  const executor = await startExecutor({ stores, bus: await busFor('executor'), logger: silentLogger() });
  const engine = await startEngine({ stores, bus: await busFor('engine'), logger: silentLogger() });
  const api = await startApi({ stores, bus: await busFor('api'), catalogue, logger: silentLogger(), port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${api.port}`;
  stops.push(() => api.stop(), () => engine.stop(), () => executor.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  for (const bus of buses) await bus.close();
  await stores?.close();
  if (canAdminister) {
    for (const role of BROKER_ROLES) await run('rabbitmqctl', ['delete_user', userOf(role)], { timeout: 30_000 }).catch(() => {});
    await deleteNamespace(amqpUrl, namespace, RETRY);
  }
  dir.remove();
}, 120_000);

function importDefinitions(json: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('rabbitmqctl', ['import_definitions'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rabbitmqctl import_definitions exited ${code}: ${stderr}`))));
    child.stdin.end(json);
  });
}

/** Publishes with a role's own user; resolves with the broker's answer. */
async function tryPublish(role: BrokerRole, exchange: string, routingKey: string, content: Buffer, headers: Record<string, unknown> = {}): Promise<'confirmed' | string> {
  const connection = await amqplib.connect(urlOf(role));
  connection.on('error', () => {});
  try {
    const channel = await connection.createConfirmChannel();
    const closed = new Promise<string>((resolve) => channel.on('error', (error: Error) => resolve(error.message)));
    channel.publish(exchange, routingKey, content, { persistent: true, messageId: randomUUID(), headers });
    return await Promise.race([channel.waitForConfirms().then(() => 'confirmed' as const), closed]);
  } finally {
    await connection.close().catch(() => {});
  }
}

async function tryConsume(role: BrokerRole, queue: string): Promise<'consuming' | string> {
  const connection = await amqplib.connect(urlOf(role));
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    const { consumerTag } = await channel.consume(queue, () => {}, { noAck: false });
    await channel.cancel(consumerTag);
    return 'consuming';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await connection.close().catch(() => {});
  }
}

describe.skipIf(!canAdminister)('least-privilege broker users', () => {
  const topology = defineTopology(namespace, RETRY, 'operator');
  const { events, actions } = topology.exchanges;

  it('when every role runs with its own user, then an event goes from the api through engine and executor to a task', async () => {
    const tenant = `users-${randomUUID().slice(0, 6)}`;
    const api = client(baseUrl, tenant);
    await api.post('/api/v1/automation/rules', {
      name: 'task', module_type: 'sales', trigger_id: 'high_value_opportunity', conditions: [],
      actions: [{ type: 'create_task', parameters: { title: 'call {{opportunity_id}}' } }],
    });
    expect((await api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 50_000 } })).status).toBe(202);
    const tasks = await eventually(async () => {
      const list = (await api.get('/api/v1/tasks')).body.items;
      return list.length === 1 ? list : undefined;
    });
    expect(tasks[0].title).toBe('call o1');
  });

  it('when an action is delayed, then the executor’s scheduler, with the executor’s user, sends it when it comes due', async () => {
    const tenant = `users-later-${randomUUID().slice(0, 6)}`;
    const api = client(baseUrl, tenant);
    await api.post('/api/v1/automation/rules', {
      name: 'task later', module_type: 'sales', trigger_id: 'high_value_opportunity', conditions: [],
      actions: [{ type: 'create_task', parameters: { title: 'later {{opportunity_id}}' }, delay: 'PT1S' }],
    });
    expect((await api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o2', value: 50_000 } })).status).toBe(202);
    const tasks = await eventually(async () => {
      const list = (await api.get('/api/v1/tasks')).body.items;
      return list.length === 1 ? list : undefined;
    }, 15_000);
    expect(tasks[0].title).toBe('later o2');
  });

  it('when a direct publisher uses its user, then it may publish events and nothing else', async () => {
    const event = Buffer.from(JSON.stringify(highValueEnvelope('acme-corp')));
    expect(await tryPublish('publisher', events.name, eventRoutingKey('sales', 'high_value_opportunity'), event, { [HEADERS.tenantId]: 'acme-corp' })).toBe('confirmed');
    expect(await tryPublish('publisher', actions.name, 'action.create_task', Buffer.from('{}'))).toMatch(/ACCESS_REFUSED/);
    expect(await tryPublish('publisher', topology.exchanges.deadLetter.name, topology.subscriptions['engine.events'].queue, Buffer.from('{}'))).toMatch(/ACCESS_REFUSED/);
    expect(await tryConsume('publisher', topology.subscriptions['engine.events'].queue)).toMatch(/ACCESS_REFUSED/);
  });

  it('when a role reaches past its job, then the broker refuses: the api cannot issue action commands, the api consumes nothing, the engine cannot take the executor’s queue nor the executor the engine’s', async () => {
    expect(await tryPublish('api', actions.name, 'action.create_task', Buffer.from('{}'))).toMatch(/ACCESS_REFUSED/);
    expect(await tryPublish('api', topology.exchanges.retry.name, 'x', Buffer.from('{}'))).toMatch(/ACCESS_REFUSED/);
    expect(await tryConsume('executor', topology.subscriptions['engine.events'].queue)).toMatch(/ACCESS_REFUSED/);
    expect(await tryConsume('api', topology.subscriptions['engine.events'].queue)).toMatch(/ACCESS_REFUSED/);
    expect(await tryConsume('engine', topology.subscriptions['executor.actions'].queue)).toMatch(/ACCESS_REFUSED/);
    expect(await tryConsume('executor', topology.subscriptions['executor.actions'].queue)).toBe('consuming');
  });

  it('when the engine and executor demote and promote a tenant with their own users, then the broker lets each move it between its own lanes only', async () => {
    const busAs = async (role: BrokerRole) => {
      const bus = await createMessageBus({ amqpUrl: urlOf(role), namespace, ...RETRY, topologyDeclaredBy: 'operator', logger: silentLogger(), connectTimeoutMs: 10_000 });
      buses.push(bus);
      return bus;
    };
    const engine = await busAs('engine');
    const executor = await busAs('executor');

    for (const lane of ['deferred', 'main'] as const) {
      await expect(engine.setTenantLane('engine.events', 'users-noisy', lane)).resolves.toBeUndefined();
      await expect(executor.setTenantLane('executor.actions', 'users-noisy', lane)).resolves.toBeUndefined();
    }
    await expect(engine.setTenantLane('executor.actions', 'users-noisy', 'deferred')).rejects.toThrow(/ACCESS_REFUSED/);
    await expect(executor.setTenantLane('engine.events', 'users-noisy', 'deferred')).rejects.toThrow(/ACCESS_REFUSED/);
    expect(await tryConsume('engine', topology.subscriptions['engine.events.deferred'].queue)).toBe('consuming');
    expect(await tryConsume('engine', topology.subscriptions['executor.actions.deferred'].queue)).toMatch(/ACCESS_REFUSED/);
  });
});
