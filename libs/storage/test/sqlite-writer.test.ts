import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTenantId, type EventRecord } from '@flowline/contracts';
import { openSqliteDatabase } from '../src/sqlite/open-sqlite.ts';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store.ts';
import { SqliteExecutionStore } from '../src/sqlite/sqlite-execution-store.ts';
import { SqliteWriter } from '../src/sqlite/sqlite-writer.ts';
import { eventually } from '../../../test/support/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowline-writer-'));
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

async function fileWithTable(): Promise<{ path: string; db: DatabaseSync }> {
  const path = join(dir, `writer-${Math.random().toString(36).slice(2)}.db`);
  const db = await openSqliteDatabase(path);
  db.exec('CREATE TABLE IF NOT EXISTS items (k TEXT PRIMARY KEY, v TEXT)');
  closers.push(() => db.close());
  return { path, db };
}

function writerOn(path: string, onFailure?: (error: unknown) => void): SqliteWriter {
  const writer = new SqliteWriter(path, 5000, onFailure);
  closers.push(() => writer.close());
  return writer;
}

const insert = (k: string, v = 'x') => ({ sql: 'INSERT INTO items (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING', params: [k, v] });
const count = (db: DatabaseSync) => Number(db.prepare('SELECT count(*) AS n FROM items').get()?.['n']);

describe('SqliteWriter', () => {
  it('when groups are written, then each head reports its changes and only a head that inserted runs its dependents', async () => {
    const { path, db } = await fileWithTable();
    db.prepare('INSERT INTO items (k, v) VALUES (?, ?)').run('taken', 'before');
    const writer = writerOn(path);

    const changes = await writer.write([
      { head: insert('a'), dependents: [insert('a.1'), insert('a.2')] },
      { head: insert('taken'), dependents: [insert('never')] },
    ]);

    expect(changes).toEqual([1, 0]);
    expect(db.prepare("SELECT k FROM items WHERE k != 'taken' ORDER BY k").all().map((row) => row['k'])).toEqual(['a', 'a.1', 'a.2']);
  });

  it('when another connection holds the write lock, then the caller’s event loop stays free and the write lands once the lock is gone', async () => {
    const { path, db } = await fileWithTable();
    const writer = writerOn(path);
    await writer.write([{ head: insert('warm'), dependents: [] }]);
    const other = new DatabaseSync(path);
    other.exec('BEGIN EXCLUSIVE');
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    let settled = false;

    const write = writer.write([{ head: insert('waited'), dependents: [] }]).finally(() => (settled = true));
    await eventually(async () => (ticks >= 10 ? true : undefined), 4000, 5);
    expect(settled).toBe(false);
    other.exec('COMMIT');
    other.close();
    await write;
    clearInterval(ticker);

    expect(count(db)).toBe(2);
  });

  it('when a statement fails, then nothing of its transaction is kept and the error carries SQLite’s code', async () => {
    const { path, db } = await fileWithTable();
    const writer = writerOn(path);

    const failed = writer.write([
      { head: insert('kept?'), dependents: [] },
      { head: { sql: 'INSERT INTO items (k, v) VALUES (?, ?)', params: ['kept?', 'again'] }, dependents: [] },
    ]);

    await expect(failed).rejects.toMatchObject({ code: 'ERR_SQLITE_ERROR', errcode: expect.any(Number) });
    expect(count(db)).toBe(0);
    expect(writer.broken).toBe(false);
  });

  it('when the thread cannot open the file, then the write is rejected, the failure reported once and the writer is broken', async () => {
    const failures: unknown[] = [];
    const writer = writerOn(join(dir, 'missing', 'nowhere.db'), (error) => failures.push(error));

    await expect(writer.write([{ head: insert('a'), dependents: [] }])).rejects.toThrow();

    await eventually(async () => (failures.length > 0 ? true : undefined), 5000, 10);
    expect(failures).toHaveLength(1);
    expect(writer.broken).toBe(true);
    await expect(writer.write([{ head: insert('b'), dependents: [] }])).rejects.toThrow(/not running/);
  });

  it('when its writer is broken, then the event store records on its own connection', async () => {
    const { db } = await fileWithTable();
    const writer = writerOn(join(dir, 'missing', 'nowhere.db'));
    await expect(writer.write([{ head: insert('a'), dependents: [] }])).rejects.toThrow();
    const events = new SqliteEventStore(db, new SqliteExecutionStore(db), writer);
    const tenant = parseTenantId('acme-corp');
    const record = {
      id: 'evt-1',
      tenant_id: tenant,
      type: 'deal_won',
      module_type: 'crm',
      source: 'test',
      time: '2026-11-30T10:00:00.000Z',
      received_at: '2026-11-30T10:00:00.000Z',
      correlation_id: 'evt-1',
      causation_id: null,
      causation_depth: 0,
      data: {},
      status: 'no_rules',
      rules: [],
      deliveries: 1,
    } as unknown as EventRecord;

    const [recorded] = await events.recordProcessed([{ tenant, record, executions: [] }]);

    expect(recorded?.created).toBe(true);
    expect((await events.get(tenant, 'evt-1'))?.status).toBe('no_rules');
  });

  it('when closed while a write is under way, then the write still completes', async () => {
    const { path, db } = await fileWithTable();
    const writer = writerOn(path);

    const write = writer.write([{ head: insert('last'), dependents: [] }]);
    await writer.close();

    await expect(write).resolves.toEqual([1]);
    expect(count(db)).toBe(1);
    expect(writer.broken).toBe(true);
  });
});
