import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, deleteNamespace, eventually, separateProcessEnv, spawnRole, uniqueNamespace, waitForLog, type RoleProcess } from '../support/harness.ts';
import { describeEachStore, storeTarget } from '../support/store-target.ts';

/*
 * api, two engines and two executors as five OS processes sharing one store (an SQLite file, or
 * a MongoDB database) and one RabbitMQ namespace, the way `npm run start:*` runs them.
 */
describeEachStore('fleet of five', (kind) => {
  const amqpUrl = inject('amqpUrl');
  const namespace = uniqueNamespace('mp');
  const store = storeTarget(kind);
  const env = separateProcessEnv({ amqpUrl, namespace, store }, { PREFETCH: '4' });
  const roles: RoleProcess[] = [];
  let baseUrl = '';

  beforeAll(async () => {
    const workers = [spawnRole('engine', env), spawnRole('engine', env), spawnRole('executor', env), spawnRole('executor', env)];
    roles.push(...workers);
    await Promise.all(workers.map((w) => waitForLog(w, 'started')));
    const api = spawnRole('api', env);
    roles.push(api);
    await waitForLog(api, 'api listening');
    const port = /"port":(\d+)/.exec(api.output())?.[1];
    baseUrl = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(roles.map((r) => r.stop()));
    await deleteNamespace(amqpUrl, namespace);
    await store.remove();
  });

  describe('separate processes', () => {
    it('when 40 matching events go through two engines and two executors, then each action is executed exactly once', async () => {
      const acme = client(baseUrl, 'acme-corp');
      expect((await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
      await acme.post('/api/v1/automation/rules', {
        name: 'Task too',
        module_type: 'sales',
        trigger_id: 'high_value_opportunity',
        conditions: [{ type: 'value_threshold', value: 10000 }],
        actions: [{ type: 'create_task', parameters: { title: 'Call about {{opportunity_name}}' } }],
      });

      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: `o${i}`, opportunity_name: `Deal ${i}`, value: 25000 + i } });
        expect(res.status).toBe(202);
        ids.push(res.body.id);
      }
      const notifications = await eventually(async () => {
        const list = (await acme.get('/api/v1/notifications?limit=500')).body.items;
        return list.length >= 40 ? list : undefined;
      }, 60_000);
      const tasks = await eventually(async () => {
        const list = (await acme.get('/api/v1/tasks?limit=500')).body.items;
        return list.length >= 40 ? list : undefined;
      }, 60_000);
      const executions = await eventually(async () => {
        const list = (await acme.get('/api/v1/automation/executions?limit=500')).body.items;
        return list.length >= 80 && list.every((e: any) => e.actions.every((a: any) => a.status === 'succeeded')) ? list : undefined;
      }, 60_000);

      // Give stragglers a moment: a duplicate would show up now.
      await new Promise((r) => setTimeout(r, 500));
      expect((await acme.get('/api/v1/notifications?limit=500')).body.items).toHaveLength(40);
      expect((await acme.get('/api/v1/tasks?limit=500')).body.items).toHaveLength(40);
      expect(new Set(notifications.map((n: any) => n.event_id))).toEqual(new Set(ids));
      expect(new Set(tasks.map((t: any) => t.title)).size).toBe(40);
      expect(executions).toHaveLength(80);
      expect(notifications.find((n: any) => n.event_id === ids[7]).message).toBe('New high-value opportunity: Deal 7 - $25007');
    }, 120_000);

    it('when a 5000 deal and another tenant’s deal arrive, then acme-corp’s event log shows both rules unmatched and nothing else happens', async () => {
      const acme = client(baseUrl, 'acme-corp');
      const before = (await acme.get('/api/v1/notifications?limit=500')).body.items.length;
      const small = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 's', opportunity_name: 'Small', value: 5000 } });
      const other = client(baseUrl, 'globex');
      await other.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'g', opportunity_name: 'Theirs', value: 90000 } });
      const logged = await eventually(async () => {
        const res = await acme.get(`/api/v1/events/${small.body.id}`);
        return res.status === 200 ? res.body : undefined;
      });
      expect(logged.status).toBe('not_matched');
      expect(logged.rules.map((r: any) => r.outcome)).toEqual(['not_matched', 'not_matched']);
      expect(logged.executions).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect((await acme.get('/api/v1/notifications?limit=500')).body.items).toHaveLength(before);
      expect((await other.get('/api/v1/notifications')).body.items).toEqual([]);
    });

    it('when the processes get SIGTERM, then each exits 0', async () => {
      const codes = await Promise.all(roles.map((r) => r.stop()));
      expect(codes).toEqual([0, 0, 0, 0, 0]);
    });
  });
});
