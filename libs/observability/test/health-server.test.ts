import { describe, expect, it } from 'vitest';
import { runChecks, startHealthServer } from '@flowline/observability';

describe('readiness checks', () => {
  it('when one check hangs and one throws, then /ready answers 503 naming both, and the passing check is ok', async () => {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: {
        store: () => new Promise<void>(() => {}),
        broker: () => {
          throw new Error('disconnected');
        },
        config: () => {},
      },
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        ready: false,
        checks: { store: 'no answer within 2000 ms', broker: 'disconnected', config: 'ok' },
      });
    } finally {
      await server.close();
    }
  });

  it('when every check passes, then the report is ready', async () => {
    expect(await runChecks({ a: () => {}, b: async () => {} })).toEqual({ ready: true, checks: { a: 'ok', b: 'ok' } });
  });
});
