import { catalogue } from '@flowline/rules';
import { openInfrastructure, runRole } from '@flowline/runtime';
import { apiSecurityFromConfig } from './entry-points/http/security/security-options.ts';
import { startApi } from './start-api.ts';

await runRole('api', async ({ config, logger }) => {
  const infra = await openInfrastructure(config, logger, { requireBroker: true });
  const api = await startApi({ ...infra, catalogue, logger, port: config.PORT, host: config.HOST, metricsPort: config.API_METRICS_PORT, security: apiSecurityFromConfig(config), ...crashHook() });
  return {
    async stop() {
      await api.stop();
      await infra.close();
    },
  };
});

/**
 * FLOWLINE_TEST_EXIT_AFTER_COMMIT=1 makes the api exit right after an entity write commits,
 * before its events are published: the outbox test uses it to show they still go out once.
 */
function crashHook(): { afterEntityCommit?: () => void } {
  if (process.env['FLOWLINE_TEST_EXIT_AFTER_COMMIT'] !== '1') return {};
  return { afterEntityCommit: () => process.exit(86) };
}
