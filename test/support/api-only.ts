import { defaultApiSecurity, type ApiSecurity } from '@flowline/api';
import { startInProcess, tempDir, uniqueNamespace, type InProcessFlowline } from './harness.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

export type ApiOnly = InProcessFlowline;

/**
 * Flowline in this process on the in-process bus and a fresh SQLite file (no broker needed),
 * with the api's security settings changed by `change`.
 */
export async function startApiOnly(change: (security: ApiSecurity) => void = () => {}): Promise<ApiOnly> {
  const security = defaultApiSecurity();
  change(security);
  const dir = tempDir();
  const flowline = await startInProcess({ namespace: uniqueNamespace('api-only'), sqlitePath: `${dir.path}/flowline.db`, security });
  return {
    ...flowline,
    async stop() {
      await flowline.stop();
      dir.remove();
    },
  };
}

/** jwt mode with {@link TEST_JWT_SECRET}. */
export function jwtMode(security: ApiSecurity): void {
  security.auth = { ...security.auth, mode: 'jwt', secret: TEST_JWT_SECRET };
}
