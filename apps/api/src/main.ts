import { catalogue } from '@flowline/rules';
import { openInfrastructure, runRole } from '@flowline/runtime';
import { apiSecurityFromConfig } from './entry-points/http/security/security-options.ts';
import { startApi } from './start-api.ts';

await runRole('api', async ({ config, logger }) => {
  const infra = await openInfrastructure(config, logger, { requireBroker: true });
  const api = await startApi({ ...infra, catalogue, logger, port: config.PORT, host: config.HOST, security: apiSecurityFromConfig(config) });
  return {
    async stop() {
      await api.stop();
      await infra.close();
    },
  };
});
