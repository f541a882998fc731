import { apiSecurityFromConfig, startApi } from '@flowline/api';
import { engineOptionsFromConfig, startEngine } from '@flowline/engine';
import { executorOptionsFromConfig, startExecutor } from '@flowline/executor';
import { catalogue } from '@flowline/rules';
import { InMemoryBus } from '@flowline/messaging';
import { openInfrastructure, runRole } from '@flowline/runtime';

/*
 * `npm start`: api, engine and executor in one process. Without AMQP_URL they share the
 * in-process bus; without MONGODB_URL, the SQLite file under DATA_DIR.
 */
await runRole('flowline', async ({ config, logger }) => {
  const infra = await openInfrastructure(config, logger);
  const executor = await startExecutor({ ...infra, logger: logger.child({ role: 'executor' }), ...executorOptionsFromConfig(config) });
  const engine = await startEngine({ ...infra, logger: logger.child({ role: 'engine' }), ...engineOptionsFromConfig(config) });
  // The in-process bus's dead letters live only here: the api serves them to `flowline dlq --api`.
  const deadLetters = infra.bus instanceof InMemoryBus ? { deadLetters: infra.bus.deadLetters() } : {};
  const api = await startApi({ ...infra, ...deadLetters, catalogue, logger: logger.child({ role: 'api' }), port: config.PORT, host: config.HOST, metricsPort: config.API_METRICS_PORT, security: apiSecurityFromConfig(config) });
  logger.info({ url: `http://localhost:${api.port}` }, 'Flowline is running');
  return {
    async stop() {
      // Stop the intake first, so what is in flight can drain through engine and executor.
      await api.stop();
      await engine.stop();
      await executor.stop();
      await infra.close();
    },
  };
});
