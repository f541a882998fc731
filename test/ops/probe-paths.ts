import { startHealthServer } from '@flowline/observability';
import { startInProcess, tempDir } from '../support/harness.ts';

/**
 * The HTTP status each role answers on `paths`, asked of the real servers (the api on the
 * in-memory bus, a worker's health server), so probes are checked against what the apps serve.
 */
export async function statusesServed(paths: string[]): Promise<Record<'api' | 'worker', Record<string, number>>> {
  const dir = tempDir();
  const api = await startInProcess({ namespace: 'probe-check', sqlitePath: `${dir.path}/probe.db` });
  const health = await startHealthServer({ port: 0, host: '127.0.0.1', checks: { broker: () => {} } });
  try {
    const ask = async (base: string) =>
      Object.fromEntries(await Promise.all(paths.map(async (path) => [path, (await fetch(`${base}${path}`)).status] as const)));
    return { api: await ask(api.baseUrl), worker: await ask(`http://127.0.0.1:${health.port}`) };
  } finally {
    await health.close();
    await api.stop();
    dir.remove();
  }
}
