import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseTenantId } from '@flowline/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStores, openStores } from '../src/index.ts';
import { makeEventRecord, makeNotification, makeRule, makeTask } from './documents.ts';
import { storeContract } from './store-contract.ts';

const A = parseTenantId('tenant-a');
const dir = mkdtempSync(join(tmpdir(), 'flowline-storage-'));
let files = 0;
const freshPath = () => join(dir, `stores-${++files}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite stores', () => {
  storeContract(() => openSqliteStores(freshPath()));
});

describe('SQLite stores in memory', () => {
  storeContract(() => openSqliteStores(':memory:'));
});

describe('SQLite database file', () => {
  it('when opened through openStores without a MongoDB URL, then the stores are SQLite ones', async () => {
    const stores = await openStores({ sqlitePath: freshPath() });
    try {
      expect(stores.kind).toBe('sqlite');
      await expect(stores.ping()).resolves.toBeUndefined();
    } finally {
      await stores.close();
    }
  });

  it('when the parent directory is missing, then it is created', async () => {
    const path = join(dir, 'nested', 'deeper', 'flowline.db');
    const stores = await openSqliteStores(path);
    await stores.close();
    expect(existsSync(path)).toBe(true);
  });

  it('when the file is opened, then it is in WAL mode', async () => {
    const path = freshPath();
    const stores = await openSqliteStores(path);
    await stores.close();
    const db = new DatabaseSync(path);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      db.close();
    }
  });

  it('when the file is reopened, then the data written before is still there', async () => {
    const path = freshPath();
    const rule = makeRule(A);
    const first = await openSqliteStores(path);
    await first.rules.insert(A, rule);
    await first.close();

    const second = await openSqliteStores(path);
    try {
      expect(await second.rules.get(A, rule.id)).toEqual(rule);
    } finally {
      await second.close();
    }
  });

  it('when many notifications and tasks are inserted at once (one commit), then each insert answers for itself', async () => {
    const stores = await openSqliteStores(freshPath());
    try {
      const earlier = makeNotification(A);
      await stores.notifications.insertIfAbsent(A, earlier);
      const fresh = Array.from({ length: 20 }, () => makeNotification(A));
      const tasks = Array.from({ length: 5 }, () => makeTask(A));

      const answers = await Promise.all([
        ...fresh.map((n) => stores.notifications.insertIfAbsent(A, n)),
        stores.notifications.insertIfAbsent(A, earlier),
        stores.notifications.insertIfAbsent(A, fresh[0]!),
        ...tasks.map((t) => stores.tasks.insertIfAbsent(A, t)),
      ]);

      expect(answers).toEqual([...fresh.map(() => true), false, false, ...tasks.map(() => true)]);
      expect((await stores.notifications.list(A, { limit: 100 })).items).toHaveLength(21);
      expect((await stores.tasks.list(A, { limit: 100 })).items).toHaveLength(5);
    } finally {
      await stores.close();
    }
  });

  it('when a notification is written with its result and the result cannot be written, then neither is kept, alone or among other writes', async () => {
    const stores = await openSqliteStores(freshPath());
    try {
      // A value JSON cannot hold fails the result's write after the notification's insert ran.
      const unwritable = { command_id: 'c', execution_id: 'e', action_index: 0, status: 'succeeded', completed_at: '2026-01-01T00:00:00.000Z', deliveries: 1n } as never;
      const alone = makeNotification(A);
      await expect(stores.notifications.insertIfAbsent(A, alone, unwritable)).rejects.toThrow(/BigInt/);

      const [other, failing, task] = [makeNotification(A), makeNotification(A), makeTask(A)];
      const answers = await Promise.allSettled([
        stores.notifications.insertIfAbsent(A, other),
        stores.notifications.insertIfAbsent(A, failing, unwritable),
        stores.tasks.insertIfAbsent(A, task, unwritable),
      ]);

      expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
      expect(await stores.notifications.get(A, alone.id)).toBeNull();
      expect(await stores.notifications.get(A, failing.id)).toBeNull();
      expect(await stores.notifications.get(A, other.id)).toEqual(other);
      expect((await stores.tasks.list(A, { limit: 10 })).items).toEqual([]);
    } finally {
      await stores.close();
    }
  });

  it('when two connections open a fresh file at once, then both can use it', async () => {
    const path = freshPath();
    const [one, two] = await Promise.all([openSqliteStores(path), openSqliteStores(path)]);
    try {
      const record = makeEventRecord(A);
      await one.events.recordProcessed([{ tenant: A, record, executions: [] }]);
      expect(await two.events.get(A, record.id)).toEqual(record);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('when created_at values differ in offset and precision, then newest first is still chronological', async () => {
    const stores = await openSqliteStores(freshPath());
    try {
      // Compared as raw text the +02:00 one (09:00Z) would come first and the .5 one last.
      const late = makeRule(A, { created_at: '2025-01-01T10:30:00Z' });
      const early = makeRule(A, { created_at: '2025-01-01T11:00:00+02:00' });
      const middle = makeRule(A, { created_at: '2025-01-01T10:00:00.5Z' });
      for (const rule of [early, late, middle]) await stores.rules.insert(A, rule);
      expect((await stores.rules.list(A, { limit: 50 })).items.map((rule) => rule.id)).toEqual([late.id, middle.id, early.id]);
      expect(await stores.rules.get(A, early.id)).toEqual(early);
    } finally {
      await stores.close();
    }
  });
});
