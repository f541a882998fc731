import { afterAll, describe, expect, it } from 'vitest';
import { parseTenantId } from '@flowline/contracts';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, spawnRole, tempDir, waitForLog } from '../support/harness.ts';
import { describeEachStore, storeTarget } from '../support/store-target.ts';

/* `npm start` with no broker configured: in-process bus; SQLite under DATA_DIR, or MongoDB with MONGODB_URL. */
const dir = tempDir();
afterAll(() => dir.remove());

describeEachStore('npm start', (kind) => {
  it("when no broker is configured, then the README's walk-through runs end to end on the store and SIGTERM exits 0", async () => {
    const store = storeTarget(kind);
    // SQLite: nothing configured at all, so the file lands under DATA_DIR. MongoDB: MONGODB_URL.
    const storeEnv = kind === 'sqlite' ? { MONGODB_URL: '' } : store.env;
    const flowline = spawnRole('standalone', { AMQP_URL: '', DATA_DIR: dir.path, PORT: '0', HOST: '127.0.0.1', ...storeEnv });
    try {
      await waitForLog(flowline, 'Flowline is running');
      const port = /"port":(\d+)/.exec(flowline.output())?.[1];
      const acme = client(`http://127.0.0.1:${port}`, 'acme-corp');
      const rule = await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
      expect(rule.status).toBe(201);
      const event = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } });
      expect(event.status).toBe(202);
      const [notification] = await eventually(async () => {
        const list = (await acme.get('/api/v1/notifications')).body.items;
        return list.length > 0 ? list : undefined;
      });
      expect(notification.message).toBe('New high-value opportunity: Big Deal - $25000');
      const [execution] = (await acme.get(`/api/v1/automation/executions?event_id=${event.body.id}`)).body.items;
      expect(execution).toMatchObject({ rule_id: rule.body.id, outcome: 'matched', conditions: [{ type: 'value_threshold', expected: 10000, actual: 25000, passed: true }] });
      // The small deal is logged with its rule unmatched and makes no notification.
      const small = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o2', opportunity_name: 'Small', value: 5000 } });
      const logged = await eventually(async () => {
        const res = await acme.get(`/api/v1/events/${small.body.id}`);
        return res.status === 200 ? res.body : undefined;
      });
      expect(logged).toMatchObject({ status: 'not_matched', rules: [{ outcome: 'not_matched', failed_condition: { actual: 5000 } }] });
      expect((await acme.get('/api/v1/notifications')).body.items).toHaveLength(1);
      expect(flowline.output()).toContain('"tenant_id":"acme-corp"');
      // The in-process bus's dead letters are reachable only through this process: `flowline dlq --api`.
      // Only with the admin header (a cross-site form cannot send it), as the CLI sends it.
      expect((await fetch(`http://127.0.0.1:${port}/admin/v1/dead-letters/executor`)).status).toBe(400);
      const deadLetters = await fetch(`http://127.0.0.1:${port}/admin/v1/dead-letters/executor`, { headers: { 'x-flowline-admin': 'test' } });
      expect(deadLetters.status).toBe(200);
      expect(await deadLetters.json()).toMatchObject({ queue: 'executor', total: 0 });
      if (kind === 'mongodb') {
        // The data went to MongoDB, not to an SQLite file under DATA_DIR.
        const stores = await store.open();
        expect((await stores.rules.list(parseTenantId('acme-corp'), { limit: 50 })).items.map((r) => r.id)).toEqual([rule.body.id]);
        await stores.close();
      }
    } finally {
      expect(await flowline.stop()).toBe(0);
      await store.remove();
    }
  });
});

describe('npm start with embedded defaults', () => {
  it('when the image starts without configuration (NODE_ENV=production, no key source), then it refuses with one line saying what to set', async () => {
    const flowline = spawnRole('standalone', { NODE_ENV: 'production', DATA_DIR: dir.path, AUTH_MODE: '', JWT_SECRET: '', JWT_JWKS_URL: '' });
    expect(await flowline.exited).toBe(1);
    const lines = flowline.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^flowline: Invalid configuration: AUTH_MODE: jwt .*needs JWT_SECRET .*or JWT_JWKS_URL.*AUTH_MODE=trusted-header.*NODE_ENV=development for a local trial$/);
  });

  it('when a setting is invalid, then the process stops at once naming it', async () => {
    const flowline = spawnRole('standalone', { PORT: 'eighty', DATA_DIR: dir.path });
    expect(await flowline.exited).toBe(1);
    expect(flowline.output()).toMatch(/Invalid configuration:[\s\S]*PORT/);
  });
});
