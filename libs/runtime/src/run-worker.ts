import type { Config } from '@flowline/config';
import { startHealthServer, type Logger } from '@flowline/observability';
import { openInfrastructure, type Infrastructure } from './infrastructure.ts';
import { runRole, type Running } from './run-role.ts';

/**
 * A worker process (engine or executor) on its own: it needs a broker, serves its probes on a
 * small port (`/ready` fails while the broker is disconnected or the store does not answer),
 * and on shutdown stops consuming before it closes connections.
 */
export function runWorker(
  service: string,
  healthPort: (config: Config) => number,
  start: (context: { config: Config; logger: Logger; infra: Infrastructure }) => Promise<Running>,
): Promise<void> {
  return runRole(service, async ({ config, logger }) => {
    // The probe port first: a taken port stops the worker at once, before it connects to anything.
    let infra: Infrastructure | undefined;
    const health = await startHealthServer({
      port: healthPort(config),
      checks: {
        broker: () => {
          if (!infra?.bus.isConnected()) throw new Error(infra ? 'disconnected' : 'starting');
        },
        store: () => (infra ? infra.stores.ping() : Promise.reject(new Error('starting'))),
      },
    });
    let worker: Running;
    try {
      infra = await openInfrastructure(config, logger, { requireBroker: true });
      worker = await start({ config, logger, infra });
    } catch (error) {
      await health.close();
      await infra?.close();
      throw error;
    }
    logger.info({ healthPort: health.port }, `${service} started`);
    const opened = infra;
    return {
      async stop() {
        await worker.stop();
        await health.close();
        await opened.close();
      },
    };
  });
}
