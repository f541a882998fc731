import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTenantId } from '@flowline/contracts';
import { openSqliteStores } from '@flowline/storage';
import { makeRule } from './documents.ts';

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
    const write = stores.rules.insert(tenant, makeRule(tenant));
    // A synchronous busy wait would stop this timer until the lock was released.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ticksWhileLocked = ticks;
    other.exec('COMMIT');
    other.close();
    await write;
    clearInterval(ticker);

    // About 30 ticks fit in 300 ms on a quiet machine, 12 were seen on a loaded one; a loop blocked
    // by a synchronous busy wait manages one at most, after the block.
    expect(ticksWhileLocked).toBeGreaterThan(5);
    expect(await stores.rules.list(tenant, {})).toHaveLength(1);
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
