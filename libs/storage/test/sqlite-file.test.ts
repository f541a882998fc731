import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTenantId } from '@flowline/contracts';
import { openSqliteStores } from '@flowline/storage';
import { makeRule } from './documents.ts';
import { eventually } from '../../../test/support/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowline-busy-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite writes waiting for another process', () => {
  it("when another connection holds the write lock, then a waiting write leaves the event loop free and succeeds once the lock is gone", async () => {
    const path = join(dir, 'busy.db');
    const stores = await openSqliteStores(path, { busyTimeoutMs: 5000 });
    const other = new DatabaseSync(path);
    other.exec('BEGIN EXCLUSIVE');

    const tenant = parseTenantId('acme-corp');
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    let settled = false;
    const write = stores.rules.insert(tenant, makeRule(tenant)).finally(() => (settled = true));
    // A synchronous busy wait would stop this timer until SQLite gave up (5 s, the write then
    // failing): ten ticks with the write still waiting show the loop stayed free.
    await eventually(async () => (ticks >= 10 ? true : undefined), 4000, 5);
    const ticksWhileLocked = ticks;
    expect(settled).toBe(false);
    other.exec('COMMIT');
    other.close();
    await write;
    clearInterval(ticker);

    expect(ticksWhileLocked).toBeGreaterThanOrEqual(10);
    expect((await stores.rules.list(tenant, { limit: 50 })).items).toHaveLength(1);
    await stores.close();
  });
});

describe('SQLite schema upgrades', () => {
  it('when a file made by schema version 1 is opened, then its list indexes are replaced by ones ending in (created_at, id)', async () => {
    const path = join(dir, 'v1.db');
    await (await openSqliteStores(path)).close();
    const old = new DatabaseSync(path);
    old.exec('DROP INDEX rules_by_trigger_v2; CREATE INDEX rules_by_trigger ON rules (tenant_id, trigger_id, is_active); PRAGMA user_version = 1');
    old.close();

    await (await openSqliteStores(path)).close();
    const db = new DatabaseSync(path);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rules'").all().map((row) => row.name);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT doc FROM rules WHERE tenant_id = 'a' AND trigger_id = 't' AND is_active = 1 ORDER BY created_at DESC, id DESC").all();
    db.close();
    expect(indexes).toContain('rules_by_trigger_v2');
    expect(indexes).not.toContain('rules_by_trigger');
    expect(plan.map((row) => row.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
  });
});
