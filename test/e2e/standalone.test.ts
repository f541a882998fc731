import { afterAll, describe, expect, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, spawnRole, tempDir, waitForLog } from '../support/harness.ts';

/* `npm start` with nothing configured: in-process bus, SQLite under DATA_DIR. */
const dir = tempDir();
afterAll(() => dir.remove());

describe('npm start with embedded defaults', () => {
  it("when no broker or database is configured, then the spec's example runs end to end and SIGTERM exits 0", async () => {
    const flowline = spawnRole('standalone', { AMQP_URL: '', MONGODB_URL: '', DATA_DIR: dir.path, PORT: '0', HOST: '127.0.0.1' });
    try {
      await waitForLog(flowline, 'Flowline is running');
      const port = /"port":(\d+)/.exec(flowline.output())?.[1];
      const acme = client(`http://127.0.0.1:${port}`, 'acme-corp');
      expect((await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
      const event = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } });
      expect(event.status).toBe(202);
      const [notification] = await eventually(async () => {
        const list = (await acme.get('/api/v1/notifications')).body;
        return list.length > 0 ? list : undefined;
      });
      expect(notification.message).toBe('New high-value opportunity: Big Deal - $25000');
      expect(flowline.output()).toContain('"tenant_id":"acme-corp"');
      // The in-process bus's dead letters are reachable only through this process: `flowline dlq --api`.
      const deadLetters = await fetch(`http://127.0.0.1:${port}/admin/v1/dead-letters/executor`);
      expect(deadLetters.status).toBe(200);
      expect(await deadLetters.json()).toMatchObject({ queue: 'executor', total: 0 });
    } finally {
      expect(await flowline.stop()).toBe(0);
    }
  });

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
