import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRole } from '../support/harness.ts';

/* A worker whose health port another process holds (say a second engine on the default port). */
let holder: Server;
let port: number;
beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
  port = (holder.address() as import('node:net').AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

describe('a worker on a taken health port', () => {
  it.each([
    ['engine', 'ENGINE_HEALTH_PORT', 'json'],
    ['executor', 'EXECUTOR_HEALTH_PORT', 'pretty'],
  ] as const)('when the %s finds %s taken (LOG_FORMAT=%s), then it exits 1 with one line naming the port and the setting', async (role, setting, format) => {
    const worker = spawnRole(role, { [setting]: String(port), LOG_FORMAT: format, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' });
    expect(await worker.exited).toBe(1);
    const lines = worker.output().trim().split('\n');
    expect(lines, worker.output()).toHaveLength(1);
    expect(lines[0]).toContain(`${role} cannot start: port ${port} is in use by another process; stop that process or set ${setting} to a free port (0 picks one)`);
    if (format === 'json') expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'fatal', service: role });
    else expect(lines[0]).not.toMatch(/^\{/);
  });
});
