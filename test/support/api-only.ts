import { startApi, defaultApiSecurity, type ApiSecurity } from '@flowline/api';
import { createMessageBus, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { tempDir, uniqueNamespace } from './harness.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

export interface ApiOnly {
  baseUrl: string;
  stores: Stores;
  bus: MessageBus;
  stop(): Promise<void>;
}

/** The api alone, on the in-process bus and a fresh SQLite file, with the given security settings. */
export async function startApiOnly(change: (security: ApiSecurity) => void = () => {}): Promise<ApiOnly> {
  const security = defaultApiSecurity();
  change(security);
  const dir = tempDir();
  const logger = silentLogger();
  const stores = await openSqliteStores(`${dir.path}/flowline.db`);
  const bus = await createMessageBus({ namespace: uniqueNamespace('api-only'), maxAttempts: 3, logger });
  const api = await startApi({ stores, bus, catalogue, logger, port: 0, host: '127.0.0.1', security });
  return {
    baseUrl: `http://127.0.0.1:${api.port}`,
    stores,
    bus,
    async stop() {
      await api.stop();
      await bus.close();
      await stores.close();
      dir.remove();
    },
  };
}

/** jwt mode with {@link TEST_JWT_SECRET}. */
export function jwtMode(security: ApiSecurity): void {
  security.auth = { ...security.auth, mode: 'jwt', secret: TEST_JWT_SECRET };
}
