import { parseTenantId } from '@flowline/contracts';
import { silentLogger } from '@flowline/observability';
import { Pruner } from '@flowline/runtime';
import { openSqliteStores } from '@flowline/storage';
import { describe, expect, it } from 'vitest';
import { makeExecution, recordExecution } from '../../storage/test/documents.ts';
import { eventually } from '../../../test/support/harness.ts';

describe('Pruner', () => {
  it('when started on SQLite, then it prunes every interval what is past retention, and stop() ends it', async () => {
    const stores = await openSqliteStores(':memory:');
    const tenant = parseTenantId('acme-corp');
    const old = () => makeExecution(tenant, { created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    const pruner = new Pruner({ stores, policy: { executions: 1, notifications: 0, tasks: 0, sentOutbox: 0 }, intervalMs: 20, logger: silentLogger() });
    try {
      await recordExecution(stores, tenant, old());
      await recordExecution(stores, tenant, makeExecution(tenant, { created_at: new Date().toISOString() }));
      pruner.start();
      await eventually(async () => ((await stores.executions.list(tenant, { limit: 10 })).items.length === 1 ? true : undefined));
      // A second pass finds what arrived since.
      await recordExecution(stores, tenant, old());
      await eventually(async () => ((await stores.executions.list(tenant, { limit: 10 })).items.length === 1 ? true : undefined));
    } finally {
      await pruner.stop();
    }
    await recordExecution(stores, tenant, old());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stores.executions.list(tenant, { limit: 10 })).items).toHaveLength(2);
    await stores.close();
  });
});
