import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseTenantId } from '@flowline/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../src/index.ts';
import { ACTIONS_PER_WORKER, EXECUTIONS, NOTIFICATIONS, WORKERS, executionIdOf } from './fixtures/shared-plan.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/hammer-shared-file.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flowline-multi-process-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface WorkerReport {
  worker: number;
  executionsCreated: number;
  resultsRecorded: number;
  notificationsInserted: number;
}

describe('SQLite file shared by several processes', () => {
  it('when processes open a fresh file together and update the same executions, then no update is lost and nothing fails', async () => {
    const path = join(dir, 'shared.db');
    // Far enough ahead that every child has started and loaded its modules before any opens the file.
    const startAt = Date.now() + 2000;

    // process.execPath is the Node running vitest (24), which can run the .ts fixture directly.
    // execFile rejects on a non-zero exit, with the child's stderr in the error.
    const reports = await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const { stdout } = await run(process.execPath, [script, path, String(worker), String(startAt)], { timeout: 20_000 });
        return JSON.parse(stdout.trim()) as WorkerReport;
      }),
    );

    const total = (key: keyof WorkerReport) => reports.reduce((sum, report) => sum + report[key], 0);
    expect(total('executionsCreated')).toBe(EXECUTIONS);
    expect(total('resultsRecorded')).toBe(WORKERS * EXECUTIONS * ACTIONS_PER_WORKER);
    expect(total('notificationsInserted')).toBe(NOTIFICATIONS);

    const tenant = parseTenantId('tenant-a');
    const stores = await openSqliteStores(path);
    try {
      for (let e = 0; e < EXECUTIONS; e++) {
        const execution = await stores.executions.get(tenant, executionIdOf(e));
        const pending = execution?.actions.filter((action) => action.status !== 'succeeded').map((action) => action.index);
        expect(pending, `execution ${e}: actions whose result was lost`).toEqual([]);
        expect(execution?.actions).toHaveLength(WORKERS * ACTIONS_PER_WORKER);
      }
      expect((await stores.notifications.list(tenant, { limit: 500 })).items).toHaveLength(NOTIFICATIONS);
    } finally {
      await stores.close();
    }
  }, 30_000);
});
