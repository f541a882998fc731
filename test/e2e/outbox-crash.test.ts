import amqplib from 'amqplib';
import { parseTenantId } from '@flowline/contracts';
import { createMessageBus, defineTopology, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { client, deleteNamespace, eventually, spawnRole, uniqueNamespace, waitForLog, type RoleProcess } from '../support/harness.ts';
import { describeEachStore, storeTarget } from '../support/store-target.ts';

/*
 * The transactional outbox under a crash: an api that dies right after its write committed,
 * before publishing, loses no event; two apis started afterwards publish each one once. On each store.
 */
describeEachStore('outbox crash', (kind) => {
  const amqpUrl = inject('amqpUrl');
  const namespace = uniqueNamespace('outbox');
  const store = storeTarget(kind);
  const env = { AMQP_URL: amqpUrl, FLOWLINE_NAMESPACE: namespace, PORT: '0', HOST: '127.0.0.1', ...store.env };
  const tenant = parseTenantId('crash-corp');
  const roles: RoleProcess[] = [];
  let bus: MessageBus;
  let connection: amqplib.ChannelModel;
  /** Message ids seen on the events exchange, in arrival order, duplicates included. */
  const published: string[] = [];

  async function startApi(extraEnv: Record<string, string> = {}): Promise<string> {
    const api = spawnRole('api', { ...env, ...extraEnv });
    roles.push(api);
    await waitForLog(api, 'api listening');
    return `http://127.0.0.1:${/"port":(\d+)/.exec(api.output())?.[1]}`;
  }

  beforeAll(async () => {
    // Declares the topology, so the spy queue can bind before any api runs.
    bus = await createMessageBus({ amqpUrl, namespace, logger: silentLogger() });
    connection = await amqplib.connect(amqpUrl);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, defineTopology(namespace).exchanges.events.name, '#');
    await channel.consume(queue, (message) => message && published.push(String(message.properties.messageId)), { noAck: true });
  }, 30_000);

  afterAll(async () => {
    await Promise.all(roles.map((r) => r.stop()));
    await connection?.close();
    await bus?.close();
    await deleteNamespace(amqpUrl, namespace);
    await store.remove();
  });

  describe('transactional outbox', () => {
    it('when the api dies between commit and publish, then after a restart of two apis each event is published exactly once', async () => {
      const doomed = await startApi({ FLOWLINE_TEST_EXIT_AFTER_COMMIT: '1' });
      await expect(client(doomed, tenant).post('/api/v1/sales/opportunities', { name: 'Crash deal', value: 25000, owner: 'rep@example.com' })).rejects.toThrow();
      expect(await roles[0]!.exited).toBe(86);

      // The write committed with its two events, and nothing was published.
      const stores = await store.open();
      const queued = await stores.outbox.unsent(tenant);
      expect(queued.map((e) => e.type)).toEqual(['opportunity_created', 'high_value_opportunity']);
      const opportunityId = queued[0]!.data['opportunity_id'] as string;
      expect(await stores.entities.get(tenant, 'opportunity', opportunityId)).toMatchObject({ name: 'Crash deal', version: 1 });
      expect(published).toEqual([]);

      // Two relays over one store: the leases keep them from publishing a row twice.
      const [first] = await Promise.all([startApi(), startApi()]);
      await eventually(async () => (queued.every((e) => published.includes(e.id)) ? true : undefined), 20_000);

      // A later write is the barrier: once its event is through, a duplicate of the earlier ones would be too.
      const later = await client(first, tenant).post('/api/v1/crm/contacts', { name: 'Barrier', email: 'b@example.com' });
      expect(later.status).toBe(201);
      const barrier = await eventually(async () => {
        const [event] = await stores.outbox.unsent(tenant);
        return event === undefined ? true : undefined;
      }, 20_000);
      expect(barrier).toBe(true);
      await eventually(async () => (published.length >= 3 ? true : undefined), 20_000);

      expect(published.filter((id) => id === queued[0]!.id)).toHaveLength(1);
      expect(published.filter((id) => id === queued[1]!.id)).toHaveLength(1);
      expect(published).toHaveLength(3);
      await stores.close();
    }, 60_000);
  });
});
